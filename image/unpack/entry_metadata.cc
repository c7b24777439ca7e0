#include "image/unpack/entry_metadata.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace ucr::image {
namespace {

// Sets xattrs through `set`; unsupported ones (ENOTSUP, e.g. user.* on a
// device node) are skipped like containerd does.
template <typename SetFn>
absl::Status SetXattrs(archive_entry* e, const std::string& name, SetFn set) {
  if (archive_entry_xattr_reset(e) == 0) return absl::OkStatus();
  const char* key;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
    if (IsForbiddenXattr(key)) continue;
    // user.* on a symlink or device is EPERM by design: skip like ENOTSUP.
    if (set(key, value, size) != 0 && errno != ENOTSUP &&
        !(errno == EPERM && absl::StartsWith(key, "user."))) {
      return LastErrnoError(absl::StrCat("entry \"", name, "\": set xattr ", key));
    }
  }
  return absl::OkStatus();
}

mode_t PermissionBits(archive_entry* e) { return archive_entry_perm(e) & 07777; }

}  // namespace

bool IsForbiddenXattr(const char* name) { return absl::StartsWith(name, "trusted.overlay."); }

void EntryTimes(archive_entry* e, struct timespec times[2]) {
  times[1].tv_sec = archive_entry_mtime(e);
  times[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (!archive_entry_mtime_is_set(e)) times[1].tv_nsec = UTIME_OMIT;
  if (archive_entry_atime_is_set(e)) {
    times[0].tv_sec = archive_entry_atime(e);
    times[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    times[0] = times[1];
  }
}

absl::Status ApplyOwnerModeXattrs(int fd, archive_entry* e, const std::string& name) {
  if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)),
               static_cast<gid_t>(archive_entry_gid(e))) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": chown"));
  }
  if (::fchmod(fd, PermissionBits(e)) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": chmod"));
  }
  return ApplyXattrs(fd, e, name);
}

absl::Status ApplyXattrs(int fd, archive_entry* e, const std::string& name) {
  return SetXattrs(e, name, [fd](const char* key, const void* value, size_t size) {
    return ::fsetxattr(fd, key, value, size, 0);
  });
}

absl::Status ApplyOwnerModeXattrsAt(int dirfd, const std::string& base, archive_entry* e,
                                    const std::string& name) {
  if (::fchownat(dirfd, base.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": chown"));
  }
  bool is_symlink = archive_entry_filetype(e) == AE_IFLNK;
  // Not a symlink (we just created it), so fchmodat's following is harmless.
  if (!is_symlink && ::fchmodat(dirfd, base.c_str(), PermissionBits(e), 0) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": chmod"));
  }
  // l*xattr on /proc/self/fd/<dirfd>/<base>: the dir fd pins the directory
  // and the final component is never followed.
  std::string path = absl::StrCat("/proc/self/fd/", dirfd, "/", base);
  return SetXattrs(e, name, [&path](const char* key, const void* value, size_t size) {
    return ::lsetxattr(path.c_str(), key, value, size, 0);
  });
}

}  // namespace ucr::image
