// StopPodSandbox and RemovePodSandbox span both managers: the pod's
// containers go first, then what the pod itself holds.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "runtime/container/container_manager.h"
#include "runtime/sandbox/sandbox_manager.h"

namespace ucr::runtime {

// Grace each still-running container gets (its stop signal, then SIGKILL);
// the kubelet has normally stopped them with their own grace period already.
inline constexpr std::chrono::seconds kPodStopGrace(2);

// Stops every container of the pod (in parallel), then releases the pod's
// network, init, /dev/shm and namespaces. OK for an unknown pod.
absl::Status StopPod(SandboxManager& sandboxes, ContainerManager& containers, const std::string& id);

// StopPod, then removes the containers and the pod's state. OK for an unknown pod.
absl::Status RemovePod(SandboxManager& sandboxes, ContainerManager& containers, const std::string& id);

}  // namespace ucr::runtime
