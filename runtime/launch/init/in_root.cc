#include "runtime/launch/init/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace ucr::runtime::init {

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::StatusOr<UniqueFd> OpenInRoot(int rootfd, const std::string& path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(path);
  while (!trimmed.empty() && trimmed[0] == '/') trimmed.remove_prefix(1);
  const std::string rel = trimmed.empty() ? std::string(".") : std::string(trimmed);
  int fd = static_cast<int>(::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how));
  if (fd < 0) return LastErrnoError(absl::StrCat("open ", path, " in rootfs"));
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> MakeMountPoint(int rootfd, const std::string& dest, bool dir, int depth) {
  if (auto fd = OpenInRoot(rootfd, dest); fd.ok() || !absl::IsNotFound(fd.status())) return fd;
  if (depth > 8) return absl::InvalidArgumentError(absl::StrCat("too many symlinks at ", dest));
  std::vector<std::string> parts = absl::StrSplit(dest, '/', absl::SkipEmpty());
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string parent = prefix.empty() ? "/" : prefix;
    absl::StrAppend(&prefix, "/", parts[i]);
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

}  // namespace ucr::runtime::init
