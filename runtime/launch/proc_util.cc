#include "runtime/launch/proc_util.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  if (f.size() != 2 || !absl::SimpleAtoi(f[0], &pid) || !absl::SimpleAtoi(f[1], &start) ||
      pid <= 0)
    return std::nullopt;
  auto now = ProcessStartTime(pid);
  if (!now || *now != start) return std::nullopt;
  return pid;
}

absl::StatusOr<pid_t> SpawnHelper(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<int, int>>& fds) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int max_target = 2;
  for (const auto& [target, source] : fds) max_target = std::max(max_target, target);
  pid_t pid = ::fork();
  if (pid < 0) return LastErrnoError(absl::StrCat("fork for ", argv[0]));
  if (pid > 0) return pid;
  // Child of a threaded process: async-signal-safe calls only.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < 32; ++s) signal(s, SIG_DFL);
  setsid();
  int null_fd = ::open("/dev/null", O_RDWR);
  // Lift every source above all targets first, so no dup2 clobbers another.
  int lifted[16];
  size_t n = fds.size() < 16 ? fds.size() : 16;
  for (size_t i = 0; i < n; ++i) lifted[i] = ::fcntl(fds[i].second, F_DUPFD, 100);
  int high_null = ::fcntl(null_fd, F_DUPFD, 100);
  for (int t = 0; t <= 2; ++t) ::dup2(high_null, t);
  for (size_t i = 0; i < n; ++i) {
    if (lifted[i] < 0 || ::dup2(lifted[i], fds[i].first) < 0) _exit(126);
  }
  ::syscall(SYS_close_range, max_target + 1, ~0U, 0);
  ::execv(args[0], args.data());
  _exit(127);
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
