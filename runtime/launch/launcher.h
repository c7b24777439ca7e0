// The launcher: creates, starts, signals and execs into containers. It knows
// nothing of CRI or gRPC; runtime/ (the container manager) translates CRI
// requests into a ContainerSpec and calls this.
//
// Process tree of a running container (pids as seen from the host):
//
//   ucrd ── ucr-monitor          setsid, PR_SET_CHILD_SUBREAPER; reaped by
//             │                  ucrd's reaper thread when it exits. If ucrd
//             │                  dies first, it goes to init like any orphan:
//             │                  ucrd can die or restart without touching it
//             └── container      pid 1 of its own pid ns (or a member of
//                                the pod's); first runs ucr-init (the
//                                setup helper), which execve()s the
//                                user's command at StartContainer
//
// ucr-monitor creates/joins the pid namespace itself (unshare/setns + fork),
// so the container is its direct child and is reaped by it. Everything about
// a container lives in its state_dir (see StateFiles below), so every call
// here also works from a ucrd that restarted after the container was created.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::runtime {

// One mount inside the container, OCI style. Options: "ro", "rw", "bind",
// "rbind", "nosuid", "nodev", "noexec", "relatime", "strictatime",
// "private", "rprivate", "slave", "rslave", "shared", "rshared"; anything else
// (e.g. "mode=755", "size=64m") is passed as filesystem data. A bind source
// that does not exist is an error (never created on the host).
struct Mount {
  std::string source;
  std::string destination;  // absolute path inside the container
  std::string type;         // "bind" (or empty with a bind option), "tmpfs", "proc", ...
  std::vector<std::string> options;
};

enum class NsMode {
  kNew,   // a fresh namespace of the container's own
  kJoin,  // setns() into `path` (a pinned ns file or /proc/<pid>/ns/<x>)
  kHost,  // stay in ucrd's namespace
};

struct Namespace {
  NsMode mode = NsMode::kNew;
  std::string path;  // for kJoin
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ... (OCI names)
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// The process run in the container (and the user/security part of an exec).
struct ProcessSpec {
  std::vector<std::string> args;  // args[0] is looked up in the container's $PATH
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd = "/";          // created if missing
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  bool tty = false;         // a pty instead of pipes (stdout only, stderr merged)
  bool stdin = false;       // keep a stdin pipe open, fed from attach clients
  bool stdin_once = false;  // close stdin when the first attach client detaches
  // Applied as asked; where the host refuses a negative value (no
  // CAP_SYS_RESOURCE) it is clamped to the lowest allowed value, logged once.
  int oom_score_adj = 0;
  // Bounding = permitted = effective set, e.g. "CAP_CHOWN". Inheritable and
  // ambient are cleared. Leave `capabilities` unset for DefaultCapabilities().
  std::optional<std::vector<std::string>> capabilities;
  bool no_new_privs = false;
  // An OCI/Docker seccomp profile (JSON). Empty = no filter.
  std::string seccomp_profile_json;
  std::vector<Rlimit> rlimits;
};

// Docker's default capability set (what containerd and CRI-O grant).
const std::vector<std::string>& DefaultCapabilities();

struct ContainerSpec {
  std::string id;
  std::string rootfs;  // an already-mounted directory (the overlay)
  bool readonly_rootfs = false;
  std::string hostname;                       // set only when uts is kNew
  Namespace net, ipc, uts, pid, mnt, cgroup;  // mnt: kNew always in practice
  // Mounted in order after /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys
  // and /sys/fs/cgroup; a mount with one of those destinations replaces the
  // default one (e.g. the pod's /dev/shm as a bind mount).
  std::vector<Mount> mounts;
  std::vector<std::string> masked_paths;       // /dev/null or an empty ro tmpfs over them
  std::vector<std::string> readonly_paths;     // remounted read-only
  std::map<std::string, std::string> sysctls;  // "net.ipv4.ip_forward" -> "1"
  // cgroup directories (one per v1 hierarchy, or the one v2 dir) the
  // container process joins before anything of the user's runs.
  std::vector<std::string> cgroup_dirs;
  // The files with the cgroup's "oom_kill" counter (v1 memory.oom_control, v2
  // memory.events) the monitor reads to tell an OOM kill; when empty, looked
  // for among cgroup_dirs (which must then exist).
  std::vector<std::string> oom_files;
  ProcessSpec process;
  std::string log_path;   // CRI log file; empty = output discarded
  std::string state_dir;  // created by the caller, empty, on a tmpfs like /run
};

struct CreatedContainer {
  pid_t pid = 0;          // the container process (host pid), waiting for Start
  pid_t monitor_pid = 0;  // its ucr-monitor
};

struct ExitStatus {
  int exit_code = 0;           // exit status, or 128+signal when killed
  int signal = 0;              // the killing signal, 0 if it exited
  int64_t finished_at_ns = 0;  // unix time in ns, taken when the monitor reaped it
  bool oom_killed = false;     // a memory cgroup of the container saw an OOM kill
};

// A command run in a running container's namespaces, cgroups, user, caps.
struct ExecSpec {
  pid_t target_pid = 0;  // the container process (CreatedContainer::pid)
  ProcessSpec process;   // args, env, cwd, user, caps, seccomp, ...
  std::vector<std::string> cgroup_dirs;
};

struct ExecResult {
  int exit_code = 0;  // exit status, or 128+signal
  bool timed_out = false;
  std::string stdout_data;
  std::string stderr_data;
  bool truncated = false;  // output beyond max_output_bytes was dropped
};

// A running exec process (for streaming exec); see SpawnExec.
struct ExecProcess {
  // The `ucr-init exec` helper, our child: wait on it, its exit code is the
  // command's. kill(pid, SIGTERM) kills the command's whole process group.
  pid_t pid = 0;
  // Read end of the helper's status pipe (the caller closes it): one line,
  // "exit <code>" | "error <code> <message>".
  int status_fd = -1;
};

// The files of a container's state_dir.
struct StateFiles {
  static constexpr const char* kMonitorPid = "monitor.pid";      // "<pid> <starttime>"
  static constexpr const char* kContainerPid = "container.pid";  // "<pid> <starttime>"
  static constexpr const char* kStartFifo = "start.fifo";        // Start writes a byte into it
  static constexpr const char* kControlSocket = "ctl.sock";      // monitor control (reopen log)
  static constexpr const char* kAttachSocket = "attach.sock";    // see monitor/attach_protocol.h
  static constexpr const char* kExit = "exit.json";              // written atomically at exit
  static constexpr const char* kMonitorLog = "monitor.log";      // the monitor's own messages
};

// A create begun before the container's spec is complete (Launcher::Begin).
// Dropped without Finish, it is abandoned: ucr-init exits without running
// anything, the monitor records that; the caller's Destroy cleans up.
class PendingLaunch {
 public:
  PendingLaunch(PendingLaunch&& other) noexcept;
  PendingLaunch& operator=(PendingLaunch&&) = delete;
  PendingLaunch(const PendingLaunch&) = delete;
  ~PendingLaunch();

 private:
  friend class Launcher;
  PendingLaunch() = default;
  // An abandoned launch's monitor exits by itself (ucr-init gets EOF and
  // exits 1, the monitor records that): waits up to a few seconds for it, so
  // that the caller's clean-up of the state dir does not race its last files.
  void WaitForMonitorExit();
  std::string state_dir_;
  UniqueFd sync_read_;
  UniqueFd spec_write_;     // ucr-init reads its spec from the other end
  UniqueFd monitor_pidfd_;  // until Finish succeeds
};

struct LauncherOptions {
  std::string monitor_binary;  // ucr-monitor
  std::string init_binary;     // ucr-init
  // Monitors kept started ahead of creates (spare_monitors.h); 0: none.
  int spare_monitors = 0;
  // Next to the running executable if present there, else the build tree's.
  static LauncherOptions Defaults();
};

class SpareMonitors;

class Launcher {
 public:
  explicit Launcher(LauncherOptions options = LauncherOptions::Defaults());
  ~Launcher();

  // Creates the container (OCI "create"): starts its monitor, sets up its
  // namespaces, mounts, cgroups, user, capabilities, seccomp, and leaves the
  // process waiting just before execve. On error nothing is left running and
  // the message says what failed ("exec: \"x\": executable file not found in
  // $PATH", "mount /src → /dst: ENOENT (...)").
  absl::StatusOr<CreatedContainer> Create(const ContainerSpec& spec);

  // Create in two halves, so that the monitor and ucr-init start up while the
  // caller still prepares the rootfs and the cgroups. Begin uses of `spec`
  // only state_dir, log_path, process.tty/stdin/stdin_once, pid, oom_files and
  // cgroup_dirs (which need not exist yet when oom_files is given); ucr-init
  // then waits. Finish sends ucr-init the complete spec (over a socket, no
  // file), waits for its verdict and returns what Create returns.
  absl::StatusOr<PendingLaunch> Begin(const ContainerSpec& spec);
  absl::StatusOr<CreatedContainer> Finish(PendingLaunch launch, const ContainerSpec& spec);

  // Releases the waiting process: it execs the user's command. Fails if the
  // container is not waiting (already started, or dead).
  absl::Status Start(const std::string& state_dir);

  // Sends `sig` to the container process. OK (nothing done) if it has exited.
  absl::Status Signal(const std::string& state_dir, int sig);

  // The exit status once the monitor reaped the container; nullopt while it runs.
  absl::StatusOr<std::optional<ExitStatus>> ReadExit(const std::string& state_dir);

  // Waits up to `timeout` for the exit status. nullopt on timeout. An error if
  // the monitor died without writing one.
  absl::StatusOr<std::optional<ExitStatus>> WaitExit(const std::string& state_dir,
                                                     std::chrono::milliseconds timeout);

  bool MonitorAlive(const std::string& state_dir);
  // The container process's pid while it runs (checked against pid reuse).
  std::optional<pid_t> ContainerPid(const std::string& state_dir);
  std::optional<pid_t> MonitorPid(const std::string& state_dir);

  // Makes the monitor close and reopen log_path; when this returns, new
  // output goes to the new file.
  absl::Status ReopenLog(const std::string& state_dir);

  // SIGKILLs the container and its monitor if alive and waits (bounded) for
  // them to go. For rollback and removal; the state_dir is left to the caller.
  absl::Status Destroy(const std::string& state_dir);

  // Runs a command in the container and collects its output (at most
  // `max_output_bytes` per stream). After `timeout` the whole exec process
  // group is killed and reaped; then timed_out is set.
  absl::StatusOr<ExecResult> ExecSync(const ExecSpec& spec, std::chrono::milliseconds timeout,
                                      size_t max_output_bytes = 16 << 20);

  // Starts a command in the container with the given stdio fds (-1 =
  // /dev/null) and returns at once (for streaming exec); see ExecProcess.
  // Unlike ExecSync, what the command leaves running in the background is
  // left to the container, as docker exec does.
  absl::StatusOr<ExecProcess> SpawnExec(const ExecSpec& spec, int stdin_fd, int stdout_fd,
                                        int stderr_fd);

  const LauncherOptions& options() const { return options_; }
  // Spare monitors ready now (0 without any).
  size_t SparesReady() const;

 private:
  // Begin with a spare monitor, if one fits `spec` and is ready.
  std::optional<PendingLaunch> BeginWithSpare(const ContainerSpec& spec);

  LauncherOptions options_;
  std::unique_ptr<SpareMonitors> spares_;
};

}  // namespace ucr::runtime
