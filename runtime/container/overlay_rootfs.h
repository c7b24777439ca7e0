// A container's root filesystem: an overlay of the image's unpacked layers
// (read-only lowerdirs) under the container's own upper and work dirs.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ucr::runtime {

struct OverlayDirs {
  std::vector<std::string> lowers;  // TOP layer first, as overlayfs wants them
  std::string upper, work;
  std::string target;
  // overlayfs "volatile": no sync of the upper filesystem, neither on the
  // container's fsync/syncfs nor at unmount (which otherwise syncs the whole
  // disk the upper dir is on, a cache flush included, at every removal). A
  // CRI container's writable layer never outlives a crash of the node (it
  // is replaced, never mounted again), so there is nothing to keep durable.
  bool volatile_upper = true;
};

// The mount data string overlayfs gets for `dirs` with lowerdirs relative to
// `lower_base` ("" = absolute paths).
std::string OverlayMountData(const OverlayDirs& dirs, const std::string& lower_base);

// Whether MountOverlay can pass `dirs` to the kernel (within its page).
bool OverlayMountDataFits(const OverlayDirs& dirs);

// Mounts the overlay. The mount data must fit in a page: when absolute
// lowerdirs are too long for that, a forked child chdirs to their common
// parent and mounts with relative lowerdirs (the containers/storage trick).
absl::Status MountOverlay(const OverlayDirs& dirs);

// Unmounts whatever is at or below `target` (one lazy unmount) and removes
// the directory.
absl::Status UnmountRootfs(const std::string& target);

}  // namespace ucr::runtime
