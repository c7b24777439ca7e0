// The container's read-only /sys/fs/cgroup.
#pragma once

#include "absl/status/status.h"

namespace ucr::runtime::init {

// cgroup v2 (the container has its own cgroup namespace): a fresh cgroup2
// mount, which shows the namespace's root. v1: a tmpfs holding, per hierarchy
// the process is in, a read-only bind of the process's own cgroup directory
// (as runc does), so /sys/fs/cgroup/memory/memory.limit_in_bytes is the
// container's limit and nothing of the host's tree shows. Call after the
// process joined its cgroups, before pivot_root.
absl::Status MountCgroupView(int rootfd);

}  // namespace ucr::runtime::init
