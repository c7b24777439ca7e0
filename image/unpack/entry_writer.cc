#include "image/unpack/entry_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"
#include "image/unpack/entry_metadata.h"
#include "image/unpack/safe_path.h"

namespace ucr::image {
namespace {

constexpr absl::string_view kWhiteoutPrefix = ".wh.";
constexpr absl::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr size_t kMaxCachedDirs = 64;

absl::Status EntryError(const std::string& name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("entry \"", name, "\": ", what));
}

// Errors of an OpenBeneath lookup, phrased for the hostile cases.
absl::Status LookupError(int root, int err, const std::string& name, const std::string& rel) {
  if (err == ENOTDIR) {  // O_DIRECTORY|O_NOFOLLOW on a symlink: say which
    UniqueFd path_fd = OpenBeneath(root, rel, O_PATH);
    struct stat st;
    if (path_fd && ::fstat(path_fd.get(), &st) == 0 && S_ISLNK(st.st_mode)) err = ELOOP;
  }
  switch (err) {
    case ELOOP:
      return EntryError(name, absl::StrCat("path \"", rel, "\" traverses a symlink (refused)"));
    case EXDEV:
      return EntryError(name, absl::StrCat("path \"", rel, "\" leaves the layer (refused)"));
    case ENOTDIR:
      return EntryError(name, absl::StrCat("path \"", rel, "\" has a non-directory component"));
    default:
      return ErrnoError(err, absl::StrCat("entry \"", name, "\": open directory \"", rel, "\""));
  }
}

std::string Join(absl::string_view parent, absl::string_view base) {
  return parent.empty() ? std::string(base) : absl::StrCat(parent, "/", base);
}

}  // namespace

// The process umask without changing it (umask(2) can only set): Linux
// reports it in /proc/self/status. Unknown: assume everything is masked.
mode_t ProcessUmask() {
  absl::StatusOr<std::string> status = ReadFile("/proc/self/status");
  if (!status.ok()) return 07777;
  size_t pos = status->find("\nUmask:\t");
  if (pos == std::string::npos) return 07777;
  return static_cast<mode_t>(std::strtoul(status->c_str() + pos + 8, nullptr, 8));
}

EntryWriter::EntryWriter(UniqueFd root, std::string root_path)
    : root_(std::move(root)), root_path_(std::move(root_path)), uid_(::geteuid()), gid_(::getegid()) {
  umask_ = ProcessUmask();
  struct stat st;
  setgid_dirs_ = ::fstat(root_.get(), &st) != 0 || (st.st_mode & S_ISGID) != 0;
}

absl::StatusOr<int> EntryWriter::Dir(const std::string& rel, const std::string& entry) {
  return LookupDir(rel, entry, /*create=*/true);
}

absl::StatusOr<int> EntryWriter::LookupDir(const std::string& rel, const std::string& entry,
                                           bool create) {
  if (rel.empty()) return root_.get();
  if (auto it = dirs_.find(rel); it != dirs_.end()) return it->second.get();
  UniqueFd fd = OpenBeneath(root_.get(), rel, O_RDONLY | O_DIRECTORY);
  if (!fd && errno == ENOENT && create) {
    auto [parent, base] = SplitParent(rel);
    UCR_ASSIGN_OR_RETURN(int parent_fd, LookupDir(std::string(parent), entry, create));
    std::string base_str(base);
    if (::mkdirat(parent_fd, base_str.c_str(), 0755) != 0 && errno != EEXIST) {
      return LastErrnoError(absl::StrCat("entry \"", entry, "\": mkdir \"", rel, "\""));
    }
    fd = OpenBeneath(parent_fd, base_str, O_RDONLY | O_DIRECTORY);
  }
  if (!fd) return LookupError(root_.get(), errno, entry, rel);
  int raw = fd.get();
  dirs_.emplace(rel, std::move(fd));
  return raw;
}

absl::Status EntryWriter::RemoveExisting(int dirfd, const std::string& base, const std::string& rel) {
  struct stat st;
  if (::fstatat(dirfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? absl::OkStatus() : LastErrnoError(absl::StrCat("stat \"", rel, "\""));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, base.c_str(), 0) != 0) return LastErrnoError(absl::StrCat("unlink \"", rel, "\""));
    return absl::OkStatus();
  }
  // A later entry replaces a whole directory (Docker's RemoveAll). The path
  // has no symlinks: it was just resolved with OpenBeneath.
  dirs_.clear();
  return RemoveTree(absl::StrCat(root_path_, "/", rel));
}

absl::Status EntryWriter::Apply(archive* a, archive_entry* e) {
  if (dirs_.size() > kMaxCachedDirs) dirs_.clear();
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) raw = archive_entry_pathname_utf8(e);
  if (raw == nullptr) return absl::InvalidArgumentError("tar entry without a name");
  UCR_ASSIGN_OR_RETURN(std::string name, NormalizeEntryName(raw, "entry"));
  auto [parent, base] = SplitParent(name);
  if (absl::StartsWith(base, kWhiteoutPrefix)) {
    return Whiteout(std::string(parent), std::string(base), name);
  }
  if (archive_entry_hardlink(e) != nullptr) return Hardlink(e, name);
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR: return Directory(e, name);
    case AE_IFREG: return Regular(a, e, name);
    case AE_IFLNK: return Symlink(e, name);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: return Special(e, name);
    default: return EntryError(name, absl::StrCat("unsupported entry type 0", archive_entry_filetype(e)));
  }
}

absl::Status EntryWriter::Whiteout(const std::string& parent, const std::string& base,
                                   const std::string& name) {
  UCR_ASSIGN_OR_RETURN(int dirfd, Dir(parent, name));
  if (base == kOpaqueMarker) {
    if (::fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return LastErrnoError(absl::StrCat("entry \"", name, "\": mark directory opaque"));
    }
    return absl::OkStatus();
  }
  std::string target = base.substr(kWhiteoutPrefix.size());
  // ".wh..wh.*" other than the opaque marker are AUFS bookkeeping: skipped.
  if (absl::StartsWith(target, kWhiteoutPrefix)) return absl::OkStatus();
  if (target.empty() || target == "." || target == "..") return EntryError(name, "invalid whiteout");
  std::string rel = Join(parent, target);
  for (int attempt = 0;; ++attempt) {
    if (::mknodat(dirfd, target.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0) return absl::OkStatus();
    if (errno != EEXIST || attempt > 0) {
      return LastErrnoError(absl::StrCat("entry \"", name, "\": create whiteout"));
    }
    UCR_RETURN_IF_ERROR(RemoveExisting(dirfd, target, rel));
    UCR_ASSIGN_OR_RETURN(dirfd, Dir(parent, name));  // RemoveExisting may drop the cache
  }
}

absl::Status EntryWriter::Directory(archive_entry* e, const std::string& name) {
  int fd;
  if (name.empty()) {
    fd = root_.get();
  } else {
    auto [parent, base] = SplitParent(name);
    std::string parent_str(parent), base_str(base);
    UCR_ASSIGN_OR_RETURN(int dirfd, Dir(parent_str, name));
    if (::mkdirat(dirfd, base_str.c_str(), 0700) != 0) {
      if (errno != EEXIST) return LastErrnoError(absl::StrCat("entry \"", name, "\": mkdir"));
      struct stat st;
      if (::fstatat(dirfd, base_str.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
        UCR_RETURN_IF_ERROR(RemoveExisting(dirfd, base_str, name));
        if (::mkdirat(dirfd, base_str.c_str(), 0700) != 0) {
          return LastErrnoError(absl::StrCat("entry \"", name, "\": mkdir"));
        }
      }
    }
    UCR_ASSIGN_OR_RETURN(fd, LookupDir(name, name, /*create=*/false));
  }
  UCR_RETURN_IF_ERROR(ApplyOwnerModeXattrs(fd, e, name));
  // Files created in a setgid directory take its group, not ours.
  if (archive_entry_perm(e) & S_ISGID) setgid_dirs_ = true;
  DirTimes t{name, {}};
  EntryTimes(e, t.times);
  dir_times_.push_back(std::move(t));
  return absl::OkStatus();
}

absl::Status EntryWriter::Regular(archive* a, archive_entry* e, const std::string& name) {
  auto [parent, base] = SplitParent(name);
  if (base.empty()) return EntryError(name, "a regular file cannot be the layer root");
  std::string parent_str(parent), base_str(base);
  UCR_ASSIGN_OR_RETURN(int dirfd, Dir(parent_str, name));
  // Most files are ours already once created (owner = us, mode through the
  // umask intact): then skip fchown+fchmod, two of ~six syscalls per file.
  mode_t perm = archive_entry_perm(e) & 07777;
  bool created_right = !setgid_dirs_ && static_cast<uid_t>(archive_entry_uid(e)) == uid_ &&
                       static_cast<gid_t>(archive_entry_gid(e)) == gid_ &&
                       (perm & (S_ISUID | S_ISGID | umask_)) == 0;
  mode_t create_mode = created_right ? perm : 0600;
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::openat(dirfd, base_str.c_str(), kFlags, create_mode));
  if (!fd && errno == EEXIST) {
    UCR_RETURN_IF_ERROR(RemoveExisting(dirfd, base_str, name));
    UCR_ASSIGN_OR_RETURN(dirfd, Dir(parent_str, name));
    fd.reset(::openat(dirfd, base_str.c_str(), kFlags, create_mode));
  }
  if (!fd) return LastErrnoError(absl::StrCat("entry \"", name, "\": create"));
  UCR_RETURN_IF_ERROR(WriteData(a, e, fd.get(), name));
  if (created_right) {
    UCR_RETURN_IF_ERROR(ApplyXattrs(fd.get(), e, name));
  } else {
    UCR_RETURN_IF_ERROR(ApplyOwnerModeXattrs(fd.get(), e, name));
  }
  struct timespec times[2];
  EntryTimes(e, times);
  if (::futimens(fd.get(), times) != 0) return LastErrnoError(absl::StrCat("entry \"", name, "\": utimes"));
  return absl::OkStatus();
}

absl::Status EntryWriter::WriteData(archive* a, archive_entry* e, int fd, const std::string& name) {
  int64_t end = 0;
  for (;;) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    int rc = archive_read_data_block(a, &buf, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return absl::DataLossError(absl::StrCat("entry \"", name, "\": read data: ", archive_error_string(a)));
    }
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {  // pwrite at the block's offset: sparse holes stay holes
      ssize_t n = ::pwrite(fd, p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return LastErrnoError(absl::StrCat("entry \"", name, "\": write"));
      }
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
    end = std::max<int64_t>(end, offset);
  }
  // A trailing hole (sparse file) is not written: extend to the entry's size.
  if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
      ::ftruncate(fd, archive_entry_size(e)) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": truncate"));
  }
  return absl::OkStatus();
}

absl::Status EntryWriter::Symlink(archive_entry* e, const std::string& name) {
  auto [parent, base] = SplitParent(name);
  if (base.empty()) return EntryError(name, "a symlink cannot be the layer root");
  const char* target = archive_entry_symlink(e);
  if (target == nullptr) target = archive_entry_symlink_utf8(e);
  if (target == nullptr) return EntryError(name, "symlink without a target");
  std::string parent_str(parent), base_str(base);
  // The target is stored verbatim: it is only ever resolved inside the
  // container's root, never by us.
  UCR_ASSIGN_OR_RETURN(int dirfd, CreateReplacing(parent_str, base_str, name, "symlink", [&](int fd) {
                         return ::symlinkat(target, fd, base_str.c_str());
                       }));
  return FinishNode(dirfd, base_str, e, name);
}

absl::Status EntryWriter::Special(archive_entry* e, const std::string& name) {
  auto [parent, base] = SplitParent(name);
  if (base.empty()) return EntryError(name, "a device or fifo cannot be the layer root");
  std::string parent_str(parent), base_str(base);
  mode_t mode = archive_entry_filetype(e) | (archive_entry_perm(e) & 07777);
  dev_t dev = archive_entry_filetype(e) == AE_IFIFO ? 0 : archive_entry_rdev(e);
  UCR_ASSIGN_OR_RETURN(int dirfd, CreateReplacing(parent_str, base_str, name, "mknod", [&](int fd) {
                         return ::mknodat(fd, base_str.c_str(), mode, dev);
                       }));
  return FinishNode(dirfd, base_str, e, name);
}

absl::StatusOr<int> EntryWriter::CreateReplacing(const std::string& parent, const std::string& base,
                                                 const std::string& name, const char* what,
                                                 absl::FunctionRef<int(int dirfd)> make) {
  UCR_ASSIGN_OR_RETURN(int dirfd, Dir(parent, name));
  if (make(dirfd) == 0) return dirfd;
  if (errno != EEXIST) return LastErrnoError(absl::StrCat("entry \"", name, "\": ", what));
  UCR_RETURN_IF_ERROR(RemoveExisting(dirfd, base, name));
  UCR_ASSIGN_OR_RETURN(dirfd, Dir(parent, name));  // RemoveExisting may drop the cache
  if (make(dirfd) != 0) return LastErrnoError(absl::StrCat("entry \"", name, "\": ", what));
  return dirfd;
}

absl::Status EntryWriter::FinishNode(int dirfd, const std::string& base, archive_entry* e,
                                     const std::string& name) {
  UCR_RETURN_IF_ERROR(ApplyOwnerModeXattrsAt(dirfd, base, e, name));
  struct timespec times[2];
  EntryTimes(e, times);
  if (::utimensat(dirfd, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return LastErrnoError(absl::StrCat("entry \"", name, "\": utimes"));
  }
  return absl::OkStatus();
}

// Hard links must name an earlier entry of this layer. Absolute targets are
// confined like names ("/etc/shadow" means <layer>/etc/shadow), ".." is
// refused, and a target that does not exist in the layer is refused.
absl::Status EntryWriter::Hardlink(archive_entry* e, const std::string& name) {
  auto [parent, base] = SplitParent(name);
  if (base.empty()) return EntryError(name, "a hard link cannot be the layer root");
  UCR_ASSIGN_OR_RETURN(std::string target,
                       NormalizeEntryName(archive_entry_hardlink(e), absl::StrCat("hardlink \"", name, "\" target")));
  if (target.empty()) return EntryError(name, "hard link to the layer root");
  auto [target_parent, target_base] = SplitParent(target);
  std::string parent_str(parent), base_str(base), target_base_str(target_base);
  absl::StatusOr<int> target_dir = LookupDir(std::string(target_parent), name, /*create=*/false);
  if (absl::IsNotFound(target_dir.status())) {
    return EntryError(name, absl::StrCat("hard link target \"", target, "\" is not in the layer"));
  }
  if (!target_dir.ok()) return target_dir.status();
  int target_dirfd = *target_dir;
  UCR_ASSIGN_OR_RETURN(int dirfd, Dir(parent_str, name));
  for (int attempt = 0;; ++attempt) {
    if (::linkat(target_dirfd, target_base_str.c_str(), dirfd, base_str.c_str(), 0) == 0) break;
    if (errno == ENOENT) return EntryError(name, absl::StrCat("hard link target \"", target, "\" is not in the layer"));
    if (errno != EEXIST || attempt > 0) {
      return LastErrnoError(absl::StrCat("entry \"", name, "\": link to \"", target, "\""));
    }
    if (target == name) return absl::OkStatus();  // a link to itself: nothing to do
    UCR_RETURN_IF_ERROR(RemoveExisting(dirfd, base_str, name));
    UCR_ASSIGN_OR_RETURN(target_dirfd, LookupDir(std::string(target_parent), name, false));
    UCR_ASSIGN_OR_RETURN(dirfd, Dir(parent_str, name));
  }
  return absl::OkStatus();
}

absl::Status EntryWriter::Finish() {
  dirs_.clear();
  for (const DirTimes& d : dir_times_) {
    UniqueFd fd = d.path.empty() ? UniqueFd(::dup(root_.get()))
                                 : OpenBeneath(root_.get(), d.path, O_RDONLY | O_DIRECTORY);
    if (!fd) continue;  // replaced or removed by a later entry
    if (::futimens(fd.get(), d.times) != 0) {
      return LastErrnoError(absl::StrCat("entry \"", d.path, "\": utimes"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ucr::image
