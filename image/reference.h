// Image references, parsed and normalized the way the kubelet and crictl do
// (docker/distribution reference rules): "busybox" is
// "docker.io/library/busybox:latest", a first component with a "." or ":" or
// equal to "localhost" is a registry host, and "name:tag@sha256:…" keeps both.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::image {

inline constexpr char kDefaultDomain[] = "docker.io";

struct Reference {
  std::string domain;  // "docker.io", "127.0.0.1:5100"
  std::string path;    // "library/busybox", "ucr-test/busybox"
  std::string tag;     // "" only when a digest is given
  std::string digest;  // "sha256:<64 hex>" or ""

  // "docker.io/library/busybox"
  std::string Name() const;
  // "docker.io/library/busybox:latest" (tag only; "" when there is no tag)
  std::string TagRef() const;
  // "docker.io/library/busybox@sha256:…" for a given manifest digest
  std::string DigestRef(absl::string_view manifest_digest) const;
  // The full normalized form: name[:tag][@digest]
  std::string String() const;
  // What the registry is asked for: the digest when given, else the tag.
  std::string ManifestRef() const { return digest.empty() ? tag : digest; }
};

// Parses and normalizes; INVALID_ARGUMENT naming the reference and the problem.
absl::StatusOr<Reference> ParseReference(absl::string_view text);

// True for "sha256:<64 lowercase hex>".
bool IsSha256Digest(absl::string_view digest);
// True for 64 lowercase hex characters.
bool IsSha256Hex(absl::string_view hex);

}  // namespace ucr::image
