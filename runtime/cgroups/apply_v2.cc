// Resources on cgroup v2: one directory, with v2's own file names and units.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "runtime/cgroups/apply.h"
#include "runtime/cgroups/cgroup_files.h"

namespace ucr::runtime::cgroups::internal {
namespace {

std::string MaxText(int64_t value) { return value == -1 ? "max" : absl::StrCat(value); }

// cpu.max is "<quota|max> <period>". A period alone keeps the current quota.
absl::Status ApplyCpuMax(const std::string& dir, const Resources& r) {
  std::string quota;
  if (r.cpu_quota != 0) {
    quota = r.cpu_quota > 0 ? absl::StrCat(r.cpu_quota) : "max";
  } else {
    UCR_ASSIGN_OR_RETURN(std::string current, ReadControl(dir, "cpu.max"));
    std::vector<std::string> parts =
        absl::StrSplit(current, absl::ByAnyChar(" \n"), absl::SkipEmpty());
    quota = parts.empty() ? "max" : parts[0];
  }
  std::string value = r.cpu_period != 0 ? absl::StrCat(quota, " ", r.cpu_period) : quota;
  return WriteControl(dir, "cpu.max", value);
}

// v2's memory.swap.max is swap alone, CRI's value is memory + swap (runc's conversion).
absl::StatusOr<std::string> SwapMax(const Resources& r) {
  int64_t memory = r.memory_limit_bytes, swap = r.memory_swap_limit_bytes;
  if (swap == -1 || (swap == 0 && memory == -1)) return std::string("max");
  if (swap == 0) return std::string("0");  // no swap unless asked, as containerd
  if (memory <= 0) {
    return absl::InvalidArgumentError("memory_swap_limit_in_bytes needs memory_limit_in_bytes");
  }
  return absl::StrCat(swap - memory);
}

absl::Status ApplyMemory(const std::string& dir, const Resources& r) {
  if (r.memory_limit_bytes != 0) {
    UCR_RETURN_IF_ERROR(WriteControl(dir, "memory.max", MaxText(r.memory_limit_bytes)));
  }
  if (ControlExists(dir, "memory.swap.max")) {  // absent without swap accounting
    UCR_ASSIGN_OR_RETURN(std::string swap, SwapMax(r));
    UCR_RETURN_IF_ERROR(WriteControl(dir, "memory.swap.max", swap));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyV2(const std::string& dir, const Resources& r) {
  if (r.cpu_shares != 0) {
    UCR_RETURN_IF_ERROR(
        WriteControl(dir, "cpu.weight", absl::StrCat(CpuSharesToWeight(r.cpu_shares))));
  }
  if (r.cpu_quota != 0 || r.cpu_period != 0) UCR_RETURN_IF_ERROR(ApplyCpuMax(dir, r));
  if (r.memory_limit_bytes != 0 || r.memory_swap_limit_bytes != 0) {
    UCR_RETURN_IF_ERROR(ApplyMemory(dir, r));
  }
  if (!r.cpuset_cpus.empty()) UCR_RETURN_IF_ERROR(WriteControl(dir, "cpuset.cpus", r.cpuset_cpus));
  if (!r.cpuset_mems.empty()) UCR_RETURN_IF_ERROR(WriteControl(dir, "cpuset.mems", r.cpuset_mems));
  if (r.pids_limit != 0) UCR_RETURN_IF_ERROR(WriteControl(dir, "pids.max", MaxText(r.pids_limit)));
  for (const auto& [size, limit] : r.hugepage_limits) {
    std::string file = absl::StrCat("hugetlb.", size, ".max");
    if (!ControlExists(dir, file)) continue;  // hugetlb not enabled, or size not on this host
    UCR_RETURN_IF_ERROR(WriteControl(dir, file, absl::StrCat(limit)));
  }
  // Written last so that an explicit unified value wins over the fields above.
  for (const auto& [key, value] : r.unified) UCR_RETURN_IF_ERROR(WriteControl(dir, key, value));
  return absl::OkStatus();
}

}  // namespace ucr::runtime::cgroups::internal
