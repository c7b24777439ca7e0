// Small process helpers for the launcher: pid files that survive pid reuse,
// spawning the helpers with exact fds, waiting with deadlines.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::runtime {

// Field 22 of /proc/<pid>/stat (start time in clock ticks); nullopt if gone.
std::optional<unsigned long long> ProcessStartTime(pid_t pid);

// Reads "<pid> <starttime>"; returns the pid only if that very process still
// exists (not a zombie), so a reused pid is never signalled.
std::optional<pid_t> ReadLivePidFile(const std::string& path);

// fork+exec `argv` in a new session; the child gets `fds` as (target, source)
// pairs, /dev/null on 0-2 unless given, and no other fd of ours.
absl::StatusOr<pid_t> SpawnHelper(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<int, int>>& fds);

// Waits up to `timeout` for `pid` (any process, not only our children) to
// exit. True once it is gone.
bool WaitGone(pid_t pid, std::chrono::milliseconds timeout);

// The socket ucrd sends ucr-init its spec on. A socket, not a pipe: send()
// with MSG_NOSIGNAL to a ucr-init that died is an error to report, not a
// SIGPIPE. ucrd's end has a send timeout (60 s), so that a ucr-init that
// stops reading cannot hang a create (specs beyond the socket buffer block).
struct SpecChannel {
  UniqueFd ucrd;
  UniqueFd init;
};
absl::StatusOr<SpecChannel> MakeSpecChannel();

// Back from SCHED_IDLE (see spare_monitors.h) to SCHED_OTHER; pid 0: the
// calling thread. False with errno set when refused.
bool SetNormalPriority(pid_t pid);

}  // namespace ucr::runtime
