#include "runtime/launch/spare_monitors.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/child_process.h"
#include "common/log.h"
#include "common/status.h"
#include "runtime/launch/monitor_reaper.h"
#include "runtime/launch/proc_util.h"

namespace ucr::runtime {
namespace {

// A spare starts at idle priority: under sustained load it may take long.
constexpr auto kFirstLineTimeout = std::chrono::seconds(60);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

// Both processes: a monitor at idle priority may not have noticed yet that
// its ucr-init died. A pidfd turns readable when its process exits.
bool Alive(const SpareMonitor& s) {
  struct pollfd p[2] = {{s.pidfd.get(), POLLIN, 0}, {s.init_pidfd.get(), POLLIN, 0}};
  return s.pidfd && s.init_pidfd && ::poll(p, 2, 0) == 0;
}

}  // namespace

SpareMonitors::SpareMonitors(std::string monitor_binary, std::string init_binary, int count)
    : monitor_binary_(std::move(monitor_binary)),
      init_binary_(std::move(init_binary)),
      count_(static_cast<size_t>(std::max(count, 1))),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::thread([this] { RefillLoop(); });
}

SpareMonitors::~SpareMonitors() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  if (wake_) (void)!::write(wake_.get(), &one, sizeof one);
  refill_.notify_all();
  thread_.join();
  // ready_'s sockets close with it: each spare's monitor sees EOF and exits,
  // its ucr-init gets EOF on the spec and exits too; the reaper reaps them.
}

size_t SpareMonitors::Ready() {
  std::lock_guard lock(mu_);
  return ready_.size();
}

std::optional<SpareMonitor> SpareMonitors::Take() {
  // Never wait for the refill thread: it runs at idle priority.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || stop_) return std::nullopt;
  while (!ready_.empty()) {
    SpareMonitor s = std::move(ready_.front());
    ready_.pop_front();
    refill_.notify_one();
    if (!Alive(s)) continue;  // killed from outside: the next one
    lock.unlock();
    if (SetNormalPriority(s.monitor) && SetNormalPriority(s.init)) return s;
    const int err = errno;
    lock.lock();
    if (err != EPERM) continue;  // it died meanwhile: dropped, the next one
    // Not allowed (no CAP_SYS_NICE): the next ones would fare no better.
    log::Warn("spare monitors: cannot raise spare %d from idle priority (%s): creates start their own monitors",
              s.monitor, std::strerror(err));
    stop_ = true;
    ready_.clear();
    refill_.notify_one();
    return std::nullopt;  // dropped: it exits
  }
  return std::nullopt;
}

absl::StatusOr<SpareMonitor> SpareMonitors::StartOne() {
  int sync[2], assign[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return LastErrnoError("pipe");
  SpareMonitor s;
  s.sync_read.reset(sync[0]);
  UniqueFd sync_write(sync[1]);
  UCR_ASSIGN_OR_RETURN(SpecChannel spec, MakeSpecChannel());
  s.spec_write = std::move(spec.ucrd);
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, assign) != 0) return LastErrnoError("socketpair");
  s.assign.reset(assign[0]);
  UniqueFd assign_read(assign[1]);
  UCR_ASSIGN_OR_RETURN(
      s.monitor, SpawnHelper({monitor_binary_, "--spare", "--init", init_binary_, "--pidns-new", "--sync-fd",
                              "3", "--spec-fd", "4", "--assign-fd", "5"},
                             {{3, sync_write.get()}, {4, spec.init.get()}, {5, assign_read.get()}}));
  s.pidfd = WatchAndReapWhenItExits(s.monitor);
  if (!s.pidfd) return LastErrnoError("pidfd of the spare monitor");
  sync_write.reset();
  // Its first line: "spare <ucr-init's pid>" once ucr-init is forked, or an error.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + kFirstLineTimeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("spare monitor: no word from it in 60 s");
    struct pollfd p[2] = {{s.sync_read.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    int r = ::poll(p, 2, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return LastErrnoError("poll");
    if (p[1].revents) return absl::CancelledError("stopping");
    if (!p[0].revents) continue;
    // Nothing follows this line until the spare is assigned: reading a
    // chunk cannot take what belongs to the launch.
    char chunk[256];
    ssize_t n = ::read(s.sync_read.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(absl::StrCat("spare monitor exited: ", line));
    line.append(chunk, static_cast<size_t>(n));
  }
  absl::string_view first = absl::StripSuffix(line, "\n");
  if (!absl::ConsumePrefix(&first, "spare ") || !absl::SimpleAtoi(first, &s.init) || s.init <= 0)
    return absl::InternalError(absl::StrCat("spare monitor: ", line));
  // Its pid is fresh (pids are handed out in turn, not reused within moments):
  // should it have died already, the pidfd says so at Take().
  s.init_pidfd = OpenPidfd(s.init);
  if (!s.init_pidfd) return LastErrnoError("pidfd of the spare's ucr-init");
  return s;
}

void SpareMonitors::RefillLoop() {
  // Per thread on Linux: this thread, and so the spares it spawns, get CPU
  // only when nothing else wants it.
  struct sched_param none = {};
  if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0)
    log::Warn("spare monitors: cannot use idle priority (%s): spares start at normal priority",
              std::strerror(errno));
  int failures = 0;
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (ready_.size() >= count_) {
      refill_.wait(lock);
      continue;
    }
    lock.unlock();
    absl::StatusOr<SpareMonitor> spare = StartOne();
    lock.lock();
    if (stop_) break;  // a spare started meanwhile is dropped: it exits
    if (spare.ok()) {
      ready_.push_back(std::move(*spare));
      failures = 0;
      continue;
    }
    // A broken monitor or init binary must not make us spin.
    auto backoff = std::min<std::chrono::milliseconds>(kMaxBackoff, std::chrono::milliseconds(100 << std::min(failures, 9)));
    if (failures++ == 0) log::Warn("spare monitors: %s (retrying)", spare.status().ToString());
    refill_.wait_for(lock, backoff, [this] { return stop_.load(); });
  }
}

}  // namespace ucr::runtime
