// MeasureDiskUsage: the writable layer's size for ContainerStats (like `du -x`).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

struct Walk {
  dev_t dev;
  std::set<std::pair<dev_t, ino_t>> linked;  // inodes with several names, counted once
  DiskUsage usage;
};

void Count(const struct stat& st, Walk* w) {
  if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !w->linked.insert({st.st_dev, st.st_ino}).second) {
    return;
  }
  w->usage.bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  w->usage.inodes += 1;
}

// Walks one directory fd; entries that vanish meanwhile (a running container) are skipped.
absl::Status WalkDir(int dir_fd, const std::string& path, Walk* w) {
  int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return LastErrnoError(absl::StrCat("dup ", path));
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    ::close(dup_fd);
    return LastErrnoError(absl::StrCat("fdopendir ", path));
  }
  absl::Status result;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_dev != w->dev) continue;  // stay on this filesystem, as du -x
    Count(st, w);
    if (!S_ISDIR(st.st_mode)) continue;
    UniqueFd child(::openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child) continue;
    result = WalkDir(child.get(), absl::StrCat(path, "/", name), w);
    if (!result.ok()) break;
  }
  ::closedir(d);
  return result;
}

}  // namespace

absl::StatusOr<DiskUsage> MeasureDiskUsage(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return LastErrnoError(absl::StrCat("open ", dir));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return LastErrnoError(absl::StrCat("stat ", dir));
  Walk w{st.st_dev, {}, {}};
  Count(st, &w);
  UCR_RETURN_IF_ERROR(WalkDir(fd.get(), dir, &w));
  return w.usage;
}

}  // namespace ucr::runtime::cgroups
