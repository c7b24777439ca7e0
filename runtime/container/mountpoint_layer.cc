#include "runtime/container/mountpoint_layer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr::runtime {
namespace {

constexpr const char* kDirs[] = {"etc", "dev", "proc", "sys"};
constexpr const char* kFiles[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf"};

enum class Entry { kAbsent, kDir, kOther };

// What the merged view of `lowers` has at `name` (top-level): the topmost
// layer that has an entry decides; a whiteout (char device 0/0) deletes it.
Entry TopEntry(const std::vector<std::string>& lowers, const char* name, struct stat* found) {
  for (const std::string& layer : lowers) {
    if (::fstatat(AT_FDCWD, absl::StrCat(layer, "/", name).c_str(), found, AT_SYMLINK_NOFOLLOW) != 0)
      continue;  // not in this layer: look below
    if (S_ISCHR(found->st_mode) && found->st_rdev == makedev(0, 0)) return Entry::kAbsent;
    return S_ISDIR(found->st_mode) ? Entry::kDir : Entry::kOther;
  }
  return Entry::kAbsent;
}

bool Decide(const std::vector<std::string>& lowers) {
  for (const char* name : kDirs) {
    struct stat st;
    Entry e = TopEntry(lowers, name, &st);
    if (e == Entry::kOther) return false;  // a symlink or file there: ours would hide it
    // /etc is not covered by a mount: its owner and mode must stay the image's.
    if (e == Entry::kDir && std::string(name) == "etc" &&
        (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0755))
      return false;
  }
  return true;
}

// `path` is of the type `dir` says, root's, with exactly `mode`: a merged
// /etc shows the layer's owner and mode (ucrd's umask must not leak there).
absl::Status Own(const std::string& path, bool dir, mode_t mode) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return LastErrnoError(absl::StrCat("stat ", path));
  if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a ", dir ? "directory" : "file"));
  if ((st.st_uid != 0 || st.st_gid != 0) && ::lchown(path.c_str(), 0, 0) != 0)
    return LastErrnoError(absl::StrCat("chown ", path));
  if ((st.st_mode & 07777) != mode && ::chmod(path.c_str(), mode) != 0)
    return LastErrnoError(absl::StrCat("chmod ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status MountpointLayer::Ensure() {
  UCR_RETURN_IF_ERROR(MakeDirs(dir_, 0755));
  UCR_RETURN_IF_ERROR(Own(dir_, true, 0755));
  for (const char* d : kDirs) {
    std::string path = absl::StrCat(dir_, "/", d);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return LastErrnoError(absl::StrCat("mkdir ", path));
    UCR_RETURN_IF_ERROR(Own(path, true, 0755));
  }
  for (const char* f : kFiles) {
    std::string path = absl::StrCat(dir_, "/", f);
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return LastErrnoError(absl::StrCat("create mount point ", path));
    ::close(fd);
    UCR_RETURN_IF_ERROR(Own(path, false, 0644));
  }
  ready_ = true;
  return absl::OkStatus();
}

bool MountpointLayer::Fits(const std::vector<std::string>& lowers) {
  if (!ready_) return false;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = fits_.find(lowers); it != fits_.end()) return it->second;
  }
  bool fits = Decide(lowers);
  absl::MutexLock lock(&mu_);
  if (fits_.size() >= 1024) fits_.clear();  // one entry per image used: bounded all the same
  fits_.emplace(lowers, fits);
  return fits;
}

}  // namespace ucr::runtime
