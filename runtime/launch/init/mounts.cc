#include "runtime/launch/init/mounts.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/launch/init/cgroup_view.h"
#include "runtime/launch/init/in_root.h"
#include "runtime/launch/init/mount_options.h"

namespace ucr::runtime::init {
namespace {

bool IsBind(const Mount& m, const MountFlags& f) { return m.type == "bind" || (f.flags & MS_BIND); }

}  // namespace

absl::Status MountOne(int rootfd, const Mount& m, int clone) {
  MountFlags f = ParseMountOptions(m.options);
  bool bind = IsBind(m, f);
  bool dir = true;
  if (bind) {
    f.flags |= MS_BIND;
    struct stat st;
    if (::stat(m.source.c_str(), &st) != 0) return LastErrnoError("source");
    dir = S_ISDIR(st.st_mode);
  }
  UCR_ASSIGN_OR_RETURN(UniqueFd target, MakeMountPoint(rootfd, m.destination, dir));
  std::string tpath = FdPath(target.get());
  if (bind && clone >= 0) {
    if (::syscall(SYS_move_mount, clone, "", target.get(), "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      return LastErrnoError("move_mount");
    unsigned long extra = f.flags & ~(MS_BIND | MS_REC);
    if (extra) UCR_RETURN_IF_ERROR(Remount(rootfd, m.destination, MS_BIND | MS_REMOUNT | extra));
  } else if (bind) {
    if (::mount(m.source.c_str(), tpath.c_str(), nullptr, f.flags & (MS_BIND | MS_REC), nullptr))
      return LastErrnoError("bind");
    unsigned long extra = f.flags & ~(MS_BIND | MS_REC);
    if (extra) UCR_RETURN_IF_ERROR(Remount(rootfd, m.destination, MS_BIND | MS_REMOUNT | extra));
  } else {
    const char* data = f.data.empty() ? nullptr : f.data.c_str();
    if (::mount(m.source.c_str(), tpath.c_str(), m.type.c_str(), f.flags, data) != 0)
      return LastErrnoError(m.type);
  }
  if (f.propagation) UCR_RETURN_IF_ERROR(Remount(rootfd, m.destination, f.propagation));
  return absl::OkStatus();
}

namespace {

const std::vector<Mount>& DefaultMounts() {
  static const std::vector<Mount> kMounts = {
      {"proc", "/proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"tmpfs", "/dev", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"devpts",
       "/dev/pts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"shm", "/dev/shm", "tmpfs", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
      {"mqueue", "/dev/mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"sysfs", "/sys", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
  };
  return kMounts;
}

}  // namespace

absl::Status CreateDevices(int rootfd) {
  UCR_ASSIGN_OR_RETURN(UniqueFd dev, OpenInRoot(rootfd, "/dev", O_DIRECTORY | O_RDONLY));
  struct Dev {
    const char* name;
    unsigned major, minor;
  };
  for (const Dev& d : {Dev{"null", 1, 3}, Dev{"zero", 1, 5}, Dev{"full", 1, 7}, Dev{"random", 1, 8},
                       Dev{"urandom", 1, 9}, Dev{"tty", 5, 0}}) {
    if (::mknodat(dev.get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0 &&
        errno != EEXIST)
      return LastErrnoError(absl::StrCat("mknod /dev/", d.name));
  }
  struct Link {
    const char* name;
    const char* target;
  };
  for (const Link& l : {Link{"ptmx", "pts/ptmx"}, Link{"fd", "/proc/self/fd"},
                        Link{"stdin", "/proc/self/fd/0"}, Link{"stdout", "/proc/self/fd/1"},
                        Link{"stderr", "/proc/self/fd/2"}, Link{"core", "/proc/kcore"}}) {
    if (::symlinkat(l.target, dev.get(), l.name) != 0 && errno != EEXIST)
      return LastErrnoError(absl::StrCat("symlink /dev/", l.name));
  }
  // Mount points of the default mounts below /dev: found at once later, not
  // made by MakeMountPoint's walk (in ucr-init, on the critical path).
  for (const char* dir : {"pts", "shm", "mqueue"}) {
    if (::mkdirat(dev.get(), dir, 0755) != 0 && errno != EEXIST)
      return LastErrnoError(absl::StrCat("mkdir /dev/", dir));
  }
  return absl::OkStatus();
}

namespace {

// The pty the monitor gave us (on stdin) becomes /dev/console, as runc does.
// By path: its fd belongs to a mount of the namespace we left.
absl::Status BindConsole(int rootfd) {
  char pty[64];
  if (::ttyname_r(0, pty, sizeof pty) != 0) return absl::OkStatus();
  UCR_ASSIGN_OR_RETURN(UniqueFd dev, OpenInRoot(rootfd, "/dev", O_DIRECTORY | O_RDONLY));
  int f = ::openat(dev.get(), "console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (f >= 0) ::close(f);
  UCR_ASSIGN_OR_RETURN(UniqueFd console, OpenInRoot(rootfd, "/dev/console"));
  if (::mount(pty, FdPath(console.get()).c_str(), nullptr, MS_BIND, nullptr))
    return LastErrnoError(absl::StrCat("bind the pty ", pty, " on /dev/console"));
  return absl::OkStatus();
}

absl::Status PivotInto(const std::string& rootfs) {
  if (::chdir(rootfs.c_str()) != 0) return LastErrnoError(absl::StrCat("chdir ", rootfs));
  // pivot_root(".", ".") stacks the old root on top of the new one; unmounting
  // it leaves only the container's tree, with no directory needed for it.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return LastErrnoError("pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) return LastErrnoError("unmount the old root");
  if (::chdir("/") != 0) return LastErrnoError("chdir /");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SharedSources> CloneSharedSources(const ContainerSpec& spec) {
  SharedSources out;
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    MountFlags f = ParseMountOptions(m.options);
    if (!IsBind(m, f) || !(f.propagation & MS_SHARED)) continue;
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((f.flags & MS_REC) ? AT_RECURSIVE : 0);
    int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(), flags));
    if (fd < 0) {
      return Annotate(LastErrnoError("source"),
                      absl::StrCat("mount ", m.source, " → ", m.destination));
    }
    out.emplace(i, UniqueFd(fd));
  }
  return out;
}

absl::Status EnterRootfs(const ContainerSpec& spec, SharedSources& shared) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    return LastErrnoError("make / rslave");
  // A bind of the rootfs onto itself: a mount point of its own to pivot into.
  if (::mount(spec.rootfs.c_str(), spec.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr))
    return LastErrnoError(absl::StrCat("bind rootfs ", spec.rootfs));
  int raw = ::open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (raw < 0) return LastErrnoError(absl::StrCat("open rootfs ", spec.rootfs));
  UniqueFd rootfd(raw);

  std::set<std::string> overridden;
  for (const Mount& m : spec.mounts) overridden.insert(m.destination);
  for (const Mount& m : DefaultMounts()) {
    if (overridden.count(m.destination)) continue;
    if (absl::Status s = MountOne(rootfd.get(), m); !s.ok())
      return Annotate(s, absl::StrCat("mount ", m.type, " on ", m.destination));
    if (m.destination == "/dev") UCR_RETURN_IF_ERROR(CreateDevices(rootfd.get()));
  }
  if (spec.process.tty && !overridden.count("/dev")) UCR_RETURN_IF_ERROR(BindConsole(rootfd.get()));
  if (!overridden.count("/sys") && !overridden.count("/sys/fs/cgroup"))
    UCR_RETURN_IF_ERROR(MountCgroupView(rootfd.get()));
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    auto clone = shared.find(i);
    if (absl::Status s =
            MountOne(rootfd.get(), m, clone == shared.end() ? -1 : clone->second.get());
        !s.ok()) {
      return Annotate(
          s, absl::StrCat("mount ", m.source.empty() ? m.type : m.source, " → ", m.destination));
    }
  }
  return PivotInto(spec.rootfs);
}

absl::Status LockDownRootfs(const ContainerSpec& spec) {
  for (const std::string& p : spec.masked_paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) continue;  // nothing to hide
    int r = S_ISDIR(st.st_mode) ? ::mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY, nullptr)
                                : ::mount("/dev/null", p.c_str(), nullptr, MS_BIND, nullptr);
    if (r != 0) return LastErrnoError(absl::StrCat("mask ", p));
  }
  for (const std::string& p : spec.readonly_paths) {
    if (::access(p.c_str(), F_OK) != 0) continue;
    if (::mount(p.c_str(), p.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      return LastErrnoError(absl::StrCat("bind ", p, " read-only"));
    struct statvfs sv;
    unsigned long keep = 0;
    if (::statvfs(p.c_str(), &sv) == 0) {
      if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
      if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
      if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
    }
    if (::mount(nullptr, p.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, nullptr))
      return LastErrnoError(absl::StrCat("remount ", p, " read-only"));
  }
  if (spec.readonly_rootfs &&
      ::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
    return LastErrnoError("remount / read-only");
  return absl::OkStatus();
}

}  // namespace ucr::runtime::init
