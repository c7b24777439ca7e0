// A container as ucrd keeps it: the request (ContainerRequest, translated from
// the CRI ContainerConfig by cri/) and its lifecycle. Saved as
// <root_dir>/containers/<id>/container.json; the exit status itself is the
// monitor's to write (runtime/launch), ucrd copies it here once it has seen it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "runtime/cgroups/cgroups.h"
#include "runtime/state/sandbox_record.h"

namespace ucr::runtime::cgroups {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Resources, cpu_period, cpu_quota, cpu_shares,
                                                memory_limit_bytes, memory_swap_limit_bytes,
                                                cpuset_cpus, cpuset_mems, pids_limit,
                                                hugepage_limits, unified)
}  // namespace ucr::runtime::cgroups

namespace ucr::runtime {

// CRI MountPropagation, same order as the proto enum.
enum class Propagation { kPrivate = 0, kHostToContainer = 1, kBidirectional = 2 };

struct MountRequest {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  Propagation propagation = Propagation::kPrivate;
};

struct ContainerRequest {
  std::string name;
  uint32_t attempt = 0;
  std::string image;  // as the CRI named it
  std::map<std::string, std::string> image_annotations;
  std::vector<std::string> command, args;
  std::string working_dir;
  std::vector<std::pair<std::string, std::string>> envs;
  std::vector<MountRequest> mounts;
  std::map<std::string, std::string> labels, annotations;
  std::string log_path;  // relative to the pod's log_directory
  bool stdin = false, stdin_once = false, tty = false;
  // Resources, as the CRI LinuxContainerResources; oom_score_adj is the process's.
  cgroups::Resources resources;
  int64_t oom_score_adj = 0;
  // Security context parts this issue handles (the rest arrives with its issue).
  int64_t run_as_user = -1, run_as_group = -1;  // -1: not set
  std::string run_as_username;
  std::vector<int64_t> supplemental_groups;
  NamespaceMode pid_mode = NamespaceMode::kPod;
  std::string pid_target_id;  // pid_mode TARGET: share this container's PID namespace
  bool readonly_rootfs = false;
  bool privileged = false;
  int stop_signal = 0;  // 0: the image's, else SIGTERM
};

// CRI ContainerState, same order as the proto enum.
enum class ContainerState { kCreated = 0, kRunning = 1, kExited = 2, kUnknown = 3 };

struct ContainerRecord {
  std::string id;
  std::string sandbox_id;
  ContainerRequest request;
  std::string fingerprint;  // hash of the CRI request (kubelet retries)
  std::string image_id;     // "sha256:…"
  std::string image_ref;
  int stop_signal = 15;     // resolved: request, else image, else SIGTERM
  std::string log_path;     // absolute (pod log_directory + request log_path), "" for none
  std::string cgroup_path;
  std::vector<MountRequest> mounts;  // what was mounted, as ContainerStatus reports it
  // The process as created, reused for ExecSync (same user, env, cwd).
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  std::vector<std::string> env;
  std::string cwd = "/";

  ContainerState state = ContainerState::kCreated;
  int64_t created_at = 0, started_at = 0, finished_at = 0;  // ns since the epoch
  pid_t pid = 0;            // the container's init (host pid namespace)
  pid_t monitor_pid = 0;
  int exit_code = 0;
  std::string reason, message;
};

NLOHMANN_JSON_SERIALIZE_ENUM(Propagation, {{Propagation::kPrivate, "private"},
                                           {Propagation::kHostToContainer, "rslave"},
                                           {Propagation::kBidirectional, "rshared"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ContainerState, {{ContainerState::kCreated, "created"},
                                              {ContainerState::kRunning, "running"},
                                              {ContainerState::kExited, "exited"},
                                              {ContainerState::kUnknown, "unknown"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountRequest, container_path, host_path, readonly,
                                                propagation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerRequest, name, attempt, image,
                                                image_annotations, command, args, working_dir,
                                                envs, mounts, labels, annotations, log_path, stdin,
                                                stdin_once, tty, resources, oom_score_adj,
                                                run_as_user, run_as_group, run_as_username,
                                                supplemental_groups, pid_mode, pid_target_id,
                                                readonly_rootfs,
                                                privileged, stop_signal)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerRecord, id, sandbox_id, request,
                                                fingerprint, image_id, image_ref, stop_signal,
                                                log_path, cgroup_path, mounts, uid, gid,
                                                additional_gids, env, cwd, state,
                                                created_at, started_at, finished_at, pid,
                                                monitor_pid, exit_code, reason, message)

}  // namespace ucr::runtime

