// The image config blob (OCI image config / Docker container image v1):
// the parts a container launch uses, plus the layer diff ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "image/image_provider.h"
#include "nlohmann/json.hpp"

namespace ucr::image {

struct ParsedConfig {
  ImageConfig config;
  std::vector<std::string> diff_ids;  // bottom layer first
  std::string os;
  std::string architecture;
};

// INVALID_ARGUMENT for malformed JSON, missing rootfs.diff_ids or bad digests.
absl::StatusOr<ParsedConfig> ParseImageConfig(absl::string_view body);

nlohmann::json ImageConfigToJson(const ImageConfig& c);
ImageConfig ImageConfigFromJson(const nlohmann::json& j);

// The CRI view of a config's User: a numeric user part becomes `uid`,
// a name becomes `username` (group parts are ignored, as containerd does).
struct ImageUser {
  std::optional<int64_t> uid;
  std::string username;
};
ImageUser SplitImageUser(absl::string_view user);

}  // namespace ucr::image
