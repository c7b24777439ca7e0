#include "common/scoped_mount.h"

#include <sys/mount.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/mountinfo.h"
#include "common/status.h"

namespace ucr {

ScopedMount::~ScopedMount() {
  if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
}

ScopedMount& ScopedMount::operator=(ScopedMount&& other) noexcept {
  if (this != &other) {
    if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
    target_ = other.release();
  }
  return *this;
}

absl::StatusOr<ScopedMount> ScopedMount::Mount(const std::string& source, const std::string& target,
                                               const std::string& fstype, unsigned long flags,
                                               const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    return LastErrnoError(absl::StrCat("mount ", fstype.empty() ? source : fstype, " at ", target));
  }
  return ScopedMount(target);
}

absl::Status ScopedMount::Unmount() {
  if (target_.empty()) return absl::OkStatus();
  std::string target = release();
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return LastErrnoError(absl::StrCat("unmount ", target));
  }
  return absl::OkStatus();
}

absl::Status UnmountAllUnder(const std::string& root) {
  absl::StatusOr<std::vector<MountInfoEntry>> mounts = ReadMountInfo();
  if (!mounts.ok()) return mounts.status();
  std::vector<std::string> targets;
  for (MountInfoEntry& m : *mounts) {
    if (PathIsAtOrUnder(m.mount_point, root)) targets.push_back(std::move(m.mount_point));
  }
  // Deepest first so that parents are not busy with their children.
  std::sort(targets.begin(), targets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  absl::Status first_error;
  for (const std::string& t : targets) {
    if (::umount2(t.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT &&
        first_error.ok()) {
      first_error = LastErrnoError(absl::StrCat("unmount ", t));
    }
  }
  return first_error;
}

absl::Status RemoveTreeAndMounts(const std::string& dir) {
  if (RemoveTree(dir).ok()) return absl::OkStatus();
  UCR_RETURN_IF_ERROR(UnmountAllUnder(dir));
  return RemoveTree(dir);
}

}  // namespace ucr
