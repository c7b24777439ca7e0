#include "runtime/launch/init/cgroup_view.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/mountinfo.h"
#include "common/status.h"
#include "runtime/launch/init/in_root.h"

namespace ucr::runtime::init {
namespace {

constexpr unsigned long kRo = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;

// The controllers (and name=) a v1 hierarchy carries, sorted, as in
// /proc/self/cgroup's second field.
std::vector<std::string> Controllers(absl::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view c : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    static const char* const kFlags[] = {"rw", "ro", "xattr", "noprefix", "clone_children",
                                         "cpuset_v2_mode", "favordynmods", "nofavordynmods"};
    if (std::find(std::begin(kFlags), std::end(kFlags), c) != std::end(kFlags)) continue;
    if (absl::StartsWith(c, "release_agent=")) continue;
    out.emplace_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The host mount of the hierarchy `controllers` ("" for v2), if any.
const MountInfoEntry* HostMount(const std::vector<MountInfoEntry>& mounts, absl::string_view controllers) {
  std::vector<std::string> want = Controllers(controllers);
  for (const MountInfoEntry& m : mounts) {
    if (controllers.empty() ? m.fs_type == "cgroup2"
                            : m.fs_type == "cgroup" && Controllers(absl::StrJoin(m.super_options, ",")) == want)
      return &m;
  }
  return nullptr;
}

// Where `cgroup` (a path of the hierarchy) shows under the host mount `m`.
std::string HostDir(const MountInfoEntry& m, const std::string& cgroup) {
  if (m.root == "/") return m.mount_point + (cgroup == "/" ? "" : cgroup);
  if (cgroup == m.root) return m.mount_point;
  if (absl::StartsWith(cgroup, m.root + "/")) return m.mount_point + cgroup.substr(m.root.size());
  return "";  // our cgroup is outside what the host mounted (a nested runtime)
}

// A read-only bind of `source` on `dest` (a directory under /sys/fs/cgroup):
// made read-only while still detached, so it is never writable in the rootfs.
absl::Status BindReadOnly(int rootfd, const std::string& source, const std::string& dest) {
  int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (tree < 0) return LastErrnoError(absl::StrCat("open_tree ", source));
  UniqueFd tree_fd(tree);
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return LastErrnoError(absl::StrCat("make ", source, " read-only"));
  UCR_ASSIGN_OR_RETURN(UniqueFd target, MakeMountPoint(rootfd, dest, true));
  if (::syscall(SYS_move_mount, tree, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return LastErrnoError(absl::StrCat("bind ", source, " on ", dest));
  return absl::OkStatus();
}

}  // namespace

absl::Status MountCgroupView(int rootfd) {
  struct statfs sfs;
  if (::statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
    UCR_ASSIGN_OR_RETURN(UniqueFd t, MakeMountPoint(rootfd, "/sys/fs/cgroup", true));
    if (::mount("cgroup", FdPath(t.get()).c_str(), "cgroup2", kRo, nullptr) != 0)
      return LastErrnoError("mount cgroup2 on /sys/fs/cgroup");
    return absl::OkStatus();
  }
  {
    UCR_ASSIGN_OR_RETURN(UniqueFd t, MakeMountPoint(rootfd, "/sys/fs/cgroup", true));
    if (::mount("tmpfs", FdPath(t.get()).c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") != 0)
      return LastErrnoError("mount tmpfs on /sys/fs/cgroup");
  }
  UCR_ASSIGN_OR_RETURN(std::vector<MountInfoEntry> mounts, ReadMountInfo());
  UCR_ASSIGN_OR_RETURN(std::string self, ReadFile("/proc/self/cgroup"));
  UCR_ASSIGN_OR_RETURN(UniqueFd cg, OpenInRoot(rootfd, "/sys/fs/cgroup", O_DIRECTORY | O_RDONLY));
  for (absl::string_view line : absl::StrSplit(self, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    const MountInfoEntry* host = HostMount(mounts, f[1]);
    if (host == nullptr) continue;  // a hierarchy the host does not mount: nothing to show
    std::string source = HostDir(*host, f[2]);
    if (source.empty()) continue;
    // Named as the host names it: cpu, memory, "cpu,cpuacct", systemd, unified.
    std::string name = host->mount_point.substr(host->mount_point.find_last_of('/') + 1);
    if (name.empty() || name == "cgroup") continue;
    UCR_RETURN_IF_ERROR(BindReadOnly(rootfd, source, absl::StrCat("/sys/fs/cgroup/", name)));
    // Co-mounted controllers get their own names too (cpu -> cpu,cpuacct).
    if (name.find(',') != std::string::npos) {
      for (absl::string_view c : absl::StrSplit(name, ',')) (void)::symlinkat(name.c_str(), cg.get(), std::string(c).c_str());
    }
  }
  // Per-mount read-only (MS_BIND): a superblock remount of the tmpfs waits
  // for an RCU grace period, 10-15 ms on every container start.
  return Remount(rootfd, "/sys/fs/cgroup", MS_BIND | MS_REMOUNT | kRo);
}

}  // namespace ucr::runtime::init
