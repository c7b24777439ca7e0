// Spare monitors: ucr-monitor + ucr-init pairs started ahead of any create.
//
// Starting the two processes of a container (exec, dynamic set-up of a
// static binary, glibc's CPU probing, a fork) costs ~0.8 ms of CPU here, on
// the critical path of every CreateContainer. A spare has done all of that
// already: its monitor made the stdio pipes and a new pid namespace and
// forked ucr-init, which waits for its spec. Create takes a ready spare and
// only tells it its state dir, log and oom files (`--spare`, monitor.h).
//
// Spares are started by a thread of their own at SCHED_IDLE, so a refill
// yields to every runnable task of ucrd's own CPU cgroup and to any task that
// wakes up, and does not slow the create that emptied the pool (other CPU
// cgroups still share the CPU with ucrd's by their weights, as they would).
// Take() raises the two processes to SCHED_OTHER before handing them out
// (ucr-init checks again, so the user's command never runs idle).
// Only plain containers fit a spare: no tty, no stdin, a pid namespace of
// their own (kubelet's default); the rest start their monitor at create.
// A spare exits when its assignment socket closes: when ucrd drops it, stops,
// or dies. It has no state dir and leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::runtime {

struct SpareMonitor {
  pid_t monitor = 0;
  pid_t init = 0;        // its ucr-init, waiting for the spec
  UniqueFd sync_read;    // the launch's sync pipe (the "spare" line already read)
  UniqueFd spec_write;   // ucr-init's spec socket
  UniqueFd assign;       // SOCK_SEQPACKET: the monitor's arguments, one message
  UniqueFd pidfd;        // the monitor's
  UniqueFd init_pidfd;   // its ucr-init's
};

class SpareMonitors {
 public:
  // Keeps `count` spares ready (count > 0).
  SpareMonitors(std::string monitor_binary, std::string init_binary, int count);
  ~SpareMonitors();  // stops the refills; the spares still ready exit
  SpareMonitors(const SpareMonitors&) = delete;
  SpareMonitors& operator=(const SpareMonitors&) = delete;

  // A ready, live spare at normal priority, or nullopt (none ready yet, or
  // the pool is busy this instant: the caller then starts a monitor itself).
  std::optional<SpareMonitor> Take();

  // How many are ready now (for tests and status).
  size_t Ready();

 private:
  void RefillLoop();
  absl::StatusOr<SpareMonitor> StartOne();

  const std::string monitor_binary_, init_binary_;
  const size_t count_;
  UniqueFd wake_;  // eventfd: stop waiting for a spare's first line
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable refill_;
  std::deque<SpareMonitor> ready_;
  std::thread thread_;
};

}  // namespace ucr::runtime
