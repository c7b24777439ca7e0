// Relative cgroup paths: validation and the pod/container layout described in cgroups.h.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {

absl::Status ValidateCgroupPath(absl::string_view path) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("cgroup path \"", path, "\" must be absolute (start with '/')"));
  }
  if (path == "/") return absl::InvalidArgumentError("cgroup path must not be the root");
  for (absl::string_view part : absl::StrSplit(path.substr(1), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup path \"", path, "\" has an empty, '.' or '..' component"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PodCgroupPath(absl::string_view cgroup_parent,
                                          absl::string_view sandbox_id) {
  if (cgroup_parent.empty()) return absl::StrCat("/ucr/", sandbox_id);
  // kubelet's cgroupfs names end without a slash, but tolerate one.
  while (cgroup_parent.size() > 1 && cgroup_parent.back() == '/') cgroup_parent.remove_suffix(1);
  if (absl::Status s = ValidateCgroupPath(cgroup_parent); !s.ok()) return s;
  return std::string(cgroup_parent);
}

std::string ChildCgroupPath(absl::string_view pod_path, absl::string_view id) {
  return absl::StrCat(pod_path, "/", id);
}

uint64_t CpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

}  // namespace ucr::runtime::cgroups
