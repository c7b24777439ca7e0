// CreateContainer: overlay rootfs, user, process, mounts, namespaces, cgroup,
// then the launcher creates the process (waiting before exec) and its monitor.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/phase_timer.h"
#include "common/scoped_mount.h"
#include "common/status.h"
#include "runtime/container/container_manager.h"
#include "runtime/container/container_mounts.h"
#include "runtime/container/overlay_rootfs.h"
#include "runtime/container/process_args.h"
#include "runtime/container/rootfs_users.h"
#include "runtime/state/rollback.h"

namespace ucr::runtime {
namespace {

Namespace Join(std::string path) { return Namespace{NsMode::kJoin, std::move(path)}; }
Namespace Host() { return Namespace{NsMode::kHost, ""}; }

// Only the sysctls of namespaces the container shares with its pod (never the host's).
std::map<std::string, std::string> PodSysctls(const SandboxRecord& sandbox) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : sandbox.spec.sysctls) {
    bool net = absl::StartsWith(key, "net.");
    bool ipc = absl::StartsWith(key, "kernel.shm") || absl::StartsWith(key, "kernel.msg") ||
               key == "kernel.sem" || absl::StartsWith(key, "fs.mqueue.");
    if ((net && sandbox.spec.net_mode != NamespaceMode::kNode) ||
        (ipc && sandbox.spec.ipc_mode != NamespaceMode::kNode)) {
      out[key] = value;
    }
  }
  return out;
}

double MillisSince(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

absl::Status ValidateRequest(const ContainerRequest& request) {
  if (request.name.empty()) return absl::InvalidArgumentError("container config: metadata.name is required");
  if (request.image.empty()) return absl::InvalidArgumentError("container config: image.image is required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ContainerManager::Create(const std::string& sandbox_id,
                                                     const ContainerRequest& request,
                                                     const std::string& fingerprint) {
  UCR_RETURN_IF_ERROR(ValidateRequest(request));
  UCR_ASSIGN_OR_RETURN(SandboxRecord sandbox, sandboxes_->Get(sandbox_id));
  auto name_guard = name_locks_.Lock(absl::StrCat(sandbox.id, "/", request.name, "/", request.attempt));
  if (std::string holder = ExistingWithName(sandbox.id, request.name, request.attempt); !holder.empty()) {
    std::string holder_fingerprint;
    if (std::shared_ptr<Entry> entry = Find(holder, nullptr)) holder_fingerprint = Snapshot(*entry).fingerprint;
    if (holder_fingerprint == fingerprint) {
      log::Info("CreateContainer %s: same request as container %s (a retry): returning it", request.name, holder);
      return holder;
    }
    return absl::AlreadyExistsError(absl::StrCat("container name \"", request.name, "\" (attempt ",
                                                 request.attempt, ") is already used by container ",
                                                 holder, " in pod sandbox ", sandbox.id));
  }
  if (sandbox.state != SandboxState::kReady) {
    return absl::FailedPreconditionError(absl::StrCat("pod sandbox ", sandbox.id, " is not ready"));
  }

  const std::string id = NewId();
  Rollback rollback;
  rollback.Add([this, id, cgroup_path = cgroups::ChildCgroupPath(sandbox.cgroup_path, id)] {
    (void)launcher_->Destroy(paths_.ContainerStateDir(id));
    (void)cgroups::Cgroup::Open(sandboxes_->hierarchy(), cgroup_path).Destroy();
    (void)UnmountRootfs(paths_.ContainerRootfs(id));
    (void)RemoveTree(paths_.ContainerStateDir(id));
    (void)RemoveTree(paths_.ContainerDir(id));
  });
  UCR_ASSIGN_OR_RETURN(ContainerRecord record, Build(sandbox, request, id));
  record.fingerprint = fingerprint;
  UCR_RETURN_IF_ERROR(Save(record));
  rollback.Commit();
  auto entry = std::make_shared<Entry>();
  entry->record = std::move(record);
  absl::MutexLock lock(&mu_);
  containers_[id] = std::move(entry);
  return id;
}

absl::StatusOr<Namespace> ContainerManager::PidNamespace(const SandboxRecord& sandbox,
                                                        const ContainerRequest& request) {
  switch (request.pid_mode) {
    case NamespaceMode::kNode: return Host();
    case NamespaceMode::kContainer: return Namespace{NsMode::kNew, ""};
    case NamespaceMode::kTarget: {
      UCR_ASSIGN_OR_RETURN(ContainerRecord target, Get(request.pid_target_id));
      if (target.pid <= 0) return absl::FailedPreconditionError(absl::StrCat("target container ", target.id, " is not running"));
      return Join(absl::StrCat("/proc/", target.pid, "/ns/pid"));
    }
    case NamespaceMode::kPod:
      break;
  }
  return sandbox.init_pid > 0 && ProcessMatches(sandbox.init_pid, sandbox.init_start_time)
             ? Join(absl::StrCat("/proc/", sandbox.init_pid, "/ns/pid"))
             : Namespace{NsMode::kNew, ""};
}

absl::StatusOr<ContainerRecord> ContainerManager::Build(const SandboxRecord& sandbox,
                                                        const ContainerRequest& request,
                                                        const std::string& id) {
  const auto began = std::chrono::steady_clock::now();
  PhaseTimer phases;
  UCR_ASSIGN_OR_RETURN(image::ResolvedImage image, images_->Resolve(request.image));
  phases.Mark("resolve");
  ContainerRecord r;
  r.id = id;
  r.sandbox_id = sandbox.id;
  r.request = request;
  r.image_id = image.id;
  r.image_ref = image.image_ref;
  r.mounts = request.mounts;
  r.created_at = UnixNanosNow();
  r.stop_signal = request.stop_signal;
  if (r.stop_signal == 0) {
    absl::StatusOr<int> image_signal = ParseSignal(image.config.stop_signal);
    r.stop_signal = image_signal.ok() && *image_signal != 0 ? *image_signal : SIGTERM;
  }

  UCR_RETURN_IF_ERROR(MakeDirs(paths_.ContainerDir(id), 0700));
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.ContainerStateDir(id), 0711));
  phases.Mark("dirs");
  if (!sandbox.spec.log_directory.empty() && !request.log_path.empty()) {
    r.log_path = absl::StrCat(sandbox.spec.log_directory, "/", request.log_path);
    UCR_RETURN_IF_ERROR(MakeDirs(r.log_path.substr(0, r.log_path.find_last_of('/')), 0755));
  }
  r.cgroup_path = cgroups::ChildCgroupPath(sandbox.cgroup_path, id);
  const cgroups::Cgroup planned = cgroups::Cgroup::Open(sandboxes_->hierarchy(), r.cgroup_path);

  // What the monitor needs comes first: it and ucr-init start up while the
  // rootfs and the cgroup are made below (ucr-init waits for the spec).
  ContainerSpec spec;
  spec.id = id;
  spec.state_dir = paths_.ContainerStateDir(id);
  spec.log_path = r.log_path;
  spec.cgroup_dirs = planned.Dirs();
  if (std::string oom = planned.OomCounterFile(); !oom.empty()) spec.oom_files = {oom};
  spec.process.tty = request.tty;
  spec.process.stdin = request.stdin;
  spec.process.stdin_once = request.stdin_once;
  UCR_ASSIGN_OR_RETURN(spec.pid, PidNamespace(sandbox, request));
  UCR_ASSIGN_OR_RETURN(PendingLaunch launch, launcher_->Begin(spec));
  phases.Mark("begin");

  OverlayDirs overlay{image.lower_dirs, paths_.ContainerUpperDir(id), paths_.ContainerWorkDir(id),
                      paths_.ContainerRootfs(id)};
  if (mountpoints_.Fits(overlay.lowers)) {
    // Not where it would make the mount data too long for images near the
    // kernel's limit (it lies outside layers/, so every lowerdir gets longer).
    OverlayDirs with_layer = overlay;
    with_layer.lowers.insert(with_layer.lowers.begin(), mountpoints_.dir());
    if (OverlayMountDataFits(with_layer)) overlay = std::move(with_layer);
  }
  UCR_RETURN_IF_ERROR(MountOverlay(overlay));
  phases.Mark("overlay");
  UCR_ASSIGN_OR_RETURN(ResolvedUser user, ResolveUser(overlay.target, request, image.config.user));
  UCR_ASSIGN_OR_RETURN(ProcessArgs process, MergeProcessArgs(request, image.config, PodHostname(sandbox.spec), user.home));
  UCR_ASSIGN_OR_RETURN(std::vector<Mount> mounts, ContainerMounts(request, sandbox, sandboxes_->FilePaths(sandbox.id)));

  spec.rootfs = overlay.target;
  spec.readonly_rootfs = request.readonly_rootfs;
  spec.hostname = PodHostname(sandbox.spec);
  const bool host_net = sandbox.spec.net_mode == NamespaceMode::kNode;
  spec.net = host_net ? Host() : Join(sandboxes_->NsPath(sandbox.id, "net"));
  spec.uts = host_net ? Host() : Join(sandboxes_->NsPath(sandbox.id, "uts"));
  spec.ipc = sandbox.spec.ipc_mode == NamespaceMode::kNode ? Host() : Join(sandboxes_->NsPath(sandbox.id, "ipc"));
  spec.mnt = Namespace{NsMode::kNew, ""};
  // Its own cgroup namespace on v1 too: the container's cgroups are the root
  // of what it sees in /proc/self/cgroup and /sys/fs/cgroup.
  spec.cgroup = Namespace{NsMode::kNew, ""};
  spec.mounts = std::move(mounts);
  spec.sysctls = PodSysctls(sandbox);
  phases.Mark("user_and_spec");

  UCR_ASSIGN_OR_RETURN(cgroups::Cgroup cgroup, cgroups::Cgroup::Create(sandboxes_->hierarchy(), r.cgroup_path));
  phases.Mark("cgroup");
  Rollback undo_cgroup;
  undo_cgroup.Add([cgroup] { (void)cgroup.Destroy(); });
  UCR_RETURN_IF_ERROR(cgroup.Apply(request.resources));

  spec.process.args = process.argv;
  spec.process.env = process.env;
  spec.process.cwd = process.cwd;
  spec.process.uid = user.uid;
  spec.process.gid = user.gid;
  spec.process.additional_gids = user.additional_gids;
  spec.process.oom_score_adj = static_cast<int>(request.oom_score_adj);

  phases.Mark("resources");
  const auto prepared = std::chrono::steady_clock::now();
  UCR_ASSIGN_OR_RETURN(CreatedContainer created, launcher_->Finish(std::move(launch), spec));
  undo_cgroup.Commit();
  // Where a create's time goes, for whoever profiles start-up latency.
  log::Debug("create %s: prepare %.2f ms (%s us), then until set up %.2f ms", id, MillisSince(began, prepared),
             phases.summary(), MillisSince(prepared, std::chrono::steady_clock::now()));
  r.pid = created.pid;
  r.monitor_pid = created.monitor_pid;
  r.uid = user.uid;
  r.gid = user.gid;
  r.additional_gids = user.additional_gids;
  r.env = process.env;
  r.cwd = process.cwd;
  r.state = ContainerState::kCreated;
  return r;
}

}  // namespace ucr::runtime
