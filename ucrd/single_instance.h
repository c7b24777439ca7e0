// Makes sure one ucrd owns a root dir: an exclusive flock on <root>/ucrd.lock,
// held for the daemon's life (the kernel drops it when the process dies).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::daemon {

// FAILED_PRECONDITION naming the holder's pid when another ucrd has the lock.
absl::StatusOr<UniqueFd> LockRootDir(const std::string& lock_path);

// Removes a socket file nobody listens on; FAILED_PRECONDITION when a live
// process still accepts connections on it.
absl::Status ClearStaleSocket(const std::string& socket_path);

}  // namespace ucr::daemon
