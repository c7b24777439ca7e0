// File helpers. Every state file ucrd writes goes through WriteFileAtomic, so a
// crash leaves either the old or the new content, never a torn file.
#pragma once

#include "absl/strings/string_view.h"
#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ucr {

// Writes `data` to a temp file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the directory.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data, mode_t mode = 0644);

// The same without any fsync: readers (and a crashed ucrd) still see the old
// or the new content, but a power loss may lose the write. For files that do
// not outlive a reboot (under state_dir, a tmpfs) or whose loss is harmless.
// The temp file is `.<name>.tmp-<hex>` in the same directory.
absl::Status WriteFileReplace(const std::string& path, absl::string_view data, mode_t mode = 0644);

absl::StatusOr<std::string> ReadFile(const std::string& path);

// write(2) until all of `data` is written (retrying EINTR and short writes);
// errors name `path`.
absl::Status WriteAll(int fd, absl::string_view data, const std::string& path);

// mkdir -p with `mode` for the directories it creates.
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

// rm -rf that stays on one filesystem: it refuses to descend into mount points
// so that a forgotten bind mount never takes host files with it.
absl::Status RemoveTree(const std::string& path);

// Creates `path` if needed and checks that it is a directory we can write to.
absl::Status EnsureUsableDir(const std::string& path, mode_t mode = 0711);

absl::Status FsyncDir(const std::string& dir);

}  // namespace ucr
