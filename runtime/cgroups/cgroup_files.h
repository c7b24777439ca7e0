// Reading and writing cgroup control files (internal to runtime/cgroups).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::runtime::cgroups::internal {

// Writes `value` to <dir>/<file> (O_WRONLY|O_TRUNC, never creating it: a missing file
// means the kernel lacks that feature). Errors name the file, the value and errno.
absl::Status WriteControl(const std::string& dir, absl::string_view file, absl::string_view value);
absl::StatusOr<std::string> ReadControl(const std::string& dir, absl::string_view file);
bool ControlExists(const std::string& dir, absl::string_view file);
// A file holding one number; "max" reads as UINT64_MAX.
absl::StatusOr<uint64_t> ReadControlUint(const std::string& dir, absl::string_view file);
// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
absl::StatusOr<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir,
                                                              absl::string_view file);
std::map<std::string, uint64_t> ParseFlatKeyed(absl::string_view text);
// Joins a mount point and a relative cgroup path ("/a/b").
std::string JoinPath(absl::string_view mount, absl::string_view relative);

}  // namespace ucr::runtime::cgroups::internal
