// Creates tar entries beneath a layer directory, safely: every lookup goes
// through OpenBeneath (no symlinks, no escaping), the final component is
// created with O_EXCL/O_NOFOLLOW-style calls, and names are normalized first.
// OCI whiteouts become overlayfs whiteouts (`.wh.x` -> char device 0/0 `x`;
// `.wh..wh..opq` -> xattr trusted.overlay.opaque=y on the directory).
#pragma once

#include <sys/types.h>
#include <time.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

struct archive;
struct archive_entry;

namespace ucr::image {

class EntryWriter {
 public:
  // `root` is an open directory fd of `root_path` (both kept).
  EntryWriter(UniqueFd root, std::string root_path);

  // Creates the entry `e`; for a regular file also reads its data from `a`.
  absl::Status Apply(archive* a, archive_entry* e);
  // Sets directory times last (creating children changed them).
  absl::Status Finish();

 private:
  struct DirTimes {
    std::string path;
    struct timespec times[2];
  };

  // An fd of directory `rel` (cached), creating missing components 0755.
  absl::StatusOr<int> Dir(const std::string& rel, const std::string& entry);
  absl::StatusOr<int> LookupDir(const std::string& rel, const std::string& entry, bool create);
  // Removes whatever is at `rel` (`base` in `dirfd`) so an entry can replace it.
  absl::Status RemoveExisting(int dirfd, const std::string& base, const std::string& rel);
  // Creates `name` (`base` in directory `parent`) with `make(dirfd)`, a syscall
  // returning 0 or -1/errno; on EEXIST what is there is removed (a later entry
  // replaces an earlier one) and `make` runs once more. Returns the parent's fd.
  absl::StatusOr<int> CreateReplacing(const std::string& parent, const std::string& base,
                                      const std::string& name, const char* what,
                                      absl::FunctionRef<int(int dirfd)> make);
  // Owner, mode, xattrs and times of a non-directory entry just created.
  absl::Status FinishNode(int dirfd, const std::string& base, archive_entry* e, const std::string& name);

  absl::Status Whiteout(const std::string& parent, const std::string& base, const std::string& name);
  absl::Status Directory(archive_entry* e, const std::string& name);
  absl::Status Regular(archive* a, archive_entry* e, const std::string& name);
  absl::Status WriteData(archive* a, archive_entry* e, int fd, const std::string& name);
  absl::Status Symlink(archive_entry* e, const std::string& name);
  absl::Status Special(archive_entry* e, const std::string& name);
  absl::Status Hardlink(archive_entry* e, const std::string& name);

  UniqueFd root_;
  std::string root_path_;
  uid_t uid_;            // who creates the files
  gid_t gid_;
  mode_t umask_;
  bool setgid_dirs_;      // a setgid dir exists: new files may not get gid_
  std::unordered_map<std::string, UniqueFd> dirs_;  // rel path -> open dir
  std::vector<DirTimes> dir_times_;
};

}  // namespace ucr::image
