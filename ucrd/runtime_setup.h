// Builds the runtime side of ucrd (cgroups, launcher, pod and container
// managers) and runs every component's recover() before the socket opens.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/paths.h"
#include "image/image_provider.h"
#include "network/pod_network.h"
#include "runtime/container/container_manager.h"
#include "runtime/launch/launcher.h"
#include "runtime/sandbox/sandbox_manager.h"

namespace ucr::daemon {

struct RuntimeParts {
  std::unique_ptr<runtime::Launcher> launcher;
  std::unique_ptr<runtime::SandboxManager> sandboxes;
  std::unique_ptr<runtime::ContainerManager> containers;
};

// `images` and `network` are owned by the caller; `network` may be null.
// `spare_monitors`: config key launcher.spare_monitors.
absl::StatusOr<RuntimeParts> BuildRuntime(const Paths& paths, image::ImageProvider* images,
                                          network::PodNetwork* network, int spare_monitors);

// A helper binary installed beside ucrd ("" when it is not there).
std::string HelperBinary(const std::string& name);

}  // namespace ucr::daemon
