#include "runtime/launch/init/exec_child.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/child_process.h"
#include "common/status.h"
#include "runtime/launch/init/namespaces.h"
#include "runtime/launch/init/process.h"
#include "runtime/launch/init/report.h"
#include "runtime/launch/spec_json.h"

namespace ucr::runtime::init {
namespace {

void StatusLine(int fd, const std::string& line) {
  std::string l = line + "\n";
  ssize_t w = ::write(fd, l.data(), l.size());
  (void)w;
}

absl::StatusOr<std::string> ReadAll(int fd) {
  std::string out;
  char buf[8192];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrnoError("read exec spec");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
}

// In the forked child, inside the container's pid namespace.
[[noreturn]] void ExecInContainer(const ExecSpec& spec, int status_fd) {
  // Its own process group, so that a timeout kills all of it; with a tty (a
  // pty slave on stdin from the caller) its own session with that terminal.
  if (spec.process.tty && ::isatty(0)) {
    ::setsid();
    ::ioctl(0, TIOCSCTTY, 0);
  } else {
    ::setpgid(0, 0);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::umask(022);
  Reporter report(status_fd);
  absl::Status s = EnterCwd(spec.process.cwd, /*create=*/false);
  absl::StatusOr<std::string> exe;
  if (s.ok()) exe = FindExecutable(spec.process);
  if (s.ok() && !exe.ok()) s = exe.status();
  if (s.ok()) s = DropPrivileges(spec.process);
  if (!s.ok()) {
    report.Error(s);
    _exit(127);
  }
  report.Close();
  ExecCommand(*exe, spec.process);
  _exit(127);
}

long long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// SIGKILLs our children (read from the container's /proc) and reaps until
// none is left; orphans of the command land on us as we are a subreaper.
void KillAndReapChildren() {
  for (;;) {
    auto kids = ReadFile("/proc/thread-self/children");
    if (kids.ok()) {
      for (absl::string_view k : absl::StrSplit(*kids, ' ', absl::SkipEmpty())) {
        pid_t pid;
        if (absl::SimpleAtoi(k, &pid)) ::kill(pid, SIGKILL);
      }
    }
    if (::waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) return;
  }
}

// The reaper, in the container's pid namespace: a subreaper there, so the
// command's descendants never become zombies under the container's init
// (a subreaper in the host namespace cannot adopt them). SIGTERM kills the
// command's process group. Exits with the command's exit code.
[[noreturn]] void RunReaper(const ExecSpec& spec, int status_fd, bool reap_all) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Blocked (inherited) and taken with sigwaitinfo: no lost wake-ups.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  pid_t cmd = ::fork();
  if (cmd < 0) {
    // Say why: an exit code alone (126) hides it from the caller.
    StatusLine(status_fd, absl::StrCat("error ", static_cast<int>(absl::StatusCode::kInternal),
                                       " fork in the container's pid namespace: ", strerror(errno)));
    _exit(126);
  }
  if (cmd == 0) ExecInContainer(spec, status_fd);
  ::close(status_fd);
  int code = -1;
  while (code < 0) {
    int st;
    pid_t got;
    while ((got = ::waitpid(-1, &st, WNOHANG)) > 0) {
      if (got == cmd) code = ExitCodeFromWaitStatus(st);
    }
    if (code >= 0) break;
    siginfo_t info;
    if (::sigwaitinfo(&set, &info) > 0 && info.si_signo != SIGCHLD) {
      ::kill(-cmd, SIGKILL);
      ::kill(cmd, SIGKILL);
    }
  }
  if (reap_all) {
    ::kill(-cmd, SIGKILL);
    KillAndReapChildren();
  }
  _exit(code);
}

// Asks the reaper to kill the command (SIGTERM), and kills it outright if it
// has not finished within 2 s.
void StopReaper(pid_t reaper, int pidfd) {
  ::kill(reaper, SIGTERM);
  struct pollfd p = {pidfd, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) ::kill(reaper, SIGKILL);
}

}  // namespace

void ExecCommand(const std::string& executable, const ProcessSpec& process) {
  std::vector<char*> argv, envp;
  for (const auto& a : process.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : process.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(executable.c_str(), argv.data(), envp.data());
  fprintf(stderr, "ucr-init: exec %s: %s\n", executable.c_str(), strerror(errno));
}

int RunExec(int spec_fd, int status_fd, int timeout_ms, bool reap_all) {
  Reporter report(status_fd);
  absl::StatusOr<std::string> text = ReadAll(spec_fd);
  absl::StatusOr<ExecSpec> spec =
      text.ok() ? ExecSpecFromJson(*text) : absl::StatusOr<ExecSpec>(text.status());
  absl::Status s = spec.status();
  if (s.ok()) s = JoinCgroups(spec->cgroup_dirs);
  if (s.ok()) s = JoinProcessNamespaces(spec->target_pid);
  if (!s.ok()) {
    report.Error(s);
    return 126;
  }
  // SIGTERM/SIGINT/SIGHUP stop the command (through the reaper).
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, sig);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC);
  pid_t reaper = ::fork();
  if (reaper < 0) {
    report.Error(LastErrnoError("fork"));
    return 126;
  }
  if (reaper == 0) {
    ::close(sfd);
    RunReaper(*spec, status_fd, reap_all);
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, reaper, 0));
  long long deadline = timeout_ms > 0 ? NowMs() + timeout_ms : 0;
  bool timed_out = false;
  for (;;) {
    struct pollfd p[2] = {{pidfd, POLLIN, 0}, {sfd, POLLIN, 0}};
    int wait_ms = deadline ? static_cast<int>(std::max(0LL, deadline - NowMs())) : -1;
    int r = ::poll(p, 2, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0 && p[0].revents) break;
    if (r == 0 || (r > 0 && p[1].revents)) {
      timed_out = r == 0;
      StopReaper(reaper, pidfd);
      break;
    }
  }
  int st = 0;
  while (::waitpid(reaper, &st, 0) < 0 && errno == EINTR) {
  }
  int code = ExitCodeFromWaitStatus(st);
  StatusLine(status_fd, timed_out ? "timeout" : absl::StrCat("exit ", code));
  return code;
}

}  // namespace ucr::runtime::init
