// Cgroup::Apply and the checks shared by both versions.
#include "runtime/cgroups/apply.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"

namespace ucr::runtime::cgroups {
namespace internal {
namespace {

absl::Status CheckLimit(absl::string_view name, int64_t value) {
  if (value < -1) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be >= -1, got ", value));
  }
  return absl::OkStatus();
}

// "0-3,5,7-8": digits, commas and dashes only.
bool IsCpuList(absl::string_view list) {
  for (char c : list) {
    if (!absl::ascii_isdigit(c) && c != ',' && c != '-') return false;
  }
  return true;
}

// unified keys are file names in the cgroup dir: "memory.high", never a path.
absl::Status CheckUnifiedKey(absl::string_view key) {
  if (key.empty() || absl::StrContains(key, '/') || key == "." || key == ".." ||
      !absl::StrContains(key, '.')) {
    return absl::InvalidArgumentError(absl::StrCat("invalid unified cgroup key \"", key, "\""));
  }
  if (absl::StartsWith(key, "cgroup.")) {  // procs, subtree_control, kill: not resources
    return absl::InvalidArgumentError(absl::StrCat("unified key \"", key, "\" is not allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsHugepageSize(absl::string_view size) {
  size_t digits = 0;
  while (digits < size.size() && absl::ascii_isdigit(size[digits])) ++digits;
  absl::string_view unit = size.substr(digits);
  return digits > 0 && (unit == "KB" || unit == "MB" || unit == "GB");
}

absl::Status ValidateResources(const Resources& r) {
  if (r.cpu_period < 0) return absl::InvalidArgumentError("cpu_period must be >= 0");
  if (r.cpu_shares < 0) return absl::InvalidArgumentError("cpu_shares must be >= 0");
  UCR_RETURN_IF_ERROR(CheckLimit("cpu_quota", r.cpu_quota));
  UCR_RETURN_IF_ERROR(CheckLimit("memory_limit_in_bytes", r.memory_limit_bytes));
  UCR_RETURN_IF_ERROR(CheckLimit("memory_swap_limit_in_bytes", r.memory_swap_limit_bytes));
  UCR_RETURN_IF_ERROR(CheckLimit("pids_limit", r.pids_limit));
  if (r.memory_swap_limit_bytes > 0 && r.memory_limit_bytes > 0 &&
      r.memory_swap_limit_bytes < r.memory_limit_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("memory_swap_limit_in_bytes (", r.memory_swap_limit_bytes,
                     ") must not be below memory_limit_in_bytes (", r.memory_limit_bytes, ")"));
  }
  if (!IsCpuList(r.cpuset_cpus) || !IsCpuList(r.cpuset_mems)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid cpuset \"", r.cpuset_cpus, "\"/\"", r.cpuset_mems, "\""));
  }
  for (const auto& [size, limit] : r.hugepage_limits) {
    if (!IsHugepageSize(size)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid hugepage size \"", size, "\""));
    }
  }
  for (const auto& [key, value] : r.unified) UCR_RETURN_IF_ERROR(CheckUnifiedKey(key));
  return absl::OkStatus();
}

}  // namespace internal

absl::Status Cgroup::Apply(const Resources& resources) const {
  UCR_RETURN_IF_ERROR(internal::ValidateResources(resources));
  absl::Status s = hierarchy_.version() == Version::kV1
                       ? internal::ApplyV1(hierarchy_, path_, resources)
                       : internal::ApplyV2(Dirs().front(), resources);
  return Annotate(s, absl::StrCat("apply resources to cgroup ", path_));
}

}  // namespace ucr::runtime::cgroups
