// StartContainer, StopContainer, RemoveContainer.
#include <signal.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "common/phase_timer.h"
#include "common/scoped_mount.h"
#include "common/status.h"
#include "runtime/container/container_manager.h"
#include "runtime/container/overlay_rootfs.h"

namespace ucr::runtime {
namespace {

const char* StateName(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated: return "created";
    case ContainerState::kRunning: return "running";
    case ContainerState::kExited: return "exited";
    default: return "unknown";
  }
}

// After SIGKILL the monitor reaps within milliseconds; this bounds a stuck one.
constexpr std::chrono::seconds kKillGrace(5);

}  // namespace

absl::Status ContainerManager::Start(const std::string& id_or_prefix) {
  std::string id;
  std::shared_ptr<Entry> entry = Find(id_or_prefix, &id);
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("container \"", id_or_prefix, "\" not found"));
  absl::MutexLock op(&entry->op_mu);
  ContainerRecord record = Snapshot(*entry);
  if (Refresh(&record)) {
    (void)Save(record);
    Publish(entry.get(), record);
  }
  if (record.state != ContainerState::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", id, " is ", StateName(record.state), ", not created: it cannot be started"));
  }
  // Stamped before the release: a command that exits at once is reaped (and
  // its finished_at taken by the monitor) before Start would return.
  const int64_t started_at = UnixNanosNow();
  UCR_RETURN_IF_ERROR(Annotate(launcher_->Start(paths_.ContainerStateDir(id)), absl::StrCat("start container ", id)));
  record.state = ContainerState::kRunning;
  record.started_at = started_at;
  UCR_RETURN_IF_ERROR(Save(record));
  Publish(entry.get(), record);
  return absl::OkStatus();
}

absl::Status ContainerManager::StopLocked(ContainerRecord* record, std::chrono::seconds timeout) {
  const std::string dir = paths_.ContainerStateDir(record->id);
  if (Refresh(record)) return absl::OkStatus();
  if (record->state == ContainerState::kExited) return absl::OkStatus();
  if (record->state == ContainerState::kCreated) {
    // Never started: nothing of the user's ran; kill the waiting process.
    UCR_RETURN_IF_ERROR(launcher_->Destroy(dir));
    record->state = ContainerState::kExited;
    record->finished_at = UnixNanosNow();
    record->exit_code = 137;
    record->reason = "Error";
    record->message = "stopped before it was started";
    return absl::OkStatus();
  }
  if (timeout.count() > 0) {
    UCR_RETURN_IF_ERROR(launcher_->Signal(dir, record->stop_signal));
    absl::StatusOr<std::optional<ExitStatus>> exited = launcher_->WaitExit(dir, timeout);
    if (exited.ok() && exited->has_value()) {
      Refresh(record);
      return absl::OkStatus();
    }
  }
  // Grace is over: SIGKILL everything in the container's cgroup.
  cgroups::Cgroup cgroup = cgroups::Cgroup::Open(sandboxes_->hierarchy(), record->cgroup_path);
  (void)launcher_->Signal(dir, SIGKILL);
  if (absl::Status st = cgroup.KillAll(SIGKILL, std::chrono::milliseconds(2000)); !st.ok()) {
    log::Warn("stop %s: kill cgroup %s: %s", record->id, record->cgroup_path, st.message());
  }
  absl::StatusOr<std::optional<ExitStatus>> exited = launcher_->WaitExit(dir, kKillGrace);
  Refresh(record);
  if (record->state != ContainerState::kExited) {
    return absl::DeadlineExceededError(absl::StrCat("container ", record->id, " did not exit within ",
                                                    kKillGrace.count(), "s of SIGKILL"));
  }
  return absl::OkStatus();
}

absl::Status ContainerManager::Stop(const std::string& id_or_prefix, std::chrono::seconds timeout) {
  std::string id;
  std::shared_ptr<Entry> entry = Find(id_or_prefix, &id);
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("container \"", id_or_prefix, "\" not found"));
  absl::MutexLock op(&entry->op_mu);
  ContainerRecord record = Snapshot(*entry);
  absl::Status stopped = StopLocked(&record, timeout);
  UCR_RETURN_IF_ERROR(Save(record));
  Publish(entry.get(), record);
  return stopped;
}

absl::Status ContainerManager::Remove(const std::string& id_or_prefix) {
  std::string id;
  std::shared_ptr<Entry> entry = Find(id_or_prefix, &id);
  if (entry == nullptr) return absl::OkStatus();  // already gone: idempotent
  absl::MutexLock op(&entry->op_mu);
  ContainerRecord record = Snapshot(*entry);
  PhaseTimer phases;
  if (absl::Status st = StopLocked(&record, std::chrono::seconds(0)); !st.ok()) {
    log::Warn("remove %s: stop: %s", id, st.message());
  }
  phases.Mark("stop");
  const std::string dir = paths_.ContainerStateDir(id);
  UCR_RETURN_IF_ERROR(launcher_->Destroy(dir));
  phases.Mark("processes");
  UCR_RETURN_IF_ERROR(UnmountRootfs(paths_.ContainerRootfs(id)));
  phases.Mark("rootfs");
  if (absl::Status st = cgroups::Cgroup::Open(sandboxes_->hierarchy(), record.cgroup_path).Destroy(); !st.ok()) {
    log::Warn("remove %s: cgroup %s: %s", id, record.cgroup_path, st.message());
  }
  phases.Mark("cgroup");
  // Nothing is mounted there but the rootfs, gone now.
  UCR_RETURN_IF_ERROR(RemoveTreeAndMounts(dir));
  phases.Mark("state_dir");
  UCR_RETURN_IF_ERROR(RemoveTree(paths_.ContainerDir(id)));
  phases.Mark("container_dir");
  log::Debug("remove %s: %s us", id, phases.summary());
  absl::MutexLock lock(&mu_);
  containers_.erase(id);
  return absl::OkStatus();
}

}  // namespace ucr::runtime
