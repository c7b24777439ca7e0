// Applies a tar entry's owner, mode, xattrs and times to what was created
// for it. Order matters: chown clears setuid/setgid bits and
// security.capability, so owner first, then mode, then xattrs.
#pragma once

#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"

struct archive_entry;

namespace ucr::image {

// For an open regular file or directory (uid/gid numeric; names ignored).
absl::Status ApplyOwnerModeXattrs(int fd, archive_entry* e, const std::string& name);

// Only the xattrs, for an open file whose owner and mode are already right.
absl::Status ApplyXattrs(int fd, archive_entry* e, const std::string& name);

// For a symlink, device or fifo `base` in directory `dirfd`, never following
// a symlink. Mode is skipped for symlinks.
absl::Status ApplyOwnerModeXattrsAt(int dirfd, const std::string& base, archive_entry* e,
                                    const std::string& name);

// {atime, mtime} of the entry (atime defaults to mtime).
void EntryTimes(archive_entry* e, struct timespec times[2]);

// True for xattrs never taken from a tar: trusted.overlay.* would change how
// overlayfs reads the layer (opaque/redirect/metacopy); opaque dirs come only
// from ".wh..wh..opq" entries.
bool IsForbiddenXattr(const char* name);

}  // namespace ucr::image
