// Joining and creating the container's namespaces (all but pid, which the
// monitor handles because it only affects children).
#pragma once

#include <sys/types.h>

#include "absl/status/status.h"
#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// setns() into every kJoin namespace, then unshare() the kNew ones (mount
// always; kHost/kJoin for mnt is refused: set-up would change the host's).
absl::Status EnterContainerNamespaces(const ContainerSpec& spec);

// setns() into the namespaces of a running process (for exec), mount last.
absl::Status JoinProcessNamespaces(pid_t pid);

}  // namespace ucr::runtime::init
