// Bytes and inodes that directory trees really use on disk (st_blocks, each
// hard-linked inode counted once), for ImageFsInfo.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ucr::image {

struct DiskUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

// Missing roots count as empty; the walk stays on each root's filesystem.
absl::StatusOr<DiskUsage> MeasureTrees(const std::vector<std::string>& roots);

}  // namespace ucr::image
