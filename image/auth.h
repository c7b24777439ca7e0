// Registry authentication pieces: credentials from a CRI AuthConfig or the
// config, and the WWW-Authenticate challenge (RFC 7235) that drives the
// Basic and Bearer token flows.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::image {

struct Credentials {
  std::string username;
  std::string password;
  bool empty() const { return username.empty() && password.empty(); }
};

// From username/password, or else from the base64 "user:password" `auth`.
// Empty when all are empty; INVALID_ARGUMENT for an undecodable `auth`.
absl::StatusOr<Credentials> MakeCredentials(absl::string_view username, absl::string_view password,
                                            absl::string_view auth);

// "Basic <base64(user:password)>"
std::string BasicAuthHeaderValue(const Credentials& creds);

struct Challenge {
  std::string scheme;  // lowercased: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lowercased: realm, service, scope, error
};

// Parses the first challenge of a WWW-Authenticate value, e.g.
// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`.
// INVALID_ARGUMENT when it is not a challenge.
absl::StatusOr<Challenge> ParseChallenge(absl::string_view header);

}  // namespace ucr::image
