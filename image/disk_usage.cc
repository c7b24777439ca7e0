#include "image/disk_usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::image {
namespace {

class Walker {
 public:
  absl::Status Root(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return absl::OkStatus();
      return LastErrnoError(absl::StrCat("stat ", path));
    }
    Count(st);
    if (!S_ISDIR(st.st_mode)) return absl::OkStatus();
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return LastErrnoError(absl::StrCat("open ", path));
    return Dir(fd, st.st_dev, path);
  }
  DiskUsage usage() const { return usage_; }

 private:
  void Count(const struct stat& st) {
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen_.insert({st.st_dev, st.st_ino}).second) return;
    usage_.bytes += static_cast<uint64_t>(st.st_blocks) * 512;
    usage_.inodes += 1;
  }

  // Takes ownership of `fd`.
  absl::Status Dir(int fd, dev_t dev, const std::string& path) {
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
      ::close(fd);
      return LastErrnoError(absl::StrCat("opendir ", path));
    }
    absl::Status result;
    while (struct dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced with a removal
      if (st.st_dev != dev) continue;  // a mount point: not ours to count
      Count(st);
      if (!S_ISDIR(st.st_mode)) continue;
      int child = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child < 0) continue;
      absl::Status st2 = Dir(child, dev, absl::StrCat(path, "/", e->d_name));
      if (!st2.ok() && result.ok()) result = st2;
    }
    ::closedir(d);
    return result;
  }

  DiskUsage usage_;
  std::set<std::pair<dev_t, ino_t>> seen_;
};

}  // namespace

absl::StatusOr<DiskUsage> MeasureTrees(const std::vector<std::string>& roots) {
  Walker w;
  for (const std::string& root : roots) UCR_RETURN_IF_ERROR(w.Root(root));
  return w.usage();
}

}  // namespace ucr::image
