#include "runtime/launch/init/cgroup_view.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status.h"
#include "runtime/launch/init/in_root.h"

namespace ucr::runtime::init {
namespace {

constexpr unsigned long kRo = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;

absl::Status MountFresh(int rootfd, const std::string& dest, const char* type, const char* data) {
  UCR_ASSIGN_OR_RETURN(UniqueFd t, MakeMountPoint(rootfd, dest, true));
  if (::mount("cgroup", FdPath(t.get()).c_str(), type, kRo, data) != 0)
    return LastErrnoError(absl::StrCat("mount ", type, " on ", dest));
  return absl::OkStatus();
}

// One hierarchy in the fresh tmpfs `cg`: a plain mkdirat and a mount through
// the fd's path. The tmpfs is ours and empty, so the symlink-proof walk of
// MakeMountPoint (openat2 per component, ~20 us a mount) buys nothing here.
absl::Status MountHierarchy(int cg, const std::string& name, const char* type, const char* data) {
  if (::mkdirat(cg, name.c_str(), 0755) != 0 && errno != EEXIST)
    return LastErrnoError(absl::StrCat("mkdir /sys/fs/cgroup/", name));
  const std::string target = absl::StrCat(FdPath(cg), "/", name);
  if (::mount("cgroup", target.c_str(), type, kRo, data) != 0)
    return LastErrnoError(absl::StrCat("mount ", type, " on /sys/fs/cgroup/", name));
  return absl::OkStatus();
}

}  // namespace

absl::Status MountCgroupView(int rootfd) {
  struct statfs sfs;
  if (::statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    return MountFresh(rootfd, "/sys/fs/cgroup", "cgroup2", nullptr);
  {
    UCR_ASSIGN_OR_RETURN(UniqueFd t, MakeMountPoint(rootfd, "/sys/fs/cgroup", true));
    if (::mount("tmpfs", FdPath(t.get()).c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") != 0)
      return LastErrnoError("mount tmpfs on /sys/fs/cgroup");
  }
  UCR_ASSIGN_OR_RETURN(std::string self, ReadFile("/proc/self/cgroup"));
  UCR_ASSIGN_OR_RETURN(UniqueFd cg, OpenInRoot(rootfd, "/sys/fs/cgroup", O_DIRECTORY | O_RDONLY));
  for (absl::string_view line : absl::StrSplit(self, '\n', absl::SkipEmpty())) {
    // "<id>:<controllers or name=...>:<path>"; v2's line has no controllers.
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    const std::string& ctrls = f[1];
    if (ctrls.empty()) {
      UCR_RETURN_IF_ERROR(MountHierarchy(cg.get(), "unified", "cgroup2", nullptr));
      continue;
    }
    const bool named = absl::StartsWith(ctrls, "name=");
    const std::string dir = named ? ctrls.substr(5) : ctrls;
    const std::string data = named ? absl::StrCat("none,", ctrls) : ctrls;
    if (dir.find('/') != std::string::npos) continue;  // not a name we can mount at
    UCR_RETURN_IF_ERROR(MountHierarchy(cg.get(), dir, "cgroup", data.c_str()));
    if (!named && dir.find(',') != std::string::npos) {
      for (absl::string_view c : absl::StrSplit(dir, ',')) (void)::symlinkat(dir.c_str(), cg.get(), std::string(c).c_str());
    }
  }
  // Per-mount read-only (MS_BIND): a superblock remount of the tmpfs waits
  // for an RCU grace period, 10-15 ms on every container start.
  return Remount(rootfd, "/sys/fs/cgroup", MS_BIND | MS_REMOUNT | kRo);
}

}  // namespace ucr::runtime::init
