// StopPodSandbox and RemovePodSandbox (the pod's containers were stopped or
// removed by the caller, see runtime/pod_lifecycle.h).
#include <signal.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/log.h"
#include "common/scoped_mount.h"
#include "common/status.h"
#include "runtime/sandbox/pin_namespaces.h"
#include "runtime/sandbox/sandbox_manager.h"

namespace ucr::runtime {
namespace {

// SIGKILL the pod init (if it is still ours) and wait briefly until it is gone.
void KillPodInit(pid_t pid, uint64_t start_time) {
  if (!ProcessMatches(pid, start_time)) return;
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 200 && ProcessMatches(pid, start_time); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

// Idempotent: every step tolerates what an earlier (partial) stop already did.
absl::Status SandboxManager::Release(SandboxRecord* r) {
  absl::Status result;
  if (r->network_set_up && network_ != nullptr) {
    if (absl::Status st = network_->Teardown(r->id); !st.ok()) {
      result.Update(Annotate(st, "tear down the pod network"));
    } else {
      r->network_set_up = false;
    }
  }
  if (r->init_pid != 0) {
    KillPodInit(r->init_pid, r->init_start_time);
    r->init_pid = 0;
    r->init_start_time = 0;
  }
  result.Update(UnmountPodShm(FilePaths(r->id).shm));
  result.Update(UnpinNamespaces(paths_.SandboxNsDir(r->id)));
  return result;
}

absl::Status SandboxManager::Stop(const std::string& id_or_prefix) {
  std::shared_ptr<Entry> entry = Find(id_or_prefix);
  if (entry == nullptr) return absl::OkStatus();  // already removed: kubelet expects OK
  absl::MutexLock op(&entry->op_mu);
  SandboxRecord record;
  {
    absl::MutexLock lock(&mu_);
    record = entry->record;
  }
  // Nothing to record when an earlier Stop did it all (RemovePodSandbox stops again).
  const bool unchanged = record.state == SandboxState::kNotReady && !record.network_set_up && record.init_pid == 0;
  absl::Status released = Release(&record);
  record.state = SandboxState::kNotReady;
  absl::Status saved = unchanged ? absl::OkStatus() : Save(record, /*durable=*/false);
  {
    absl::MutexLock lock(&mu_);
    entry->record = record;
  }
  UCR_RETURN_IF_ERROR(released);
  return saved;
}

absl::Status SandboxManager::Remove(const std::string& id_or_prefix) {
  std::shared_ptr<Entry> entry = Find(id_or_prefix);
  if (entry == nullptr) return absl::OkStatus();
  UCR_RETURN_IF_ERROR(Stop(entry->record.id));
  absl::MutexLock op(&entry->op_mu);
  const SandboxRecord& r = entry->record;
  const std::string id = r.id;
  // The init's cgroup, then the pod cgroup if it is ours (the kubelet owns its own).
  (void)cgroups::Cgroup::Open(hierarchy_, cgroups::ChildCgroupPath(r.cgroup_path, id)).Destroy();
  if (r.owns_cgroup && !r.cgroup_path.empty()) {
    if (absl::Status st = cgroups::Cgroup::Open(hierarchy_, r.cgroup_path).Destroy(); !st.ok()) {
      log::Warn("remove pod %s: cgroup %s: %s", id, r.cgroup_path, st.message());
    }
  }
  // Stop released the pins and /dev/shm; what an interrupted stop left is unmounted here.
  UCR_RETURN_IF_ERROR(RemoveTreeAndMounts(paths_.SandboxStateDir(id)));
  UCR_RETURN_IF_ERROR(RemoveTree(paths_.SandboxDir(id)));
  absl::MutexLock lock(&mu_);
  sandboxes_.erase(id);
  return absl::OkStatus();
}

}  // namespace ucr::runtime
