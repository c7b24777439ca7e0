// Create and Start: spawning the monitor and reading ucr-init's verdict.
#include "runtime/launch/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/log.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/launch/monitor_reaper.h"
#include "runtime/launch/proc_util.h"
#include "runtime/launch/spare_monitors.h"
#include "runtime/launch/spec_json.h"

#ifndef UCR_MONITOR_BUILD_PATH
#define UCR_MONITOR_BUILD_PATH ""
#endif
#ifndef UCR_INIT_BUILD_PATH
#define UCR_INIT_BUILD_PATH ""
#endif

namespace ucr::runtime {
namespace {

constexpr auto kCreateTimeout = std::chrono::seconds(60);
// How long an abandoned or failed launch waits for its monitor to exit.
constexpr auto kAbandonWait = std::chrono::seconds(5);

std::string StatePath(const std::string& dir, const char* name) {
  return absl::StrCat(dir, "/", name);
}

// The monitor's arguments about this container; a spare monitor gets them
// as its assignment.
std::vector<std::string> ContainerMonitorArgs(const ContainerSpec& s) {
  std::vector<std::string> a = {"--state-dir", s.state_dir};
  if (!s.log_path.empty()) a.insert(a.end(), {"--log", s.log_path});
  for (const std::string& f : s.oom_files) a.insert(a.end(), {"--oom-file", f});
  for (const std::string& dir : s.oom_files.empty() ? s.cgroup_dirs : std::vector<std::string>{}) {
    for (const char* f : {"/memory.oom_control", "/memory.events"}) {
      std::string path = absl::StrCat(dir, f);
      if (::access(path.c_str(), R_OK) == 0) a.insert(a.end(), {"--oom-file", path});
    }
  }
  // Without a PID namespace of its own, the container's leftovers outlive its
  // main process; the monitor kills them (see --kill-on-exit in monitor.h).
  // Every hierarchy holds the same processes: the first one will do.
  if (s.pid.mode != NsMode::kNew && !s.cgroup_dirs.empty())
    a.insert(a.end(), {"--kill-on-exit", absl::StrCat(s.cgroup_dirs.front(), "/cgroup.procs")});
  return a;
}

std::vector<std::string> MonitorArgs(const LauncherOptions& o, const ContainerSpec& s) {
  std::vector<std::string> a = {o.monitor_binary, "--init", o.init_binary};
  if (s.process.tty) a.push_back("--tty");
  if (s.process.stdin) a.push_back("--stdin");
  if (s.process.stdin_once) a.push_back("--stdin-once");
  if (s.pid.mode == NsMode::kNew) a.push_back("--pidns-new");
  if (s.pid.mode == NsMode::kJoin) a.insert(a.end(), {"--pidns-join", s.pid.path});
  std::vector<std::string> c = ContainerMonitorArgs(s);
  a.insert(a.end(), c.begin(), c.end());
  a.insert(a.end(), {"--sync-fd", "3", "--spec-fd", "4"});
  return a;
}

// What a spare monitor (spawned as --pidns-new, pipes, no stdin) can run.
bool FitsSpare(const ContainerSpec& s) {
  return !s.process.tty && !s.process.stdin && s.pid.mode == NsMode::kNew;
}

// The whole spec to ucr-init, which reads it up to EOF.
absl::Status SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrnoError("send the spec to ucr-init");
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status Validate(const ContainerSpec& s) {
  if (s.state_dir.empty() || s.state_dir[0] != '/')
    return absl::InvalidArgumentError("container state_dir must be an absolute path");
  if (s.rootfs.empty() || s.rootfs[0] != '/')
    return absl::InvalidArgumentError("container rootfs must be an absolute path");
  if (s.process.args.empty()) return absl::InvalidArgumentError("container has no command");
  if (s.mnt.mode != NsMode::kNew)
    return absl::InvalidArgumentError("a container needs a mount namespace of its own");
  for (const Namespace* ns : {&s.net, &s.ipc, &s.uts, &s.pid, &s.cgroup}) {
    if (ns->mode == NsMode::kJoin && ns->path.empty())
      return absl::InvalidArgumentError("a namespace to join needs a path");
  }
  return absl::OkStatus();
}

// What the monitor and ucr-init said on the sync pipe.
struct Verdict {
  pid_t monitor = 0, container = 0;
  bool ok = false;
  absl::Status error = absl::OkStatus();
  bool complete = false;  // EOF seen before the deadline
};

void ParseLine(absl::string_view line, Verdict& v) {
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 2));
  if (f[0] == "ok") {
    v.ok = true;
    if (f.size() > 1) log::Debug("container set-up phases (us): %s", line.substr(3));
  } else if (f[0] == "monitor" && f.size() > 1) {
    (void)absl::SimpleAtoi(f[1], &v.monitor);
  } else if (f[0] == "pid" && f.size() > 1) {
    (void)absl::SimpleAtoi(f[1], &v.container);
  } else if (f[0] == "warn" && f.size() > 1) {
    static std::atomic<bool> logged{false};  // the same host refusal every time: say it once
    if (!logged.exchange(true)) log::Warn("container set-up: %s", line.substr(5));
  } else if (f[0] == "error" && v.error.ok()) {
    int code = 13;
    if (f.size() > 1) (void)absl::SimpleAtoi(f[1], &code);
    if (code <= 0 || code > 16) code = 13;
    v.error = absl::Status(static_cast<absl::StatusCode>(code), f.size() > 2 ? f[2] : "");
  }
}

Verdict ReadVerdict(int fd, std::chrono::milliseconds timeout = kCreateTimeout) {
  Verdict v;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      v.complete = true;
      break;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  for (absl::string_view line : absl::StrSplit(buf, '\n', absl::SkipEmpty())) ParseLine(line, v);
  return v;
}

}  // namespace

LauncherOptions LauncherOptions::Defaults() {
  LauncherOptions o{UCR_MONITOR_BUILD_PATH, UCR_INIT_BUILD_PATH};
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    std::string monitor = dir + "/ucr-monitor", init = dir + "/ucr-init";
    if (::access(monitor.c_str(), X_OK) == 0 && ::access(init.c_str(), X_OK) == 0)
      o = {monitor, init};
  }
  return o;
}

Launcher::Launcher(LauncherOptions options) : options_(std::move(options)) {
  if (options_.spare_monitors > 0)
    spares_ = std::make_unique<SpareMonitors>(options_.monitor_binary, options_.init_binary,
                                              options_.spare_monitors);
}

Launcher::~Launcher() = default;

size_t Launcher::SparesReady() const { return spares_ ? spares_->Ready() : 0; }

std::optional<PendingLaunch> Launcher::BeginWithSpare(const ContainerSpec& spec) {
  if (!spares_ || !FitsSpare(spec)) return std::nullopt;
  std::optional<SpareMonitor> spare = spares_->Take();
  if (!spare) return std::nullopt;
  std::string assignment;
  for (const std::string& arg : ContainerMonitorArgs(spec)) assignment.append(arg).push_back('\0');
  // One message (SOCK_SEQPACKET). Failing, the spare is dropped (it exits
  // on EOF) and the caller starts a monitor of its own.
  if (::send(spare->assign.get(), assignment.data(), assignment.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(assignment.size()))
    return std::nullopt;
  log::Debug("create %s: spare monitor %d", spec.id, spare->monitor);
  PendingLaunch launch;
  launch.state_dir_ = spec.state_dir;
  launch.sync_read_ = std::move(spare->sync_read);
  launch.spec_write_ = std::move(spare->spec_write);
  launch.monitor_pidfd_ = std::move(spare->pidfd);
  return launch;
}

PendingLaunch::PendingLaunch(PendingLaunch&& other) noexcept
    : state_dir_(std::move(other.state_dir_)),
      sync_read_(std::move(other.sync_read_)),
      spec_write_(std::move(other.spec_write_)),
      monitor_pidfd_(std::move(other.monitor_pidfd_)) {}

PendingLaunch::~PendingLaunch() {
  spec_write_.reset();  // abandoned (or finished): ucr-init sees EOF and exits
  WaitForMonitorExit();  // nothing to wait for once Finish succeeded
}

void PendingLaunch::WaitForMonitorExit() {
  if (!monitor_pidfd_) return;
  (void)WaitPidfd(monitor_pidfd_.get(), kAbandonWait);
  monitor_pidfd_.reset();
}

absl::StatusOr<CreatedContainer> Launcher::Create(const ContainerSpec& spec) {
  UCR_RETURN_IF_ERROR(Validate(spec));
  UCR_ASSIGN_OR_RETURN(PendingLaunch launch, Begin(spec));
  return Finish(std::move(launch), spec);
}

absl::StatusOr<PendingLaunch> Launcher::Begin(const ContainerSpec& spec) {
  const std::string& dir = spec.state_dir;
  if (dir.empty() || dir[0] != '/')
    return absl::InvalidArgumentError("container state_dir must be an absolute path");
  UCR_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  std::string fifo = StatePath(dir, StateFiles::kStartFifo);
  ::unlink(fifo.c_str());
  ::unlink(StatePath(dir, StateFiles::kExit).c_str());
  if (::mkfifo(fifo.c_str(), 0600) != 0) return LastErrnoError(absl::StrCat("mkfifo ", fifo));
  if (std::optional<PendingLaunch> launch = BeginWithSpare(spec)) return std::move(*launch);

  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd sync_read(sync[0]), sync_write(sync[1]);
  UCR_ASSIGN_OR_RETURN(SpecChannel spec_channel, MakeSpecChannel());
  PendingLaunch launch;
  launch.state_dir_ = dir;
  UCR_ASSIGN_OR_RETURN(pid_t monitor, SpawnHelper(MonitorArgs(options_, spec),
                                                  {{3, sync_write.get()}, {4, spec_channel.init.get()}}));
  launch.monitor_pidfd_ = WatchAndReapWhenItExits(monitor);
  launch.sync_read_ = std::move(sync_read);
  launch.spec_write_ = std::move(spec_channel.ucrd);
  return launch;
}

absl::StatusOr<CreatedContainer> Launcher::Finish(PendingLaunch launch, const ContainerSpec& spec) {
  const std::string& dir = launch.state_dir_;
  ContainerSpec full = spec;
  absl::Status ready = Validate(full);
  bool sent = false;
  if (ready.ok()) {
    ready = SendAll(launch.spec_write_.get(), ContainerSpecToJson(full));
    sent = true;
  }
  launch.spec_write_.reset();  // EOF: the spec is complete (or, on error, abandoned)
  if (!ready.ok()) {
    // A send that failed because the monitor or ucr-init gave up: their reason
    // says more than "broken pipe".
    if (sent) {
      Verdict v = ReadVerdict(launch.sync_read_.get(), std::chrono::seconds(5));
      if (!v.error.ok()) ready = v.error;
    }
    launch.WaitForMonitorExit();
    (void)Destroy(dir);
    return Annotate(ready, absl::StrCat("create container ", spec.id));
  }
  Verdict v = ReadVerdict(launch.sync_read_.get());
  if (v.ok && v.error.ok() && v.complete && v.container > 0) {
    launch.monitor_pidfd_.reset();  // it runs on with the container
    return CreatedContainer{v.container, v.monitor};
  }
  (void)Destroy(dir);  // nothing may stay half-created; the monitor records the exit first
  absl::Status error = v.error;
  if (error.ok()) {
    error = v.complete ? absl::InternalError("container set-up exited without a verdict")
                       : absl::DeadlineExceededError("container set-up timed out");
    if (auto exit = ReadExit(dir); exit.ok() && *exit)
      error = Annotate(error, absl::StrCat("exit code ", (*exit)->exit_code));
  }
  return Annotate(error, absl::StrCat("create container ", spec.id));
}

absl::Status Launcher::Start(const std::string& state_dir) {
  std::string fifo = StatePath(state_dir, StateFiles::kStartFifo);
  // Non-blocking: ENXIO means nobody holds it open, i.e. the process is not
  // waiting any more (started already, or dead).
  int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO || errno == ENOENT)
      return absl::FailedPreconditionError(
          absl::StrCat("container in ", state_dir, " is not waiting to start"));
    return LastErrnoError(absl::StrCat("open ", fifo));
  }
  UniqueFd f(fd);
  char byte = 0;
  if (::write(f.get(), &byte, 1) != 1) return LastErrnoError(absl::StrCat("write ", fifo));
  ::unlink(fifo.c_str());
  return absl::OkStatus();
}

}  // namespace ucr::runtime
