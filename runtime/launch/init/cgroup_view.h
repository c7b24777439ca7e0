// The container's read-only /sys/fs/cgroup.
#pragma once

#include "absl/status/status.h"

namespace ucr::runtime::init {

// cgroup v2: a fresh cgroup2 mount. v1: a tmpfs holding a fresh mount of
// every hierarchy the process is in (named as the host names them: cpu,
// memory, systemd, unified; co-mounted controllers get symlinks). Inside the
// container's own cgroup namespace (ucrd asks for one on v1 and v2) a fresh
// mount shows the container's cgroup as its root, as runc's binds of the
// container's own directories do: /sys/fs/cgroup/memory/memory.limit_in_bytes
// is the container's limit and nothing of the host's tree shows. Call after
// the process joined its cgroups and namespaces, before pivot_root.
absl::Status MountCgroupView(int rootfd);

}  // namespace ucr::runtime::init
