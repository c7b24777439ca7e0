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

}  // namespace

absl::Status MountpointLayer::Ensure() {
  for (const char* d : kDirs) UCR_RETURN_IF_ERROR(MakeDirs(absl::StrCat(dir_, "/", d), 0755));
  for (const char* f : kFiles) {
    std::string path = absl::StrCat(dir_, "/", f);
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return LastErrnoError(absl::StrCat("create mount point ", path));
    ::close(fd);
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
