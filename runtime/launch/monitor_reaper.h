// Reaps the monitors ucrd spawns. A monitor stays ucrd's child while both
// live (no double fork to detach it: that fork sat on every create's critical
// path) and exits only when its container does, at any time; this reaps it
// then. If ucrd dies first, its monitors go to init like any orphan and keep
// running: nothing about them depends on their parent.
#pragma once

#include <sys/types.h>

#include "common/unique_fd.h"

namespace ucr::runtime {

// Hands `pid`, a child of this process nobody else waits for, to the
// process-wide reaper thread (started on first use, never stopped).
void ReapWhenItExits(pid_t pid);

// ReapWhenItExits, keeping a pidfd of `pid` for the caller: opened first,
// while `pid` cannot have been reaped and its number reused.
UniqueFd WatchAndReapWhenItExits(pid_t pid);

}  // namespace ucr::runtime
