#include "runtime/launch/monitor_reaper.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/child_process.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "runtime/launch/proc_util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace ucr::runtime {
namespace {

// Monitors are reaped through pidfds in an epoll set (a pidfd turns readable
// when its process exits). One that got no pidfd (out of fds, say) is polled
// with waitpid(WNOHANG) once a second instead, so it never stays a zombie.
class Reaper {
 public:
  Reaper() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    std::thread([this] { Run(); }).detach();
  }

  void Add(pid_t pid) {
    int fd = epoll_ ? OpenPidfd(pid).release() : -1;
    struct epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = (static_cast<uint64_t>(pid) << 32) | static_cast<uint32_t>(fd);
    if (fd >= 0 && ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0) return;
    if (fd >= 0) ::close(fd);
    static std::atomic<bool> said{false};
    if (!said.exchange(true)) log::Warn("monitor reaper: no pidfd for pid %d (%s): polling instead", pid, strerror(errno));
    absl::MutexLock lock(&mu_);
    polled_.push_back(pid);
  }

 private:
  [[noreturn]] void Run() {
    // Normal priority whoever started us (the spare monitors' refill thread,
    // at SCHED_IDLE, often does): exited monitors must not wait for idle CPU.
    (void)SetNormalPriority(0);
    struct epoll_event events[64];
    for (;;) {
      int n = epoll_ ? ::epoll_wait(epoll_.get(), events, 64, 1000) : 0;
      if (n < 0) {
        if (errno != EINTR) ::sleep(1);  // never a tight loop
        continue;
      }
      if (!epoll_) ::sleep(1);
      for (int i = 0; i < n; ++i) Reap(events[i].data.u64);
      SweepPolled();
    }
  }

  // Its pidfd is readable: the monitor has exited, the wait does not block.
  void Reap(uint64_t data) {
    const int fd = static_cast<int>(data & 0xffffffffu);
    const pid_t pid = static_cast<pid_t>(data >> 32);
    siginfo_t info = {};
    int r;
    do {
      r = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED | WNOHANG);
    } while (r != 0 && errno == EINTR);
    if (r == 0 && info.si_pid == 0) return;  // not waitable yet: the next wake-up reaps it
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    if (r != 0 && errno != ECHILD) {  // a kernel without P_PIDFD: by pid then
      absl::MutexLock lock(&mu_);
      polled_.push_back(pid);
    }
  }

  void SweepPolled() {
    absl::MutexLock lock(&mu_);
    std::vector<pid_t> still;
    for (pid_t pid : polled_) {
      if (::waitpid(pid, nullptr, WNOHANG) == 0) still.push_back(pid);
    }
    polled_.swap(still);
  }

  UniqueFd epoll_;
  absl::Mutex mu_;
  std::vector<pid_t> polled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void ReapWhenItExits(pid_t pid) {
  static Reaper* reaper = new Reaper();  // lives as long as the process
  reaper->Add(pid);
}

UniqueFd WatchAndReapWhenItExits(pid_t pid) {
  UniqueFd pidfd = OpenPidfd(pid);
  ReapWhenItExits(pid);
  return pidfd;
}

}  // namespace ucr::runtime
