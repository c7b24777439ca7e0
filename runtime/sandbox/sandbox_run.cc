// RunPodSandbox: namespaces, pod init, cgroup, /dev/shm, network, pod files.
// The cgroup, /dev/shm and files are made on a helper thread during the CNI ADD.
#include <signal.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/scoped_mount.h"
#include "common/status.h"
#include "runtime/launch/proc_util.h"
#include "runtime/sandbox/pin_namespaces.h"
#include "runtime/sandbox/sandbox_manager.h"
#include "runtime/state/rollback.h"

namespace ucr::runtime {
namespace {

absl::Status ValidateSpec(const PodSpec& spec) {
  if (spec.metadata.name.empty()) {
    return absl::InvalidArgumentError("pod sandbox config: metadata.name is required");
  }
  if (spec.net_mode == NamespaceMode::kContainer || spec.net_mode == NamespaceMode::kTarget) {
    return absl::InvalidArgumentError("pod sandbox config: network namespace mode must be POD or NODE");
  }
  if (spec.ipc_mode == NamespaceMode::kContainer || spec.ipc_mode == NamespaceMode::kTarget) {
    return absl::InvalidArgumentError("pod sandbox config: ipc namespace mode must be POD or NODE");
  }
  return absl::OkStatus();
}

network::PodNetworkRequest NetworkRequest(const SandboxRecord& r, const std::string& netns) {
  network::PodNetworkRequest req;
  req.sandbox_id = r.id;
  req.netns_path = netns;
  req.pod_name = r.spec.metadata.name;
  req.pod_namespace = r.spec.metadata.ns;
  req.pod_uid = r.spec.metadata.uid;
  req.hostname = PodHostname(r.spec);
  req.port_mappings = r.spec.port_mappings;
  req.dns = r.spec.dns;
  req.annotations = r.spec.annotations;
  req.loopback_up = true;  // PinNamespaces did it
  return req;
}

}  // namespace

absl::StatusOr<std::string> SandboxManager::Run(const PodSpec& spec, const std::string& fingerprint) {
  UCR_RETURN_IF_ERROR(ValidateSpec(spec));
  const std::string name_key = SandboxNameKey(spec.metadata);
  auto name_guard = name_locks_.Lock(name_key);
  if (std::string holder = ExistingWithName(name_key); !holder.empty()) {
    absl::StatusOr<SandboxRecord> existing = Get(holder);
    if (existing.ok() && existing->fingerprint == fingerprint) {
      log::Info("RunPodSandbox %s: same request as pod %s (a retry): returning it", name_key, holder);
      return holder;
    }
    return absl::AlreadyExistsError(absl::StrCat("pod sandbox name \"", name_key,
                                                 "\" is already used by pod sandbox ", holder));
  }
  if (spec.net_mode != NamespaceMode::kNode) {
    if (network_ == nullptr) {
      return absl::FailedPreconditionError(
          "pod networking is not available (no CNI support in this ucrd): only host-network "
          "pods can run");
    }
    if (absl::Status ready = network_->Ready(); !ready.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("pod network is not ready: ", ready.message()));
    }
  }

  SandboxRecord record;
  record.id = NewId();
  record.spec = spec;
  record.fingerprint = fingerprint;
  record.created_at = UnixNanosNow();
  UCR_ASSIGN_OR_RETURN(std::string ip, Setup(&record));
  record.state = SandboxState::kReady;
  UCR_RETURN_IF_ERROR(Save(record, /*durable=*/true));
  auto entry = std::make_shared<Entry>();
  entry->record = record;
  absl::MutexLock lock(&mu_);
  sandboxes_[record.id] = std::move(entry);
  return record.id;
}

// Creates everything the pod holds; on error undoes what it did.
absl::StatusOr<std::string> SandboxManager::Setup(SandboxRecord* r) {
  const std::string& id = r->id;
  Rollback rollback;
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.SandboxDir(id), 0700));
  rollback.Add([&] { (void)RemoveTree(paths_.SandboxDir(id)); });
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.SandboxStateDir(id), 0711));
  rollback.Add([&] {
    (void)UnmountAllUnder(paths_.SandboxStateDir(id));
    (void)RemoveTree(paths_.SandboxStateDir(id));
  });

  // The pod cgroup: the kubelet's cgroup_parent, or ours under /ucr.
  UCR_ASSIGN_OR_RETURN(r->cgroup_path, cgroups::PodCgroupPath(r->spec.cgroup_parent, id));

  const bool own_net = r->spec.net_mode != NamespaceMode::kNode;
  PinRequest pin;
  pin.ns_dir = paths_.SandboxNsDir(id);
  pin.net = own_net;
  pin.uts = own_net;  // the UTS namespace follows the network's, as in containerd
  pin.ipc = r->spec.ipc_mode != NamespaceMode::kNode;
  pin.hostname = PodHostname(r->spec);
  if (r->spec.pid_mode == NamespaceMode::kPod) {
    if (podinit_binary_.empty()) {
      return absl::FailedPreconditionError("a shared PID namespace needs ucr-podinit, which is not installed");
    }
    pin.podinit_path = podinit_binary_;
  }
  UCR_ASSIGN_OR_RETURN(PinResult pinned, PinNamespaces(pin));
  rollback.Add([&] { (void)UnpinNamespaces(paths_.SandboxNsDir(id)); });
  const pid_t init = pinned.init_pid;
  if (init > 0) {
    r->init_pid = init;
    r->init_start_time = ProcessStartTime(init).value_or(0);
    rollback.Add([init] { ::kill(init, SIGKILL); });
  }

  // The cgroup, /dev/shm and files need neither the network nor the pod's IP:
  // with a pod network, a helper thread makes them while this one runs the
  // CNI ADD (plugin execs, tens of ms). Their undo steps run first on failure.
  Rollback local_rollback;
  absl::Status local_status;
  std::string ip;
  if (own_net) {
    std::jthread local([&, call_id = log::CurrentCallId()] {
      log::CallScope scope(call_id);
      local_status = SetUpLocal(r, init, pin.ipc, &local_rollback);
    });
    absl::StatusOr<network::PodNetworkResult> net = network_->Setup(NetworkRequest(*r, NsPath(id, "net")));
    local.join();
    if (!net.ok()) return net.status();
    r->network_set_up = true;
    rollback.Add([this, id] { (void)network_->Teardown(id); });
    ip = net->ip;
    r->additional_ips = net->additional_ips;
  } else {
    local_status = SetUpLocal(r, init, pin.ipc, &local_rollback);
    ip = HostIp();
  }
  UCR_RETURN_IF_ERROR(local_status);
  r->ip = ip;
  UCR_RETURN_IF_ERROR(WritePodHosts(FilePaths(id), r->spec, own_net ? ip : ""));
  local_rollback.Commit();
  rollback.Commit();
  return ip;
}

// The pod cgroup (and the init's, holding it), /dev/shm, hostname and resolv.conf.
absl::Status SandboxManager::SetUpLocal(SandboxRecord* r, pid_t init, bool ipc, Rollback* rollback) {
  const std::string& id = r->id;
  UCR_ASSIGN_OR_RETURN(cgroups::Cgroup pod_cgroup, cgroups::Cgroup::Create(hierarchy_, r->cgroup_path));
  r->owns_cgroup = r->spec.cgroup_parent.empty() || pod_cgroup.created();
  if (r->owns_cgroup) rollback->Add([pod_cgroup] { (void)pod_cgroup.Destroy(); });
  if (init > 0) {
    // The init's own cgroup beside the containers' (v2 forbids processes in inner nodes).
    absl::StatusOr<cgroups::Cgroup> init_cgroup =
        cgroups::Cgroup::Create(hierarchy_, cgroups::ChildCgroupPath(r->cgroup_path, id));
    if (init_cgroup.ok()) {
      if (absl::Status st = init_cgroup->AddProcess(init); !st.ok()) log::Warn("pod %s init cgroup: %s", id, st.message());
      // The init first: a cgroup with a process in it cannot go.
      rollback->Add([c = *init_cgroup, init] {
        ::kill(init, SIGKILL);
        (void)c.Destroy();
      });
    }
  }
  PodFilePaths files = FilePaths(id);
  if (ipc) {
    UCR_RETURN_IF_ERROR(MountPodShm(files.shm));
    rollback->Add([files] { (void)UnmountPodShm(files.shm); });
  }
  return WritePodFiles(files, r->spec);
}

}  // namespace ucr::runtime
