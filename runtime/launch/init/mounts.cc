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
#include "runtime/launch/init/mount_options.h"

namespace ucr::runtime::init {
namespace {

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

// Opens `path` inside the tree at `rootfd`, with symlinks resolved as if
// rootfd were "/": a hostile image cannot point a mount outside its rootfs.
absl::StatusOr<UniqueFd> OpenInRoot(int rootfd, const std::string& path, int flags = O_PATH) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel(absl::StripLeadingAsciiWhitespace(path));
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  int fd = static_cast<int>(::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how));
  if (fd < 0) return LastErrnoError(absl::StrCat("open ", path, " in rootfs"));
  return UniqueFd(fd);
}

// mkdir -p (or touch for a file) inside the rootfs; returns an O_PATH fd.
// A dangling symlink on the way (an image's /etc/resolv.conf pointing into
// /run, say) gets its target created, as runc does.
absl::StatusOr<UniqueFd> MakeMountPoint(int rootfd, const std::string& dest, bool dir,
                                        int depth = 0) {
  if (auto fd = OpenInRoot(rootfd, dest); fd.ok() || !absl::IsNotFound(fd.status())) return fd;
  if (depth > 8) return absl::InvalidArgumentError(absl::StrCat("too many symlinks at ", dest));
  std::vector<std::string> parts = absl::StrSplit(dest, '/', absl::SkipEmpty());
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string parent = prefix.empty() ? "/" : prefix;
    prefix += "/" + parts[i];
    if (OpenInRoot(rootfd, prefix).ok()) continue;
    UCR_ASSIGN_OR_RETURN(UniqueFd pfd, OpenInRoot(rootfd, parent, O_DIRECTORY | O_RDONLY));
    bool last = i + 1 == parts.size();
    if (!last || dir) {
      if (::mkdirat(pfd.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST)
        return LastErrnoError(absl::StrCat("mkdir ", prefix, " in rootfs"));
    } else {
      int f =
          ::openat(pfd.get(), parts[i].c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (f < 0 && errno == ELOOP) {
        char target[4096];
        ssize_t n = ::readlinkat(pfd.get(), parts[i].c_str(), target, sizeof target - 1);
        if (n <= 0) return LastErrnoError(absl::StrCat("readlink ", prefix, " in rootfs"));
        std::string t(target, static_cast<size_t>(n));
        if (t[0] != '/') t = absl::StrCat(parent, "/", t);
        UCR_RETURN_IF_ERROR(MakeMountPoint(rootfd, t, dir, depth + 1).status());
        break;
      }
      if (f < 0) return LastErrnoError(absl::StrCat("create ", prefix, " in rootfs"));
      ::close(f);
    }
  }
  return OpenInRoot(rootfd, dest);
}

absl::Status Remount(int rootfd, const std::string& dest, unsigned long flags) {
  // Reopen: the fd used to mount still points below the new mount.
  UCR_ASSIGN_OR_RETURN(UniqueFd top, OpenInRoot(rootfd, dest));
  if (::mount(nullptr, FdPath(top.get()).c_str(), nullptr, flags, nullptr) != 0)
    return LastErrnoError(absl::StrCat("remount ", dest));
  return absl::OkStatus();
}

bool IsBind(const Mount& m, const MountFlags& f) { return m.type == "bind" || (f.flags & MS_BIND); }

// `clone`: for an rshared bind, the source's detached copy (see SharedSources).
absl::Status MountOne(int rootfd, const Mount& m, int clone = -1) {
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

absl::Status CreateDevices(int rootfd, bool tty) {
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
  char pty[64];
  if (tty && ::ttyname_r(0, pty, sizeof pty) == 0) {
    // The pty the monitor gave us becomes /dev/console, as runc does. By
    // path: its fd belongs to a mount of the namespace we left.
    int f = ::openat(dev.get(), "console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (f >= 0) ::close(f);
    UCR_ASSIGN_OR_RETURN(UniqueFd console, OpenInRoot(rootfd, "/dev/console"));
    if (::mount(pty, FdPath(console.get()).c_str(), nullptr, MS_BIND, nullptr))
      return LastErrnoError(absl::StrCat("bind the pty ", pty, " on /dev/console"));
  }
  return absl::OkStatus();
}

// A read-only view of our cgroups: each v1 hierarchy mounted under a tmpfs
// (inside a cgroup namespace it shows only the container's subtree), or the
// v2 tree. The tmpfs is made read-only at the end.
absl::Status MountCgroups(int rootfd) {
  const unsigned long kRo = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;
  struct statfs sfs;
  if (::statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
    return MountOne(rootfd,
                    {"cgroup", "/sys/fs/cgroup", "cgroup2", {"nosuid", "nodev", "noexec", "ro"}});
  }
  UCR_RETURN_IF_ERROR(MountOne(
      rootfd, {"tmpfs", "/sys/fs/cgroup", "tmpfs", {"nosuid", "nodev", "noexec", "mode=755"}}));
  UCR_ASSIGN_OR_RETURN(std::string self, ReadFile("/proc/self/cgroup"));
  UCR_ASSIGN_OR_RETURN(UniqueFd cg, OpenInRoot(rootfd, "/sys/fs/cgroup", O_DIRECTORY | O_RDONLY));
  for (absl::string_view line : absl::StrSplit(self, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    std::string ctrls = f[1], dir = f[1], type = "cgroup", data = f[1];
    if (ctrls.empty()) {
      dir = "unified", type = "cgroup2", data = "";
    } else if (absl::StartsWith(ctrls, "name=")) {
      dir = ctrls.substr(5), data = absl::StrCat("none,", ctrls);
    }
    if (::mkdirat(cg.get(), dir.c_str(), 0755) != 0 && errno != EEXIST)
      return LastErrnoError(absl::StrCat("mkdir /sys/fs/cgroup/", dir));
    UCR_ASSIGN_OR_RETURN(UniqueFd t, OpenInRoot(rootfd, absl::StrCat("/sys/fs/cgroup/", dir)));
    if (::mount("cgroup", FdPath(t.get()).c_str(), type.c_str(), kRo,
                data.empty() ? nullptr : data.c_str()) != 0)
      return LastErrnoError(absl::StrCat("mount cgroup ", dir));
    if (ctrls.find(',') != std::string::npos && !absl::StartsWith(ctrls, "name=")) {
      for (absl::string_view c : absl::StrSplit(ctrls, ',')) {
        std::string name(c);
        (void)::symlinkat(dir.c_str(), cg.get(), name.c_str());
      }
    }
  }
  return Remount(rootfd, "/sys/fs/cgroup", MS_REMOUNT | kRo);
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
    if (m.destination == "/dev") UCR_RETURN_IF_ERROR(CreateDevices(rootfd.get(), spec.process.tty));
  }
  if (!overridden.count("/sys") && !overridden.count("/sys/fs/cgroup"))
    UCR_RETURN_IF_ERROR(MountCgroups(rootfd.get()));
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
