#include "common/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr {

absl::Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return LastErrnoError(absl::StrCat("open directory ", dir));
  if (::fsync(fd.get()) != 0) return LastErrnoError(absl::StrCat("fsync directory ", dir));
  return absl::OkStatus();
}

bool PathIsAtOrUnder(absl::string_view path, absl::string_view dir) {
  if (path == dir) return true;
  if (dir.empty() || path.size() <= dir.size() || path.substr(0, dir.size()) != dir) return false;
  return dir.back() == '/' || path[dir.size()] == '/';
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrnoError(absl::StrCat("write ", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

namespace {

// The directory of `path`, and "<dir>/.<name><suffix>": a scratch file beside it.
std::pair<std::string, std::string> DirAndScratch(const std::string& path, absl::string_view suffix) {
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string scratch = absl::StrCat(dir, "/.", target.filename().string(), suffix);
  return {dir, scratch};
}

// Writes `data` into `scratch` (opened with `flags` on top of O_WRONLY|O_CREAT)
// with `mode`, fsyncing it when `durable`.
absl::Status WriteScratch(const std::string& scratch, int flags, absl::string_view data, mode_t mode, bool durable) {
  UniqueFd fd(::open(scratch.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode));
  if (!fd) return LastErrnoError(absl::StrCat("create ", scratch));
  UCR_RETURN_IF_ERROR(WriteAll(fd.get(), data, scratch));
  if (::fchmod(fd.get(), mode) != 0) return LastErrnoError(absl::StrCat("chmod ", scratch));
  if (durable && ::fsync(fd.get()) != 0) return LastErrnoError(absl::StrCat("fsync ", scratch));
  return absl::OkStatus();
}

absl::Status RewriteFile(const std::string& path, absl::string_view data, mode_t mode) {
  const std::string prev = DirAndScratch(path, ".prev").second;
  // On failure <name> is untouched; .prev is scratch.
  UCR_RETURN_IF_ERROR(WriteScratch(prev, O_TRUNC | O_NOFOLLOW, data, mode, /*durable=*/false));
  if (::renameat2(AT_FDCWD, prev.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) return absl::OkStatus();
  // No <name> yet (ENOENT), or no exchange here (a filesystem without it:
  // EINVAL; an old kernel or a seccomp filter: ENOSYS, EPERM): a plain replace.
  const int err = errno;
  if ((err == ENOENT || err == EINVAL || err == ENOSYS || err == EPERM) && ::rename(prev.c_str(), path.c_str()) == 0)
    return absl::OkStatus();
  return LastErrnoError(absl::StrCat("rename ", prev, " to ", path));
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, absl::string_view data, mode_t mode,
                             Durability durability) {
  if (durability == Durability::kRewrite) return RewriteFile(path, data, mode);
  const bool durable = durability == Durability::kDurable;
  const auto [dir, tmp] = DirAndScratch(path, absl::StrCat(".tmp-", RandomHex(4)));
  absl::Status st = WriteScratch(tmp, O_EXCL, data, mode, durable);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = LastErrnoError(absl::StrCat("rename ", tmp, " to ", path));
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return durable ? FsyncDir(dir) : absl::OkStatus();
}

absl::StatusOr<std::string> ReadToEnd(int fd, const std::string& what) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrnoError(absl::StrCat("read ", what));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return LastErrnoError(absl::StrCat("open ", path));
  return ReadToEnd(fd.get(), path);
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return LastErrnoError(absl::StrCat("open directory ", dir));
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::InvalidArgumentError("mkdir: empty path");
  // Mostly the parent exists: one mkdir then, not one per path component.
  if (::mkdir(path.c_str(), mode) == 0) return absl::OkStatus();
  if (errno != ENOENT && errno != EEXIST) return LastErrnoError(absl::StrCat("mkdir ", path));
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) {
      return LastErrnoError(absl::StrCat("mkdir ", partial));
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return LastErrnoError(absl::StrCat("stat ", path));
  if (!S_ISDIR(st.st_mode)) return ErrnoError(ENOTDIR, absl::StrCat("mkdir ", path));
  return absl::OkStatus();
}

// A bind mount from the same filesystem has the same st_dev: statx tells.
static bool IsMountRoot(int parent_fd, const char* name) {
  struct statx stx;
  if (::statx(parent_fd, name, AT_SYMLINK_NOFOLLOW, 0, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static absl::Status RemoveAt(int parent_fd, const char* name, dev_t dev, const std::string& path) {
  struct stat st;
  if (::fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return LastErrnoError(absl::StrCat("stat ", path));
  }
  if (S_ISDIR(st.st_mode)) {
    // (The top of the tree, removed by path, may be a mount root of its own.)
    if (st.st_dev != dev || (parent_fd != AT_FDCWD && IsMountRoot(parent_fd, name))) {
      return absl::FailedPreconditionError(absl::StrCat("refusing to remove mount point ", path));
    }
    UniqueFd dfd(::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) return LastErrnoError(absl::StrCat("open ", path));
    DIR* d = ::fdopendir(::dup(dfd.get()));
    if (!d) return LastErrnoError(absl::StrCat("opendir ", path));
    absl::Status first;
    while (struct dirent* e = ::readdir(d)) {
      absl::string_view n(e->d_name);
      if (n == "." || n == "..") continue;
      absl::Status st2 = RemoveAt(dfd.get(), e->d_name, dev, absl::StrCat(path, "/", n));
      if (!st2.ok() && first.ok()) first = st2;
    }
    ::closedir(d);
    if (!first.ok()) return first;
    if (::unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return LastErrnoError(absl::StrCat("rmdir ", path));
    }
    return absl::OkStatus();
  }
  if (::unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT) {
    return LastErrnoError(absl::StrCat("unlink ", path));
  }
  return absl::OkStatus();
}

absl::Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return LastErrnoError(absl::StrCat("stat ", path));
  }
  return RemoveAt(AT_FDCWD, path.c_str(), st.st_dev, path);
}

absl::Status EnsureUsableDir(const std::string& path, mode_t mode) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is not an absolute path"));
  }
  UCR_RETURN_IF_ERROR(MakeDirs(path, mode));
  if (::access(path.c_str(), W_OK | X_OK) != 0) {
    return LastErrnoError(absl::StrCat("directory ", path, " is not writable"));
  }
  return absl::OkStatus();
}

}  // namespace ucr
