// File helpers. Every state file ucrd writes goes through WriteFileAtomic, so a
// crash leaves either the old or the new content, never a torn file.
#pragma once

#include "absl/strings/string_view.h"
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ucr {

// kDurable: the file and its directory are fsynced, so the new content
// survives a power loss. kAtomic: rename only, for records of live processes
// (a power loss kills them anyway) on hot paths, where two fsyncs cost
// milliseconds; a crash of ucrd alone loses nothing either way.
// kRewrite: as kAtomic, for a file that one writer at a time rewrites often
// (a container's record): the new content goes into ".<name>.prev", which
// then trades places with <name> (renameat2 RENAME_EXCHANGE) and so keeps the
// previous version for the next write to reuse. No inode is allocated or freed
// per write, which on ext4 is the expensive part of a small write (more so
// after mass deletions). A reader still reading a version two writes old may
// see it truncated. Callers must serialize writes to one path.
enum class Durability { kDurable, kAtomic, kRewrite };

// Writes `data` to a temp file beside `path` and renames it over `path`
// (fsyncing the file and the directory when kDurable).
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data, mode_t mode = 0644,
                             Durability durability = Durability::kDurable);

absl::StatusOr<std::string> ReadFile(const std::string& path);

// read(2) until EOF (retrying EINTR); errors name `what`.
absl::StatusOr<std::string> ReadToEnd(int fd, const std::string& what);

// write(2) until all of `data` is written (retrying EINTR and short writes);
// errors name `path`.
absl::Status WriteAll(int fd, absl::string_view data, const std::string& path);

// The names in `dir` other than "." and "..", in readdir order.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir);

// True when `path` is `dir` or lies below it, by name ("/a/bc" is not under "/a/b").
bool PathIsAtOrUnder(absl::string_view path, absl::string_view dir);

// mkdir -p with `mode` for the directories it creates.
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

// rm -rf that stays on one filesystem: it refuses to descend into mount points
// so that a forgotten bind mount never takes host files with it.
absl::Status RemoveTree(const std::string& path);

// Creates `path` if needed and checks that it is a directory we can write to.
absl::Status EnsureUsableDir(const std::string& path, mode_t mode = 0711);

absl::Status FsyncDir(const std::string& dir);

}  // namespace ucr
