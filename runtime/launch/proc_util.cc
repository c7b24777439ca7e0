#include "runtime/launch/proc_util.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr::runtime {

std::optional<unsigned long long> ProcessStartTime(pid_t pid) {
  auto stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return std::nullopt;
  size_t paren = stat->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(*stat).substr(paren + 2), ' ');
  // f[0] is field 3 (state); the start time is field 22.
  if (f.size() < 20 || f[0] == "Z" || f[0] == "X") return std::nullopt;
  unsigned long long t;
  if (!absl::SimpleAtoi(f[19], &t)) return std::nullopt;
  return t;
}

std::optional<pid_t> ReadLivePidFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::StripAsciiWhitespace(*text), ' ', absl::SkipEmpty());
  pid_t pid;
  unsigned long long start;
  if (f.size() != 2 || !absl::SimpleAtoi(f[0], &pid) || !absl::SimpleAtoi(f[1], &start) || pid <= 0)
    return std::nullopt;
  auto now = ProcessStartTime(pid);
  if (!now || *now != start) return std::nullopt;
  return pid;
}

absl::StatusOr<pid_t> SpawnHelper(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<int, int>>& fds) {
  // posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc) instead of fork: a
  // threaded ucrd with a large heap pays nothing for page tables it copies.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  int max_target = 2, max_fd = 2;
  for (const auto& [target, source] : fds) {
    max_target = std::max(max_target, target);
    max_fd = std::max({max_fd, target, source});
  }
  // Lift every source above all targets and all sources first, so that no
  // dup2 clobbers another, then put them in place; /dev/null on stdio not
  // given. (A fixed lift base once let sources that happened to sit there,
  // in a ucrd with ~100 fds open, be overwritten: the helper got the wrong
  // pipes.)
  const int lift = max_fd + 1;
  for (size_t i = 0; i < fds.size(); ++i)
    posix_spawn_file_actions_adddup2(&actions, fds[i].second, lift + static_cast<int>(i));
  for (int t = 0; t <= 2; ++t) {
    bool given = false;
    for (const auto& f : fds) given |= f.first == t;
    if (!given) posix_spawn_file_actions_addopen(&actions, t, "/dev/null", O_RDWR, 0);
  }
  for (size_t i = 0; i < fds.size(); ++i)
    posix_spawn_file_actions_adddup2(&actions, lift + static_cast<int>(i), fds[i].first);
  posix_spawn_file_actions_addclosefrom_np(&actions, max_target + 1);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), ::environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return ErrnoError(err, absl::StrCat("spawn ", argv[0]));
  return pid;
}

bool WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  struct pollfd p = {fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  ::close(fd);
  return r > 0;
}

}  // namespace ucr::runtime
