#include "image/reference.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ucr::image {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A path component: [a-z0-9]+ joined by ".", "_", "__" or any run of "-".
bool IsValidComponent(absl::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !IsLowerAlnum(c[j])) ++j;
    absl::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == absl::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// A registry host: hostname labels or [IPv6], optional :port.
bool IsValidDomain(absl::string_view d) {
  if (d.empty()) return false;
  absl::string_view host = d;
  if (absl::StartsWith(d, "[")) {
    size_t end = d.find(']');
    if (end == absl::string_view::npos) return false;
    host = d.substr(0, end + 1);
  } else if (size_t colon = d.rfind(':'); colon != absl::string_view::npos) {
    host = d.substr(0, colon);
  }
  if (host.size() < d.size()) {
    absl::string_view port = d.substr(host.size());
    if (port.size() < 2 || port[0] != ':') return false;
    for (char c : port.substr(1)) {
      if (!absl::ascii_isdigit(c)) return false;
    }
  }
  if (absl::StartsWith(host, "[")) return host.size() > 2;
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
  }
  return true;
}

bool IsValidTag(absl::string_view t) {
  if (t.empty() || t.size() > kMaxTagLength) return false;
  auto word = [](char c) { return absl::ascii_isalnum(c) || c == '_'; };
  if (!word(t[0])) return false;
  for (char c : t) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid image reference \"", text, "\": ", why));
}

}  // namespace

bool IsSha256Hex(absl::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsSha256Digest(absl::string_view digest) {
  return absl::StartsWith(digest, "sha256:") && IsSha256Hex(digest.substr(7));
}

std::string Reference::Name() const { return absl::StrCat(domain, "/", path); }

std::string Reference::TagRef() const {
  return tag.empty() ? std::string() : absl::StrCat(Name(), ":", tag);
}

std::string Reference::DigestRef(absl::string_view manifest_digest) const {
  return absl::StrCat(Name(), "@", manifest_digest);
}

std::string Reference::String() const {
  std::string s = Name();
  if (!tag.empty()) absl::StrAppend(&s, ":", tag);
  if (!digest.empty()) absl::StrAppend(&s, "@", digest);
  return s;
}

absl::StatusOr<Reference> ParseReference(absl::string_view text) {
  if (text.empty()) return Invalid(text, "empty");
  Reference ref;
  absl::string_view rest = text;
  if (size_t at = rest.find('@'); at != absl::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!absl::StartsWith(ref.digest, "sha256:")) return Invalid(text, "only sha256 digests are supported");
    if (!IsSha256Digest(ref.digest)) return Invalid(text, "a sha256 digest is 64 lowercase hex digits");
  }
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && (last_slash == absl::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!IsValidTag(ref.tag)) return Invalid(text, absl::StrCat("bad tag \"", ref.tag, "\""));
  }
  if (rest.empty()) return Invalid(text, "no repository name");

  size_t first_slash = rest.find('/');
  absl::string_view first = rest.substr(0, first_slash);
  bool has_domain = first_slash != absl::string_view::npos &&
                    (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost");
  if (has_domain) {
    if (!IsValidDomain(first)) return Invalid(text, absl::StrCat("bad registry host \"", first, "\""));
    ref.domain = std::string(first);
    ref.path = std::string(rest.substr(first_slash + 1));
  } else {
    ref.domain = kDefaultDomain;
    ref.path = std::string(rest);
  }
  if (ref.domain == "index.docker.io") ref.domain = kDefaultDomain;
  if (ref.domain == kDefaultDomain && !absl::StrContains(ref.path, '/')) {
    ref.path = absl::StrCat("library/", ref.path);
  }
  for (absl::string_view component : absl::StrSplit(ref.path, '/')) {
    if (!IsValidComponent(component)) {
      return Invalid(text, absl::StrCat("bad repository name component \"", component,
                                        "\" (lowercase letters, digits and . _ - only)"));
    }
  }
  if (ref.Name().size() > kMaxNameLength) return Invalid(text, "repository name longer than 255");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace ucr::image
