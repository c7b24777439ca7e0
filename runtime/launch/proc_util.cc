#include "runtime/launch/proc_util.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/close_range.h>
#include <spawn.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/child_process.h"
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
  SpawnSetup setup;
  UCR_ASSIGN_OR_RETURN(int max_target, AddFdMappings(&setup.actions, fds));
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, max_target + 1);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, args[0], &setup.actions, &setup.attr, args.data(), ::environ);
  if (err != 0) return ErrnoError(err, absl::StrCat("spawn ", argv[0]));
  return pid;
}

absl::StatusOr<SpecChannel> MakeSpecChannel() {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return LastErrnoError("socketpair");
  SpecChannel c{UniqueFd(ends[0]), UniqueFd(ends[1])};
  struct timeval send_timeout = {60, 0};
  if (::setsockopt(c.ucrd.get(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout) != 0)
    return LastErrnoError("spec socket send timeout");
  return c;
}

bool SetNormalPriority(pid_t pid) {
  struct sched_param normal = {};
  return ::sched_setscheduler(pid, SCHED_OTHER, &normal) == 0;
}

bool WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  UniqueFd fd = OpenPidfd(pid);
  if (!fd) return errno == ESRCH;
  return WaitPidfd(fd.get(), timeout);
}

}  // namespace ucr::runtime
