// OCI / Docker schema2 manifests and indexes (manifest lists): parsing,
// validation, and choosing the manifest for this host's platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::image {

namespace media {
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
// The Accept header of a manifest request: without it the registry answers
// 404 for OCI content and downgrades Docker manifests to schema1.
inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>"
  int64_t size = 0;
  Platform platform;  // index entries only
};

// A manifest or an index: exactly one of `layers` (with `config`) or
// `manifests` is meaningful, as `is_index` says.
struct ParsedManifest {
  std::string media_type;
  bool is_index = false;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::vector<Descriptor> manifests;
};

// Parses `body`; `content_type` (the HTTP Content-Type) is used when the body
// has no mediaType. Schema1 and unknown types are FAILED_PRECONDITION naming
// the type; malformed JSON or descriptors are INVALID_ARGUMENT.
absl::StatusOr<ParsedManifest> ParseManifest(absl::string_view body, absl::string_view content_type);

// This machine's platform in OCI terms (linux, amd64 / arm64 v8 / arm v7 …).
Platform HostPlatform();

// The index entry for `want`: os and architecture must match; a variant must
// match when both sides name one (arm64's "" and "v8" are the same). An
// exact variant match wins. NOT_FOUND listing what the index offers.
absl::StatusOr<Descriptor> SelectPlatform(const ParsedManifest& index, const Platform& want);

}  // namespace ucr::image
