// Containers: rootfs, process spec, cgroup, launch through runtime/launch, and
// the lifecycle the CRI sees (CREATED → RUNNING → EXITED). Records live on
// disk; the exit status comes from the container's monitor, so containers keep
// running and stay manageable across ucrd restarts.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/paths.h"
#include "image/image_provider.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/container/mountpoint_layer.h"
#include "runtime/launch/launcher.h"
#include "runtime/sandbox/sandbox_manager.h"
#include "runtime/state/container_record.h"
#include "runtime/state/name_locks.h"

namespace ucr::runtime {

struct ContainerFilter {
  std::string id_prefix;
  std::string sandbox_id_prefix;
  bool has_state = false;
  ContainerState state = ContainerState::kRunning;
  std::map<std::string, std::string> label_selector;
};

struct ContainerStats {
  ContainerRecord record;
  cgroups::Stats cgroup;
  cgroups::DiskUsage writable_layer;
  std::string writable_layer_dir;
};

class ContainerManager {
 public:
  ContainerManager(const Paths& paths, SandboxManager* sandboxes, image::ImageProvider* images,
                   Launcher* launcher);

  // Reads every container.json and reconciles with the monitors: exits that
  // happened while ucrd was down are picked up with their real exit codes; a
  // container whose monitor vanished is EXITED (255, reason MonitorDied).
  absl::Status Recover();

  absl::StatusOr<std::string> Create(const std::string& sandbox_id, const ContainerRequest& request,
                                     const std::string& fingerprint);
  absl::Status Start(const std::string& id_or_prefix);
  // Stop signal, wait `timeout`, then SIGKILL of the whole cgroup. OK when
  // the container already exited; NOT_FOUND for an unknown id.
  absl::Status Stop(const std::string& id_or_prefix, std::chrono::seconds timeout);
  // Stops it first if running. OK for an unknown id (idempotent).
  absl::Status Remove(const std::string& id_or_prefix);

  absl::StatusOr<ContainerRecord> Get(const std::string& id_or_prefix);
  std::vector<ContainerRecord> List(const ContainerFilter& filter);
  std::vector<std::string> IdsInSandbox(const std::string& sandbox_id);
  bool ImageInUse(const std::string& image_id);

  absl::StatusOr<ExecResult> ExecSync(const std::string& id_or_prefix,
                                      const std::vector<std::string>& cmd,
                                      std::chrono::milliseconds timeout);
  absl::Status UpdateResources(const std::string& id_or_prefix, const cgroups::Resources& resources);
  absl::Status ReopenLog(const std::string& id_or_prefix);
  absl::StatusOr<ContainerStats> Stats(const std::string& id_or_prefix);

 private:
  struct Entry {
    absl::Mutex op_mu;  // serializes Start/Stop/Remove/... of one container
    ContainerRecord record;
  };

  std::shared_ptr<Entry> Find(const std::string& id_or_prefix, std::string* id) const;
  ContainerRecord Snapshot(const Entry& entry) const;
  void Publish(Entry* entry, const ContainerRecord& record);
  // Reads the monitor's exit status into `record`; true when the state changed.
  bool Refresh(ContainerRecord* record);
  absl::Status Save(const ContainerRecord& record) const;
  // The pid namespace the request asks for (the pod's, a target's, a new one).
  absl::StatusOr<Namespace> PidNamespace(const SandboxRecord& sandbox, const ContainerRequest& request);
  absl::StatusOr<ContainerRecord> Build(const SandboxRecord& sandbox, const ContainerRequest& request,
                                        const std::string& id);
  absl::Status StopLocked(ContainerRecord* record, std::chrono::seconds timeout);
  std::string ExistingWithName(const std::string& sandbox_id, const std::string& name,
                               uint32_t attempt) const;

  Paths paths_;
  SandboxManager* sandboxes_;
  image::ImageProvider* images_;
  Launcher* launcher_;
  MountpointLayer mountpoints_;
  NameLocks name_locks_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> containers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ucr::runtime
