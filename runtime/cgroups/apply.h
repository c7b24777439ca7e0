// Resources -> control files, per cgroup version (internal to runtime/cgroups).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups::internal {

// Rejects values no kernel accepts before anything is written (so a bad request changes
// nothing): negative limits other than -1, malformed cpusets, page sizes, unified keys.
absl::Status ValidateResources(const Resources& r);
absl::Status ApplyV1(const Hierarchy& h, const std::string& path, const Resources& r);
absl::Status ApplyV2(const std::string& dir, const Resources& r);
// "2MB" as CRI and the kernel's hugetlb file names spell it.
bool IsHugepageSize(absl::string_view size);

}  // namespace ucr::runtime::cgroups::internal
