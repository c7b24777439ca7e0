// Paths inside the container's rootfs, resolved as if it were "/" (openat2
// RESOLVE_IN_ROOT): a hostile image cannot point a mount outside its rootfs.
#pragma once

#include <fcntl.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::runtime::init {

// "/proc/self/fd/<fd>": how mount(2) is pointed at an fd opened in the rootfs.
std::string FdPath(int fd);

// Opens `path` inside the tree at `rootfd` (O_PATH unless `flags` say otherwise).
absl::StatusOr<UniqueFd> OpenInRoot(int rootfd, const std::string& path, int flags = O_PATH);

// mkdir -p (or touch for a file) inside the rootfs; returns an O_PATH fd.
// A dangling symlink on the way (an image's /etc/resolv.conf pointing into
// /run, say) gets its target created, as runc does.
absl::StatusOr<UniqueFd> MakeMountPoint(int rootfd, const std::string& dest, bool dir, int depth = 0);

// mount(2) with only `flags` (MS_REMOUNT, propagation) on `dest`, reopened:
// an fd taken before the mount still points below it.
absl::Status Remount(int rootfd, const std::string& dest, unsigned long flags);

}  // namespace ucr::runtime::init
