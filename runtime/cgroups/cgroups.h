// cgroups with the cgroupfs driver, v1 and v2, free of gRPC.
//
// Layout (our choice, the containerd model without a pause process):
//   pod cgroup        = cgroup_parent (kubelet's pod cgroup, e.g. /kubepods/burstable/pod<uid>),
//                       or /ucr/<sandbox-id> when the CRI request gives none;
//   sandbox processes = <pod>/<sandbox-id> (the shared-PID init, if any: v2 forbids processes in
//                       a cgroup whose children use controllers, so the pod dir stays empty);
//   container         = <pod>/<container-id>.
// Paths are relative to the hierarchy roots ("/kubepods/pod1/abc"), never host paths.
// Pod-level stats read the pod cgroup: v1 and v2 counters are hierarchical.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::runtime::cgroups {

enum class Version { kV1, kV2 };

// What the container manager asks for; the CRI LinuxContainerResources converted 1:1.
// 0 means "not specified: leave as is" (CRI semantics); -1 means "unlimited" where noted.
struct Resources {
  int64_t cpu_period = 0;          // microseconds
  int64_t cpu_quota = 0;           // microseconds per period; -1 unlimited
  int64_t cpu_shares = 0;          // v1 cpu.shares; v2 cpu.weight via CpuSharesToWeight
  int64_t memory_limit_bytes = 0;  // -1 unlimited
  // memory + swap, as in CRI/OCI. 0 with a memory limit set means "no swap" (equal to the
  // memory limit, as containerd does) where swap accounting exists; ignored where it doesn't.
  int64_t memory_swap_limit_bytes = 0;  // -1 unlimited
  std::string cpuset_cpus;              // "0-1,3"; empty = leave
  std::string cpuset_mems;
  int64_t pids_limit = 0;  // -1 unlimited
  // Page size as CRI spells it ("2MB", "1GB") -> limit in bytes. Skipped with a warning when
  // the hugetlb controller is not mounted (kubelet sends these for every host page size).
  std::vector<std::pair<std::string, uint64_t>> hugepage_limits;
  // v2 only: file name -> content, written verbatim (names validated). Error on v1.
  std::map<std::string, std::string> unified;
};

struct Stats {
  uint64_t timestamp_ns = 0;              // CLOCK_REALTIME when read
  uint64_t cpu_usage_ns = 0;              // cumulative
  uint64_t memory_usage_bytes = 0;        // v1 memory.usage_in_bytes, v2 memory.current
  uint64_t memory_working_set_bytes = 0;  // usage - inactive_file (kubelet's definition)
  uint64_t memory_rss_bytes = 0;          // v1 total_rss, v2 anon
  uint64_t memory_limit_bytes = 0;        // 0 = unlimited (for CRI available_bytes)
  uint64_t page_faults = 0;
  uint64_t major_page_faults = 0;
  uint64_t oom_kills = 0;
  uint64_t pids_current = 0;
};

// The v2 weight for v1 shares, as kubelet/runc convert it: 1 + ((shares-2)*9999)/262142.
uint64_t CpuSharesToWeight(uint64_t shares);

// One mounted hierarchy: v1 has one per (co-)mounted controller set, v2 exactly one.
struct Mount {
  std::string path;  // mount point, e.g. /sys/fs/cgroup/memory
  // v1: "cpu", "cpuacct", "name=systemd"; v2: the controllers enabled at the root.
  std::vector<std::string> controllers;
};

// What is mounted where; detect once at start and share (cheap to copy).
class Hierarchy {
 public:
  // Reads /proc/self/mountinfo and looks at cgroup mounts under `root`. v1 when any v1
  // controller hierarchy is mounted there (a hybrid host's empty v2 tree is ignored), else v2.
  static absl::StatusOr<Hierarchy> Detect(const std::string& root = "/sys/fs/cgroup");
  // The same from mountinfo text (unit tests pass a fake tree).
  static absl::StatusOr<Hierarchy> FromMountInfo(absl::string_view mountinfo,
                                                 const std::string& root);

  Version version() const { return version_; }
  const std::string& root() const { return root_; }
  const std::vector<Mount>& mounts() const { return mounts_; }
  // The mount point that carries `controller` ("" if not mounted). v2: the root if enabled.
  std::string MountFor(absl::string_view controller) const;
  bool Has(absl::string_view controller) const { return !MountFor(controller).empty(); }

 private:
  Version version_ = Version::kV1;
  std::string root_;
  std::vector<Mount> mounts_;
};

// Checks a relative cgroup path: absolute ("/a/b"), no "." or ".." or empty components.
absl::Status ValidateCgroupPath(absl::string_view path);
// cgroup_parent (validated) or "/ucr/<sandbox_id>" when empty.
absl::StatusOr<std::string> PodCgroupPath(absl::string_view cgroup_parent,
                                          absl::string_view sandbox_id);
// "<pod>/<id>" for a container, or for the sandbox's own processes (id = sandbox id).
std::string ChildCgroupPath(absl::string_view pod_path, absl::string_view id);

// One logical cgroup (the same relative path in every hierarchy).
class Cgroup {
 public:
  // mkdir -p in every v1 hierarchy (new cpuset dirs inherit cpuset.cpus/mems from their
  // parent) or in the v2 tree (enabling controllers in each ancestor's subtree_control).
  // created() tells whether the leaf was new (the pod cgroup: remove it only if we made it).
  static absl::StatusOr<Cgroup> Create(const Hierarchy& hierarchy, std::string relative_path);
  // An existing cgroup (recovery); nothing touched.
  static Cgroup Open(const Hierarchy& hierarchy, std::string relative_path);

  const std::string& path() const { return path_; }
  bool created() const { return created_; }
  // The directories a process must join (write its pid to <dir>/cgroup.procs): one per
  // mounted v1 hierarchy, or the single v2 dir. The launcher joins all of them before exec.
  std::vector<std::string> Dirs() const;
  // Moves `pid` into every Dirs() entry.
  absl::Status AddProcess(pid_t pid) const;

  // Writes the limits; also the live update of UpdateContainerResources.
  absl::Status Apply(const Resources& resources) const;
  absl::StatusOr<Stats> ReadStats() const;
  // OOM kills of processes in this cgroup (and below) since it was created: v1
  // memory.oom_control "oom_kill", v2 memory.events "oom_kill". The cgroup outlives the
  // container's exit until Destroy, so read this when the container exits (or when ucrd
  // learns of the exit after a restart): > 0 means reason OOMKilled.
  absl::StatusOr<uint64_t> OomKillCount() const;
  // The file holding that counter (as an "oom_kill N" line), for a process that reads it
  // without this library (the monitor); "" when no memory controller is mounted.
  std::string OomCounterFile() const;
  // Every process in this cgroup and its descendants.
  absl::StatusOr<std::vector<pid_t>> Pids() const;
  // Signals every process (and below). For SIGKILL: v2 cgroup.kill where present, else freeze,
  // kill, thaw; repeated until empty or `deadline` passes (DeadlineExceeded).
  absl::Status KillAll(int sig,
                       std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) const;
  // Device access for unprivileged containers: deny all, then allow `allow` (rules as
  // v1's devices.allow spells them: "c 1:3 rwm", "c 136:* rwm", "b *:* m"). v1 only; on v2
  // (which needs an eBPF program) it logs once and returns OK. Call before the process joins.
  absl::Status RestrictDevices(const std::vector<std::string>& allow) const;
  // Relative paths of the direct child cgroups (for sweeping orphans at start-up).
  absl::StatusOr<std::vector<std::string>> Children() const;
  // rmdir in every hierarchy, retrying briefly while busy (processes still exiting).
  // Idempotent. FailedPrecondition when child cgroups remain (a pod with containers).
  absl::Status Destroy() const;

 private:
  Cgroup(const Hierarchy& hierarchy, std::string path)
      : hierarchy_(hierarchy), path_(std::move(path)) {}
  Hierarchy hierarchy_;
  std::string path_;
  bool created_ = false;
};

// The devices every unprivileged container may use (runc's defaults): mknod of any node,
// null, zero, full, random, urandom, tty, console, ptmx and the pts.
std::vector<std::string> DefaultAllowedDevices();
// The rule for one host device node (a CRI Device's host_path and "rwm" permissions):
// "c 10:200 rw". InvalidArgument when the path is not a device node or permissions are bad.
absl::StatusOr<std::string> DeviceRuleForPath(const std::string& host_path,
                                              absl::string_view permissions);

// Writable-layer usage for ContainerStats (not a cgroup, but reported beside them): bytes
// allocated and inodes under `dir`, staying on its filesystem, hard links counted once.
struct DiskUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};
absl::StatusOr<DiskUsage> MeasureDiskUsage(const std::string& dir);

}  // namespace ucr::runtime::cgroups
