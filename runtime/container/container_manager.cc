// ContainerManager: lookups, listing, exit-status reconciliation, recovery.
#include "runtime/container/container_manager.h"

#include <signal.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/json_state.h"
#include "common/log.h"
#include "common/sharded_dirs.h"
#include "common/status.h"
#include "runtime/state/lookup.h"

namespace ucr::runtime {
ContainerManager::ContainerManager(const Paths& paths, SandboxManager* sandboxes,
                                   image::ImageProvider* images, Launcher* launcher)
    : paths_(paths),
      sandboxes_(sandboxes),
      images_(images),
      launcher_(launcher),
      mountpoints_(paths.MountpointLayerDir()) {}

// Atomic but not fsynced: a container record describes processes that a power
// loss kills anyway (recovery then finds the monitor gone and reports the
// container exited), and two fsyncs per create/start/stop cost 1-7 ms here.
absl::Status ContainerManager::Save(const ContainerRecord& record) const {
  // Written at create, start, stop and on every change: kRewrite reuses the
  // record's inodes (calls on one container are serialized by its op_mu).
  return SaveJson(paths_.ContainerRecordPath(record.id), record, Durability::kRewrite);
}

std::shared_ptr<ContainerManager::Entry> ContainerManager::Find(const std::string& id_or_prefix,
                                                                std::string* id) const {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::string> found = runtime::ResolveId(containers_, id_or_prefix, "container");
  if (!found.ok()) return nullptr;
  if (id != nullptr) *id = *found;
  return containers_.at(*found);
}

ContainerRecord ContainerManager::Snapshot(const Entry& entry) const {
  absl::MutexLock lock(&mu_);
  return entry.record;
}

void ContainerManager::Publish(Entry* entry, const ContainerRecord& record) {
  absl::MutexLock lock(&mu_);
  entry->record = record;
}

bool ContainerManager::Refresh(ContainerRecord* r) {
  if (r->state == ContainerState::kExited) return false;
  const std::string dir = paths_.ContainerStateDir(r->id);
  absl::StatusOr<std::optional<ExitStatus>> exit = launcher_->ReadExit(dir);
  if (exit.ok() && !exit->has_value() && launcher_->MonitorAlive(dir)) return false;
  if (exit.ok() && !exit->has_value()) exit = launcher_->ReadExit(dir);  // it may just have written it
  cgroups::Cgroup cgroup = cgroups::Cgroup::Open(sandboxes_->hierarchy(), r->cgroup_path);
  r->state = ContainerState::kExited;
  if (exit.ok() && exit->has_value()) {
    const ExitStatus& status = **exit;
    r->exit_code = status.exit_code;
    r->finished_at = status.finished_at_ns != 0 ? status.finished_at_ns : UnixNanosNow();
    absl::StatusOr<uint64_t> ooms = cgroup.OomKillCount();
    bool oom = status.oom_killed || (ooms.ok() && *ooms > 0);
    r->reason = oom ? "OOMKilled" : status.exit_code == 0 ? "Completed" : "Error";
    r->message = oom ? "the container exceeded its memory limit and was killed" : "";
    return true;
  }
  // The monitor is gone without an exit status (killed, or the machine
  // rebooted): whatever is left of the container must not run unmanaged.
  (void)cgroup.KillAll(SIGKILL, std::chrono::milliseconds(2000));
  r->exit_code = 255;
  r->finished_at = UnixNanosNow();
  r->reason = "MonitorDied";
  r->message = exit.ok() ? "the container's monitor died without recording an exit status"
                         : absl::StrCat("monitor died: ", exit.status().message());
  log::Warn("container %s: %s", r->id, r->message);
  return true;
}

absl::StatusOr<ContainerRecord> ContainerManager::Get(const std::string& id_or_prefix) {
  std::shared_ptr<Entry> entry;
  {
    absl::MutexLock lock(&mu_);
    UCR_ASSIGN_OR_RETURN(std::string id, runtime::ResolveId(containers_, id_or_prefix, "container"));
    entry = containers_.at(id);
  }
  ContainerRecord record = Snapshot(*entry);
  if (record.state == ContainerState::kExited) return record;
  // Save what changed only when no other operation holds the container.
  if (entry->op_mu.TryLock()) {
    record = Snapshot(*entry);
    if (Refresh(&record)) {
      (void)Save(record);
      Publish(entry.get(), record);
    }
    entry->op_mu.Unlock();
  } else {
    Refresh(&record);
  }
  return record;
}

std::vector<ContainerRecord> ContainerManager::List(const ContainerFilter& filter) {
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : containers_) {
      if (!absl::StartsWith(id, filter.id_prefix)) continue;
      if (!absl::StartsWith(entry->record.sandbox_id, filter.sandbox_id_prefix)) continue;
      if (!MatchesLabels(entry->record.request.labels, filter.label_selector)) continue;
      ids.push_back(id);
    }
  }
  std::vector<ContainerRecord> out;
  for (const std::string& id : ids) {
    absl::StatusOr<ContainerRecord> record = Get(id);
    if (!record.ok()) continue;  // removed meanwhile
    if (filter.has_state && record->state != filter.state) continue;
    out.push_back(std::move(*record));
  }
  return out;
}

std::vector<std::string> ContainerManager::IdsInSandbox(const std::string& sandbox_id) {
  std::vector<std::string> ids;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : containers_) {
    if (entry->record.sandbox_id == sandbox_id) ids.push_back(id);
  }
  return ids;
}

bool ContainerManager::ImageInUse(const std::string& image_id) {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : containers_) {
    if (entry->record.image_id == image_id) return true;
  }
  return false;
}

std::string ContainerManager::ExistingWithName(const std::string& sandbox_id, const std::string& name,
                                               uint32_t attempt) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : containers_) {
    const ContainerRecord& r = entry->record;
    if (r.sandbox_id == sandbox_id && r.request.name == name && r.request.attempt == attempt) return id;
  }
  return "";
}

absl::Status ContainerManager::Recover() {
  // Without it containers make their mount points themselves, as before.
  if (absl::Status layer = mountpoints_.Ensure(); !layer.ok())
    log::Warn("mount point layer %s: %s (containers make their own)", mountpoints_.dir(), layer.ToString());
  UCR_RETURN_IF_ERROR(PrepareShardedDir(paths_.ContainersDir()));
  int loaded = 0, running = 0, exited_while_down = 0;
  UCR_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListShardedDir(paths_.ContainersDir()));
  for (const std::string& id : ids) {
    absl::StatusOr<nlohmann::json> json = LoadJson(paths_.ContainerRecordPath(id));
    if (!json.ok()) {
      log::Warn("recover: skipping container %s: %s", id, json.status().message());
      continue;
    }
    auto entry = std::make_shared<Entry>();
    try {
      entry->record = json->get<ContainerRecord>();
    } catch (const nlohmann::json::exception& e) {
      log::Warn("recover: skipping container %s: bad record: %s", id, e.what());
      continue;
    }
    if (entry->record.id != id) continue;
    if (Refresh(&entry->record)) {
      ++exited_while_down;
      (void)Save(entry->record);
    }
    if (entry->record.state == ContainerState::kRunning) ++running;
    absl::MutexLock lock(&mu_);
    containers_[id] = std::move(entry);
    ++loaded;
  }
  log::Info("recovered %d containers: %d running, %d exited while ucrd was down", loaded, running,
            exited_while_down);
  return absl::OkStatus();
}

}  // namespace ucr::runtime
