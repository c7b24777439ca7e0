#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr {

int ExitCodeFromWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    ChildProcess doomed(std::exchange(pid_, std::exchange(other.pid_, -1)));
  }
  return *this;
}

absl::StatusOr<ChildProcess> ChildProcess::Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("spawn: empty argv");
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.env) {
    for (const auto& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  // A pipe closed on exec tells the parent whether exec succeeded, and if not, why.
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  pid_t pid = ::fork();
  if (pid < 0) return LastErrnoError(absl::StrCat("fork for ", options.argv[0]));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD}) signal(s, SIG_DFL);
    if (options.new_session) setsid();
    int null_fd = ::open("/dev/null", O_RDWR);
    int fds[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
    for (int i = 0; i < 3; ++i) {
      int src = fds[i] >= 0 ? fds[i] : null_fd;
      if (src >= 0 && ::dup2(src, i) < 0) {
        int e = errno;
        ssize_t w = ::write(err_write.get(), &e, sizeof e);
        (void)w;
        _exit(127);
      }
    }
    if (options.env) {
      ::execve(argv[0], argv.data(), envp.data());
    } else {
      ::execv(argv[0], argv.data());
    }
    int e = errno;
    ssize_t w = ::write(err_write.get(), &e, sizeof e);
    (void)w;
    _exit(127);
  }
  err_write.reset();
  ChildProcess child(pid);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    (void)child.Wait();
    return ErrnoError(child_errno, absl::StrCat("exec ", options.argv[0]));
  }
  return child;
}

absl::StatusOr<int> ChildProcess::Wait() {
  if (pid_ <= 0) return absl::FailedPreconditionError("wait: no child");
  int status;
  for (;;) {
    if (::waitpid(pid_, &status, 0) >= 0) break;
    if (errno != EINTR) return LastErrnoError(absl::StrCat("waitpid ", pid_));
  }
  pid_ = -1;
  return status;
}

absl::StatusOr<std::optional<int>> ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("wait: no child");
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd) return LastErrnoError(absl::StrCat("pidfd_open ", pid_));
  struct pollfd p = {pidfd.get(), POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return LastErrnoError("poll pidfd");
  if (r == 0) return std::optional<int>();
  UCR_ASSIGN_OR_RETURN(int status, Wait());
  return std::optional<int>(status);
}

void ChildProcess::Kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::optional<std::vector<std::string>>& env,
                                         absl::string_view input,
                                         std::chrono::milliseconds timeout) {
  int in_p[2], out_p[2], err_p[2];
  if (::pipe2(in_p, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd in_r(in_p[0]), in_w(in_p[1]);
  if (::pipe2(out_p, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd out_r(out_p[0]), out_w(out_p[1]);
  if (::pipe2(err_p, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  UniqueFd err_r(err_p[0]), err_w(err_p[1]);

  SpawnOptions opts{argv, env, in_r.get(), out_w.get(), err_w.get(), /*new_session=*/true};
  UCR_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::Spawn(opts));
  in_r.reset();
  out_w.reset();
  err_w.reset();
  for (int fd : {in_w.get(), out_r.get(), err_r.get()}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
  if (input.empty()) in_w.reset();

  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  char buf[16384];
  while (out_r.valid() || err_r.valid()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-child.pid(), SIGKILL);
      break;
    }
    struct pollfd fds[3] = {{in_w.get(), POLLOUT, 0}, {out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
    int r = ::poll(fds, 3, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return LastErrnoError("poll command pipes");
    if (r <= 0) continue;
    if (in_w.valid() && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(in_w.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN) in_w.reset();
      if (written == input.size()) in_w.reset();
    }
    UniqueFd* readers[2] = {&out_r, &err_r};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (!readers[i]->valid() || !(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(readers[i]->get(), buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EAGAIN) {
        readers[i]->reset();
      }
    }
  }
  in_w.reset();
  UCR_ASSIGN_OR_RETURN(int status, child.Wait());
  result.exit_code = ExitCodeFromWaitStatus(status);
  return result;
}

}  // namespace ucr
