// /proc/self/mountinfo, parsed once for everyone who needs to know what is
// mounted where (cgroup hierarchy detection, cleanup, the container's cgroup view).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr {

struct MountInfoEntry {
  std::string root;         // the path inside the filesystem that is mounted ("/" usually)
  std::string mount_point;  // where, in this mount namespace
  std::string fs_type;
  std::vector<std::string> super_options;  // after the " - type source " part
};

// Parses mountinfo text; lines that do not have the documented shape are skipped.
std::vector<MountInfoEntry> ParseMountInfo(absl::string_view text);

// The calling process's /proc/self/mountinfo, parsed.
absl::StatusOr<std::vector<MountInfoEntry>> ReadMountInfo();

}  // namespace ucr
