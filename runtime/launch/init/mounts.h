// The container's filesystem view, built inside its new mount namespace.
#pragma once

#include "absl/status/status.h"
#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// Makes host mounts propagate one way (rslave), mounts the default
// filesystems (/proc, /dev with its devices, /dev/pts, /dev/shm, /dev/mqueue,
// /sys, /sys/fs/cgroup) and the spec's mounts under the rootfs, then
// pivot_root()s into it. `tty`: bind the pty on stdin over /dev/console.
absl::Status EnterRootfs(const ContainerSpec& spec);

// After pivot_root: masked paths, read-only paths, read-only rootfs.
absl::Status LockDownRootfs(const ContainerSpec& spec);

}  // namespace ucr::runtime::init
