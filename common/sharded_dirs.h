// Directories with one subdirectory per object (<root_dir>/containers/,
// sandboxes/) are sharded by the id's first hex digit (containers/a/a1b2.../)
// and carry ext4's "top of a hierarchy" flag (chattr +T), so the Orlov
// allocator spreads the 16 shards over the disk's block groups.
//
// Why: a container create makes ~9 inodes in its dir (upper/, work/, what
// overlayfs makes in work/ at every mount, the record), a pod 3, and their
// removal frees them all. ext4 without a journal (this project's VMs) skips
// inodes freed in the last minutes when it allocates, walking its group's
// bitmap from the start: with every object in one group, each allocation
// walked past every recent removal, 100-500 us each under a steady
// create/remove load (~1 ms per create). Spread over 16 groups, each sees a
// sixteenth of the churn. Elsewhere (a journal, xfs) it costs nothing.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ucr {

// <top>/<first hex digit of id>/<id>
inline std::string ShardedPath(absl::string_view top, absl::string_view id) {
  return absl::StrCat(top, "/", id.substr(0, 1), "/", id);
}

// Makes `top` (flagged +T where the filesystem knows the flag) and its 16
// shards, and moves entries of the flat layout of earlier versions
// (<top>/<id>/) into their shard; other names are logged and left alone.
// Idempotent; at start-up. One way: an older ucrd does not read shards.
absl::Status PrepareShardedDir(const std::string& top);

// The ids that have a directory under `top`'s shards. An unreadable shard is
// an error (its objects would go unnoticed), a missing one is empty.
absl::StatusOr<std::vector<std::string>> ListShardedDir(const std::string& top);

}  // namespace ucr
