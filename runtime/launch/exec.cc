// ExecSync and SpawnExec: `ucr-init exec` does the namespace work in a
// process of its own (setns is per thread and ucrd is threaded).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/child_process.h"
#include "common/log.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/launch/launcher.h"
#include "runtime/launch/proc_util.h"
#include "runtime/launch/spec_json.h"

namespace ucr::runtime {
namespace {

// The exec spec in a memfd: no file to clean up, no pipe to deadlock on.
absl::StatusOr<UniqueFd> SpecMemfd(const ExecSpec& spec) {
  UniqueFd fd(::memfd_create("ucr-exec-spec", MFD_CLOEXEC));
  if (!fd) return LastErrnoError("memfd_create");
  std::string json = ExecSpecToJson(spec);
  if (::write(fd.get(), json.data(), json.size()) != static_cast<ssize_t>(json.size()))
    return LastErrnoError("write exec spec");
  return fd;
}

struct StatusReport {
  std::optional<int> exit_code;
  bool timed_out = false;
  absl::Status error = absl::OkStatus();
};

void ParseStatus(absl::string_view text, StatusReport& r) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    int n = 0;
    if (f[0] == "exit" && f.size() > 1 && absl::SimpleAtoi(f[1], &n)) {
      r.exit_code = n;
    } else if (f[0] == "timeout") {
      r.timed_out = true;
    } else if (f[0] == "error" && r.error.ok()) {
      int code = 13;
      if (f.size() > 1) (void)absl::SimpleAtoi(f[1], &code);
      if (code <= 0 || code > 16) code = 13;
      r.error = absl::Status(static_cast<absl::StatusCode>(code), f.size() > 2 ? f[2] : "");
    }
  }
}

// Appends what `fd` has to `out` (up to `max`); false at EOF.
bool Drain(int fd, std::string& out, size_t max, bool& truncated) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;
    size_t room = max > out.size() ? max - out.size() : 0;
    if (static_cast<size_t>(n) > room) truncated = true;
    out.append(buf, std::min(room, static_cast<size_t>(n)));
  }
}

}  // namespace

absl::StatusOr<ExecProcess> Launcher::SpawnExec(const ExecSpec& spec, int stdin_fd, int stdout_fd,
                                                int stderr_fd) {
  UCR_ASSIGN_OR_RETURN(UniqueFd memfd, SpecMemfd(spec));
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd status_read(p[0]), status_write(p[1]);
  std::vector<std::pair<int, int>> fds = {{3, memfd.get()}, {4, status_write.get()}};
  if (stdin_fd >= 0) fds.push_back({0, stdin_fd});
  if (stdout_fd >= 0) fds.push_back({1, stdout_fd});
  if (stderr_fd >= 0) fds.push_back({2, stderr_fd});
  UCR_ASSIGN_OR_RETURN(pid_t pid, SpawnHelper({options_.init_binary, "exec", "--spec-fd", "3",
                                               "--status-fd", "4", "--keep-orphans", "1"},
                                              fds));
  return ExecProcess{pid, status_read.release()};
}

absl::StatusOr<ExecResult> Launcher::ExecSync(const ExecSpec& spec,
                                              std::chrono::milliseconds timeout,
                                              size_t max_output_bytes) {
  if (spec.process.args.empty()) return absl::InvalidArgumentError("exec: no command given");
  UCR_ASSIGN_OR_RETURN(UniqueFd memfd, SpecMemfd(spec));
  int s[2], o[2], e[2];
  if (::pipe2(s, O_CLOEXEC) || ::pipe2(o, O_CLOEXEC) || ::pipe2(e, O_CLOEXEC))
    return LastErrnoError("pipe");
  UniqueFd status_r(s[0]), status_w(s[1]), out_r(o[0]), out_w(o[1]), err_r(e[0]), err_w(e[1]);
  // Only our ends are non-blocking: O_NONBLOCK on a pipe2() would reach the
  // command's stdout too, and its writes would fail with EAGAIN.
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK);
  std::vector<std::string> argv = {options_.init_binary, "exec", "--spec-fd", "3",
                                   "--status-fd",        "4"};
  if (timeout.count() > 0)
    argv.insert(argv.end(), {"--timeout-ms", std::to_string(timeout.count())});
  UCR_ASSIGN_OR_RETURN(
      pid_t helper,
      SpawnHelper(argv,
                  {{1, out_w.get()}, {2, err_w.get()}, {3, memfd.get()}, {4, status_w.get()}}));
  ChildProcess helper_proc(helper);  // killed and reaped on every path out
  status_w.reset(), out_w.reset(), err_w.reset();

  ExecResult result;
  std::string status_text;
  bool status_open = true, out_open = true, err_open = true;
  // The helper enforces `timeout` itself; this is the backstop if it hangs.
  auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(5);
  bool no_deadline = timeout.count() <= 0;
  while (status_open) {
    struct pollfd p[3] = {{status_r.get(), POLLIN, 0},
                          {out_open ? out_r.get() : -1, POLLIN, 0},
                          {err_open ? err_r.get() : -1, POLLIN, 0}};
    int wait_ms = -1;
    if (!no_deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int r = ::poll(p, 3, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // backstop reached
    if (p[1].revents)
      out_open = Drain(out_r.get(), result.stdout_data, max_output_bytes, result.truncated);
    if (p[2].revents)
      err_open = Drain(err_r.get(), result.stderr_data, max_output_bytes, result.truncated);
    if (p[0].revents) {
      char buf[1024];
      ssize_t n = ::read(status_r.get(), buf, sizeof buf);
      if (n > 0)
        status_text.append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR)
        status_open = false;
    }
  }
  StatusReport report;
  ParseStatus(status_text, report);
  if (status_open) {  // the helper hung: kill everything it started
    ::kill(-helper, SIGKILL);
    report.timed_out = true;
  }
  // Whatever is still in the pipes was written before the command exited.
  if (out_open) Drain(out_r.get(), result.stdout_data, max_output_bytes, result.truncated);
  if (err_open) Drain(err_r.get(), result.stderr_data, max_output_bytes, result.truncated);
  UCR_ASSIGN_OR_RETURN(int wait_status, helper_proc.Wait());
  log::Debug("exec in pid %d: helper %d said \"%s\", wait status 0x%x", spec.target_pid, helper,
             absl::CEscape(status_text), wait_status);
  if (!report.error.ok()) return report.error;
  result.timed_out = report.timed_out;
  result.exit_code = report.exit_code ? *report.exit_code : ExitCodeFromWaitStatus(wait_status);
  return result;
}

}  // namespace ucr::runtime
