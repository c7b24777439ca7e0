// Pod sandboxes: their namespaces, files, /dev/shm, cgroup and network, and
// their records on disk. Containers are the ContainerManager's; stopping a
// pod's containers first is runtime/pod_lifecycle.h's job.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/paths.h"
#include "network/pod_network.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/sandbox/pod_files.h"
#include "runtime/state/name_locks.h"
#include "runtime/state/sandbox_record.h"

namespace ucr::runtime {

class Rollback;

struct SandboxFilter {
  std::string id_prefix;
  bool has_state = false;
  SandboxState state = SandboxState::kReady;
  std::map<std::string, std::string> label_selector;
};

class SandboxManager {
 public:
  // `network` may be null: then only host-network pods can run.
  SandboxManager(const Paths& paths, const cgroups::Hierarchy& hierarchy,
                 network::PodNetwork* network, std::string podinit_binary);

  // Reads every sandbox.json; pods whose pinned namespaces or init vanished
  // (reboot, kill) report NOTREADY from then on.
  absl::Status Recover();

  // RunPodSandbox. A repeat of the same request (same fingerprint) for a pod
  // that exists returns its id; another request with the same name/namespace/
  // uid/attempt is ALREADY_EXISTS naming the holder.
  absl::StatusOr<std::string> Run(const PodSpec& spec, const std::string& fingerprint);

  // Releases what the pod holds (network, init, shm, namespaces); NOTREADY.
  // Idempotent; OK for an unknown id.
  absl::Status Stop(const std::string& id_or_prefix);
  // Stop, then delete the pod's cgroup and state. OK for an unknown id.
  absl::Status Remove(const std::string& id_or_prefix);

  // A snapshot with the live state; NOT_FOUND naming the id.
  absl::StatusOr<SandboxRecord> Get(const std::string& id_or_prefix) const;
  std::vector<SandboxRecord> List(const SandboxFilter& filter) const;
  absl::StatusOr<std::string> ResolveId(const std::string& id_or_prefix) const;

  PodFilePaths FilePaths(const std::string& id) const;
  std::string NsPath(const std::string& id, const char* type) const;
  // Stats of the pod cgroup (hierarchical: all its containers).
  absl::StatusOr<cgroups::Stats> ReadStats(const std::string& id) const;
  const cgroups::Hierarchy& hierarchy() const { return hierarchy_; }

 private:
  struct Entry {
    absl::Mutex op_mu;  // serializes Run/Stop/Remove of one pod
    SandboxRecord record;
  };

  absl::StatusOr<std::string> Setup(SandboxRecord* record);
  // The parts of Setup that need no network: cgroups, /dev/shm, hostname and
  // resolv.conf; each step done registers its undo in `rollback`.
  absl::Status SetUpLocal(SandboxRecord* record, pid_t init, bool ipc, Rollback* rollback);
  absl::Status Release(SandboxRecord* record);
  // `durable`: fsynced before it returns. A stopped pod's record need not be:
  // should a power loss revert it, the pod is NOTREADY after the reboot
  // anyway and stopping it again is idempotent.
  absl::Status Save(const SandboxRecord& record, bool durable) const;
  SandboxState LiveState(const SandboxRecord& record) const;
  std::shared_ptr<Entry> Find(const std::string& id_or_prefix) const;
  std::string ExistingWithName(const std::string& name_key) const;

  Paths paths_;
  cgroups::Hierarchy hierarchy_;
  network::PodNetwork* network_;
  std::string podinit_binary_;
  NameLocks name_locks_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> sandboxes_ ABSL_GUARDED_BY(mu_);
};

// "name/namespace/uid/attempt": what makes a pod sandbox name unique.
std::string SandboxNameKey(const PodMetadata& metadata);

// True when `pid` is alive and still the process started at `start_time`.
bool ProcessMatches(pid_t pid, uint64_t start_time);

// The node's first non-loopback IPv4 address ("" when there is none).
std::string HostIp();

}  // namespace ucr::runtime
