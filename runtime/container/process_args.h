// The container process as kubelet expects it from the image config and the
// CRI config: command overrides ENTRYPOINT (and drops the image CMD), args
// override CMD; env is the image's overlaid by the CRI's; working dir is the
// CRI's, else the image's, else "/".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/image_provider.h"
#include "runtime/state/container_record.h"

namespace ucr::runtime {

struct ProcessArgs {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value"
  std::string cwd;
};

// INVALID_ARGUMENT when neither side gives a command.
absl::StatusOr<ProcessArgs> MergeProcessArgs(const ContainerRequest& request,
                                             const image::ImageConfig& image,
                                             const std::string& hostname, const std::string& home);

// "SIGTERM", "TERM", "15" -> 15; 0 for "" ; INVALID_ARGUMENT otherwise.
absl::StatusOr<int> ParseSignal(const std::string& text);

}  // namespace ucr::runtime
