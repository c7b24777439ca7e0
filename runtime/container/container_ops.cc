// ExecSync, UpdateContainerResources, ReopenContainerLog, ContainerStats.
#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status.h"
#include "runtime/container/container_manager.h"

namespace ucr::runtime {
namespace {

// ExecSync's timeout 0 means "no timeout"; a day stands in for it.
constexpr std::chrono::hours kNoTimeout(24);

absl::Status NotRunning(const ContainerRecord& r) {
  return absl::FailedPreconditionError(absl::StrCat(
      "container ", r.id, " is not running (state ",
      r.state == ContainerState::kCreated ? "created" : "exited", ")"));
}

}  // namespace

absl::StatusOr<ExecResult> ContainerManager::ExecSync(const std::string& id_or_prefix,
                                                      const std::vector<std::string>& cmd,
                                                      std::chrono::milliseconds timeout) {
  if (cmd.empty()) return absl::InvalidArgumentError("exec: cmd is empty");
  UCR_ASSIGN_OR_RETURN(ContainerRecord r, Get(id_or_prefix));
  if (r.state != ContainerState::kRunning) return NotRunning(r);
  std::optional<pid_t> pid = launcher_->ContainerPid(paths_.ContainerStateDir(r.id));
  if (!pid.has_value()) return NotRunning(r);
  ExecSpec spec;
  spec.target_pid = *pid;
  spec.process.args = cmd;
  spec.process.env = r.env;
  spec.process.cwd = r.cwd;
  spec.process.uid = r.uid;
  spec.process.gid = r.gid;
  spec.process.additional_gids = r.additional_gids;
  spec.cgroup_dirs = cgroups::Cgroup::Open(sandboxes_->hierarchy(), r.cgroup_path).Dirs();
  if (timeout.count() <= 0) timeout = kNoTimeout;
  return launcher_->ExecSync(spec, timeout);
}

absl::Status ContainerManager::UpdateResources(const std::string& id_or_prefix,
                                               const cgroups::Resources& resources) {
  std::string id;
  std::shared_ptr<Entry> entry = Find(id_or_prefix, &id);
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("container \"", id_or_prefix, "\" not found"));
  absl::MutexLock op(&entry->op_mu);
  ContainerRecord record = Snapshot(*entry);
  Refresh(&record);
  if (record.state == ContainerState::kExited) return NotRunning(record);
  UCR_RETURN_IF_ERROR(cgroups::Cgroup::Open(sandboxes_->hierarchy(), record.cgroup_path).Apply(resources));
  // Remember what is in force: fields left 0 keep their earlier value.
  cgroups::Resources& kept = record.request.resources;
  if (resources.cpu_period != 0) kept.cpu_period = resources.cpu_period;
  if (resources.cpu_quota != 0) kept.cpu_quota = resources.cpu_quota;
  if (resources.cpu_shares != 0) kept.cpu_shares = resources.cpu_shares;
  if (resources.memory_limit_bytes != 0) kept.memory_limit_bytes = resources.memory_limit_bytes;
  if (resources.memory_swap_limit_bytes != 0) kept.memory_swap_limit_bytes = resources.memory_swap_limit_bytes;
  if (!resources.cpuset_cpus.empty()) kept.cpuset_cpus = resources.cpuset_cpus;
  if (!resources.cpuset_mems.empty()) kept.cpuset_mems = resources.cpuset_mems;
  if (!resources.hugepage_limits.empty()) kept.hugepage_limits = resources.hugepage_limits;
  for (const auto& [k, v] : resources.unified) kept.unified[k] = v;
  UCR_RETURN_IF_ERROR(Save(record));
  Publish(entry.get(), record);
  return absl::OkStatus();
}

absl::Status ContainerManager::ReopenLog(const std::string& id_or_prefix) {
  UCR_ASSIGN_OR_RETURN(ContainerRecord r, Get(id_or_prefix));
  if (r.state != ContainerState::kRunning) return NotRunning(r);
  return launcher_->ReopenLog(paths_.ContainerStateDir(r.id));
}

absl::StatusOr<ContainerStats> ContainerManager::Stats(const std::string& id_or_prefix) {
  ContainerStats out;
  UCR_ASSIGN_OR_RETURN(out.record, Get(id_or_prefix));
  absl::StatusOr<cgroups::Stats> stats =
      cgroups::Cgroup::Open(sandboxes_->hierarchy(), out.record.cgroup_path).ReadStats();
  if (stats.ok()) out.cgroup = *stats;
  out.writable_layer_dir = paths_.ContainerUpperDir(out.record.id);
  absl::StatusOr<cgroups::DiskUsage> usage = cgroups::MeasureDiskUsage(out.writable_layer_dir);
  if (usage.ok()) out.writable_layer = *usage;
  if (out.cgroup.timestamp_ns == 0) {
    out.cgroup.timestamp_ns = static_cast<uint64_t>(UnixNanosNow());
  }
  return out;
}

}  // namespace ucr::runtime
