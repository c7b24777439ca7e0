// The mounts a container gets beyond the launcher's defaults: the CRI's (with
// their propagation), the pod's hostname/hosts/resolv.conf unless the CRI
// mounts those paths itself, and the pod's /dev/shm.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "runtime/launch/launcher.h"
#include "runtime/sandbox/pod_files.h"
#include "runtime/state/container_record.h"

namespace ucr::runtime {

// INVALID_ARGUMENT naming the path when a CRI mount's host path is missing or
// a container path is not absolute.
absl::StatusOr<std::vector<Mount>> ContainerMounts(const ContainerRequest& request,
                                                   const SandboxRecord& sandbox,
                                                   const PodFilePaths& pod_files);

}  // namespace ucr::runtime
