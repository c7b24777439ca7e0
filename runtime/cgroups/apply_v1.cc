// Resources on cgroup v1: one directory per controller hierarchy.
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "runtime/cgroups/apply.h"
#include "runtime/cgroups/cgroup_files.h"

namespace ucr::runtime::cgroups::internal {
namespace {

std::string LimitText(int64_t value) { return value == -1 ? "-1" : absl::StrCat(value); }

// The cgroup's directory in the hierarchy carrying `controller`, or "" (logged) if that
// controller is not mounted on this host: a missing controller never fails a container.
std::string DirFor(const Hierarchy& h, const std::string& path, absl::string_view controller) {
  std::string mount = h.MountFor(controller);
  if (mount.empty()) {
    log::Warn("cgroups: controller %s is not mounted; its limits for %s are skipped", controller,
              path);
    return "";
  }
  return JoinPath(mount, path);
}

absl::Status ApplyCpu(const std::string& dir, const Resources& r) {
  if (r.cpu_shares != 0) {
    UCR_RETURN_IF_ERROR(WriteControl(dir, "cpu.shares", absl::StrCat(r.cpu_shares)));
  }
  // A period shorter than the current one can be refused while the old quota still
  // applies (old quota / new period too large): then write it again after the quota.
  bool period_again = false;
  if (r.cpu_period != 0) {
    absl::Status s = WriteControl(dir, "cpu.cfs_period_us", absl::StrCat(r.cpu_period));
    if (absl::IsInvalidArgument(s) && r.cpu_quota != 0) {
      period_again = true;
    } else {
      UCR_RETURN_IF_ERROR(s);
    }
  }
  if (r.cpu_quota != 0) {
    UCR_RETURN_IF_ERROR(WriteControl(dir, "cpu.cfs_quota_us", LimitText(r.cpu_quota)));
  }
  if (period_again) {
    UCR_RETURN_IF_ERROR(WriteControl(dir, "cpu.cfs_period_us", absl::StrCat(r.cpu_period)));
  }
  return absl::OkStatus();
}

// memory.memsw.limit_in_bytes (memory + swap) must stay >= memory.limit_in_bytes, so the
// write order depends on whether the limits go up or down (runc's rule).
absl::Status ApplyMemory(const std::string& dir, const Resources& r) {
  int64_t memory = r.memory_limit_bytes;
  int64_t swap = 0;
  if (ControlExists(dir, "memory.memsw.limit_in_bytes")) {  // swap accounting may be off
    swap = r.memory_swap_limit_bytes;
    if (swap == 0 && memory != 0) swap = memory;  // no swap unless asked, as containerd
  }
  auto write_memory = [&] { return WriteControl(dir, "memory.limit_in_bytes", LimitText(memory)); };
  auto write_swap = [&] {
    return WriteControl(dir, "memory.memsw.limit_in_bytes", LimitText(swap));
  };
  if (memory != 0 && swap != 0) {
    UCR_ASSIGN_OR_RETURN(uint64_t current, ReadControlUint(dir, "memory.limit_in_bytes"));
    if (swap == -1 || current < static_cast<uint64_t>(swap)) {
      UCR_RETURN_IF_ERROR(write_swap());
      return write_memory();
    }
    UCR_RETURN_IF_ERROR(write_memory());
    return write_swap();
  }
  if (memory != 0) UCR_RETURN_IF_ERROR(write_memory());
  if (swap != 0) UCR_RETURN_IF_ERROR(write_swap());
  return absl::OkStatus();
}

absl::Status ApplyCpuset(const std::string& dir, const Resources& r) {
  if (!r.cpuset_cpus.empty()) UCR_RETURN_IF_ERROR(WriteControl(dir, "cpuset.cpus", r.cpuset_cpus));
  if (!r.cpuset_mems.empty()) UCR_RETURN_IF_ERROR(WriteControl(dir, "cpuset.mems", r.cpuset_mems));
  return absl::OkStatus();
}

absl::Status ApplyHugetlb(const std::string& dir, const Resources& r) {
  for (const auto& [size, limit] : r.hugepage_limits) {
    UCR_RETURN_IF_ERROR(
        WriteControl(dir, absl::StrCat("hugetlb.", size, ".limit_in_bytes"), absl::StrCat(limit)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyV1(const Hierarchy& h, const std::string& path, const Resources& r) {
  if (!r.unified.empty()) {
    return absl::InvalidArgumentError("unified cgroup settings need cgroup v2; this host is v1");
  }
  if (r.cpu_shares != 0 || r.cpu_period != 0 || r.cpu_quota != 0) {
    if (std::string dir = DirFor(h, path, "cpu"); !dir.empty()) {
      UCR_RETURN_IF_ERROR(ApplyCpu(dir, r));
    }
  }
  if (r.memory_limit_bytes != 0 || r.memory_swap_limit_bytes != 0) {
    if (std::string dir = DirFor(h, path, "memory"); !dir.empty()) {
      UCR_RETURN_IF_ERROR(ApplyMemory(dir, r));
    }
  }
  if (!r.cpuset_cpus.empty() || !r.cpuset_mems.empty()) {
    if (std::string dir = DirFor(h, path, "cpuset"); !dir.empty()) {
      UCR_RETURN_IF_ERROR(ApplyCpuset(dir, r));
    }
  }
  if (r.pids_limit != 0) {
    if (std::string dir = DirFor(h, path, "pids"); !dir.empty()) {
      UCR_RETURN_IF_ERROR(
          WriteControl(dir, "pids.max", r.pids_limit == -1 ? "max" : absl::StrCat(r.pids_limit)));
    }
  }
  if (!r.hugepage_limits.empty()) {
    if (std::string dir = DirFor(h, path, "hugetlb"); !dir.empty()) {
      UCR_RETURN_IF_ERROR(ApplyHugetlb(dir, r));
    }
  }
  return absl::OkStatus();
}

}  // namespace ucr::runtime::cgroups::internal
