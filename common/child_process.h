// Child processes with RAII: a ChildProcess that goes out of scope without
// Wait() or Detach() is killed and reaped, so error paths never leak processes.
#pragma once

#include "absl/strings/string_view.h"
#include <spawn.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr {

// pidfd_open(2): an fd that turns readable once `pid` has exited. Invalid,
// with errno set (ESRCH: no such process), when there is none to be had.
UniqueFd OpenPidfd(pid_t pid);

// Waits up to `timeout` for `pidfd` to turn readable: true once its process
// has exited, false on timeout or error.
bool WaitPidfd(int pidfd, std::chrono::milliseconds timeout);

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Adds to `actions` what gives the child each (target, source) pair of `fds`,
// whatever the numbers: every source is first lifted above all targets and
// sources, so that no dup2 overwrites a source still to be moved, and the
// lifted copies are closed after; targets 0-2 not given get /dev/null.
// Returns the highest target (at least 2).
absl::StatusOr<int> AddFdMappings(posix_spawn_file_actions_t* actions,
                                  const std::vector<std::pair<int, int>>& fds);

struct SpawnOptions {
  std::vector<std::string> argv;
  // Full environment; empty means "inherit ours".
  std::optional<std::vector<std::string>> env;
  // fds for the child's stdin/stdout/stderr; -1 means /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // setsid() in the child: its own session and process group (kill the group).
  bool new_session = false;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  static absl::StatusOr<ChildProcess> Spawn(const SpawnOptions& options);

  pid_t pid() const { return pid_; }
  // Blocks until the child exits; returns its wait status.
  absl::StatusOr<int> Wait();
  // Waits up to `timeout`; std::nullopt if it is still running.
  absl::StatusOr<std::optional<int>> WaitFor(std::chrono::milliseconds timeout);
  // Leaves the child running; it is no longer ours to reap.
  pid_t Detach() { return std::exchange(pid_, -1); }
  void Kill(int sig);

 private:
  pid_t pid_ = -1;
};

struct CommandResult {
  int exit_code = -1;   // exit status, or 128+signal
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv to completion with `input` on stdin, capturing stdout and stderr.
// After `timeout` the child's whole process group is SIGKILLed.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::optional<std::vector<std::string>>& env,
                                         absl::string_view input,
                                         std::chrono::milliseconds timeout);

// A wait status as "exit code" (128+signal for a signal), the shell's way.
int ExitCodeFromWaitStatus(int status);

}  // namespace ucr
