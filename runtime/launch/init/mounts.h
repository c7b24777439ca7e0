// The container's filesystem view, built inside its new mount namespace.
#pragma once

#include <map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// Detached copies (open_tree) of the sources of "rshared" bind mounts, by
// index in spec.mounts. Taken while still in the host's mount namespace, they
// stay peers of the host's mounts: mounts made under them inside the
// container propagate back to the host (CRI Bidirectional), which a bind made
// after the container's tree turned rslave could never do.
using SharedSources = std::map<size_t, UniqueFd>;
absl::StatusOr<SharedSources> CloneSharedSources(const ContainerSpec& spec);

// Makes host mounts propagate one way (rslave), mounts the default
// filesystems (/proc, /dev with its devices, /dev/pts, /dev/shm, /dev/mqueue,
// /sys, /sys/fs/cgroup) and the spec's mounts under the rootfs, then
// pivot_root()s into it. `tty`: bind the pty on stdin over /dev/console.
absl::Status EnterRootfs(const ContainerSpec& spec, SharedSources& shared);

// One mount under the rootfs at `rootfd` (mount point made inside it,
// symlinks resolved in it). `clone`: for an rshared bind, the source's
// detached copy (see SharedSources).
absl::Status MountOne(int rootfd, const Mount& m, int clone = -1);

// The default device nodes and /dev symlinks, in the /dev of `rootfd`.
absl::Status CreateDevices(int rootfd);

// After pivot_root: masked paths, read-only paths, read-only rootfs.
absl::Status LockDownRootfs(const ContainerSpec& spec);

}  // namespace ucr::runtime::init
