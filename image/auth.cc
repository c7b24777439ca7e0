#include "image/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ucr::image {

absl::StatusOr<Credentials> MakeCredentials(absl::string_view username, absl::string_view password,
                                            absl::string_view auth) {
  if (!username.empty() || !password.empty()) return Credentials{std::string(username), std::string(password)};
  if (auth.empty()) return Credentials{};
  std::string decoded;
  if (!absl::Base64Unescape(auth, &decoded)) {
    return absl::InvalidArgumentError("auth: not valid base64");
  }
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("auth: expected base64 of \"user:password\"");
  return Credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::string BasicAuthHeaderValue(const Credentials& creds) {
  return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(creds.username, ":", creds.password)));
}

namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

void SkipSpaces(absl::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

absl::string_view TakeToken(absl::string_view& s) {
  size_t n = 0;
  while (n < s.size() && IsTokenChar(s[n])) ++n;
  absl::string_view t = s.substr(0, n);
  s.remove_prefix(n);
  return t;
}

// A quoted-string with backslash escapes, or a token.
std::optional<std::string> TakeValue(absl::string_view& s) {
  if (s.empty() || s.front() != '"') return std::string(TakeToken(s));
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.push_back(s[++i]);
    } else if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return out;
    } else {
      out.push_back(s[i]);
    }
  }
  return std::nullopt;  // unterminated
}

}  // namespace

absl::StatusOr<Challenge> ParseChallenge(absl::string_view header) {
  absl::string_view s = header;
  SkipSpaces(s);
  Challenge c;
  c.scheme = absl::AsciiStrToLower(TakeToken(s));
  if (c.scheme.empty()) return absl::InvalidArgumentError(absl::StrCat("bad WWW-Authenticate \"", header, "\""));
  while (true) {
    SkipSpaces(s);
    while (!s.empty() && s.front() == ',') {
      s.remove_prefix(1);
      SkipSpaces(s);
    }
    if (s.empty()) break;
    absl::string_view rest = s;
    std::string key = absl::AsciiStrToLower(TakeToken(s));
    SkipSpaces(s);
    if (key.empty() || s.empty() || s.front() != '=') {
      // The start of a second challenge ("Basic realm=x, Bearer ..."): stop at it.
      if (!key.empty() && c.params.empty() == false) break;
      return absl::InvalidArgumentError(absl::StrCat("bad WWW-Authenticate parameter in \"", header, "\" at \"", rest, "\""));
    }
    s.remove_prefix(1);
    SkipSpaces(s);
    std::optional<std::string> value = TakeValue(s);
    if (!value) return absl::InvalidArgumentError(absl::StrCat("unterminated quote in WWW-Authenticate \"", header, "\""));
    c.params[key] = std::move(*value);
  }
  return c;
}

}  // namespace ucr::image
