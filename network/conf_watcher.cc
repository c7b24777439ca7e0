#include "network/conf_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "common/log.h"

namespace ucr::network {
namespace {

constexpr uint32_t kEvents = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
constexpr auto kBlindRescanInterval = std::chrono::seconds(1);

}  // namespace

ConfWatcher::ConfWatcher(std::string dir) : dir_(std::move(dir)) {
  inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_) log::Warn("inotify_init1: %s; rescanning %s on every use", strerror(errno), dir_);
  TryWatch();
}

bool ConfWatcher::TryWatch() {
  if (!inotify_) return false;
  watch_ = ::inotify_add_watch(inotify_.get(), dir_.c_str(), kEvents);
  return watch_ >= 0;
}

// Reads every queued event; true if there was any. A removed or moved dir
// drops the watch (IN_IGNORED), and the next Changed() tries to watch again.
bool ConfWatcher::DrainEvents() {
  alignas(struct inotify_event) char buf[4096];
  bool any = false;
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
    if (n <= 0) break;
    any = true;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (watch_ >= 0 && !(ev->mask & IN_IGNORED)) ::inotify_rm_watch(inotify_.get(), watch_);
        watch_ = -1;
      }
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  return any;
}

bool ConfWatcher::Changed() {
  if (!inotify_) return true;
  bool changed = std::exchange(first_, false);
  if (watch_ >= 0 && DrainEvents()) changed = true;
  if (watch_ < 0) {
    // No watch: the dir is missing (or was just replaced). Try again, and
    // rescan blindly now and then until a watch holds.
    bool watching = TryWatch();
    auto now = std::chrono::steady_clock::now();
    if (watching || now - last_blind_rescan_ >= kBlindRescanInterval) {
      last_blind_rescan_ = now;
      changed = true;
    }
  }
  return changed;
}

}  // namespace ucr::network
