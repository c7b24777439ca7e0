#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/unique_fd.h"

extern char** environ;

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

absl::StatusOr<int> AddFdMappings(posix_spawn_file_actions_t* actions,
                                  const std::vector<std::pair<int, int>>& fds) {
  int max_target = 2, max_fd = 2;
  for (const auto& [target, source] : fds) {
    max_target = std::max(max_target, target);
    max_fd = std::max({max_fd, target, source});
  }
  // (A fixed lift base once let sources that happened to sit there, in a
  // ucrd with ~100 fds open, be overwritten: a helper got the wrong pipes.)
  const int lift = max_fd + 1;
  int r = 0;
  for (size_t i = 0; i < fds.size() && r == 0; ++i)
    r = posix_spawn_file_actions_adddup2(actions, fds[i].second, lift + static_cast<int>(i));
  for (int t = 0; t <= 2 && r == 0; ++t) {
    bool given = false;
    for (const auto& f : fds) given |= f.first == t;
    if (!given) r = posix_spawn_file_actions_addopen(actions, t, "/dev/null", O_RDWR, 0);
  }
  for (size_t i = 0; i < fds.size() && r == 0; ++i) {
    r = posix_spawn_file_actions_adddup2(actions, lift + static_cast<int>(i), fds[i].first);
    if (r == 0) r = posix_spawn_file_actions_addclose(actions, lift + static_cast<int>(i));
  }
  if (r != 0) return ErrnoError(r, "posix_spawn file actions");
  return max_target;
}

// posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK) rather than fork():
// ucrd's page tables are not copied for a child that execs at once, which
// saves a millisecond or two per CNI plugin call. Exec errors come back as
// its return value.
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
  SpawnSetup setup;
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD}) sigaddset(&defaults, s);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&setup.attr, flags);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  std::vector<std::pair<int, int>> fds;
  const int stdio[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
  for (int i = 0; i < 3; ++i)
    if (stdio[i] >= 0) fds.emplace_back(i, stdio[i]);
  UCR_RETURN_IF_ERROR(
      Annotate(AddFdMappings(&setup.actions, fds).status(), absl::StrCat("spawn ", options.argv[0])));
  pid_t pid = -1;
  int r = ::posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(),
                        options.env ? envp.data() : environ);
  if (r != 0) return ErrnoError(r, absl::StrCat("exec ", options.argv[0]));
  return ChildProcess(pid);
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

UniqueFd OpenPidfd(pid_t pid) { return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

bool WaitPidfd(int pidfd, std::chrono::milliseconds timeout) {
  struct pollfd p = {pidfd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

absl::StatusOr<std::optional<int>> ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("wait: no child");
  UniqueFd pidfd = OpenPidfd(pid_);
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
