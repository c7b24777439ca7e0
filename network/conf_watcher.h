// Tells whether the CNI conf dir may have changed since the last question,
// using inotify: a rescan happens only after an event, so checking costs one
// non-blocking read. While the dir is missing (no watch possible) it answers
// "changed" at most once a second, so a dir created later is picked up.
#pragma once

#include <chrono>
#include <string>

#include "common/unique_fd.h"

namespace ucr::network {

class ConfWatcher {
 public:
  explicit ConfWatcher(std::string dir);

  // True the first time and whenever the dir's entries may have changed.
  bool Changed();

 private:
  bool TryWatch();
  bool DrainEvents();

  std::string dir_;
  UniqueFd inotify_;
  int watch_ = -1;
  bool first_ = true;
  std::chrono::steady_clock::time_point last_blind_rescan_{};
};

}  // namespace ucr::network
