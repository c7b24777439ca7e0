#include "runtime/launch/monitor_reaper.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/unique_fd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace ucr::runtime {
namespace {

// One epoll set of pidfds: a pidfd turns readable when its process exits.
class Reaper {
 public:
  Reaper() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    std::thread([this] { Run(); }).detach();
  }

  absl::Status Add(pid_t pid) {
    if (!epoll_) return absl::InternalError("monitor reaper: no epoll instance");
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return LastErrnoError(absl::StrCat("pidfd_open ", pid));
    struct epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      absl::Status st = LastErrnoError(absl::StrCat("epoll_ctl pidfd of ", pid));
      ::close(fd);
      return st;
    }
    return absl::OkStatus();
  }

 private:
  [[noreturn]] void Run() {
    struct epoll_event events[64];
    for (;;) {
      int n = ::epoll_wait(epoll_.get(), events, 64, -1);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        siginfo_t info = {};
        // Readable means exited: the wait does not block.
        if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED) == 0 ||
            errno == ECHILD) {
          ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
          ::close(fd);
        }
      }
    }
  }

  UniqueFd epoll_;
};

}  // namespace

absl::Status ReapWhenItExits(pid_t pid) {
  static Reaper* reaper = new Reaper();  // lives as long as the process
  return reaper->Add(pid);
}

}  // namespace ucr::runtime
