// Pod namespaces without a pause process (CRI-O's pinns idea): a short-lived
// child unshares the pod's net/ipc/uts namespaces, sets the hostname, brings up
// loopback and bind-mounts its /proc/self/ns/* files under the pod's ns dir,
// then exits; the bind mounts keep the namespaces alive. A shared PID
// namespace needs a live pid 1, so for it the child also starts ucr-podinit.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ucr::runtime {

struct PinRequest {
  std::string ns_dir;  // files <ns_dir>/{net,ipc,uts} are created and mounted over
  bool net = false, ipc = false, uts = false;
  std::string hostname;     // set in the new UTS namespace (uts only)
  std::string podinit_path; // non-empty: start this as pid 1 of a new PID namespace
};

struct PinResult {
  pid_t init_pid = 0;  // host pid of the pod init, 0 when none
};

absl::StatusOr<PinResult> PinNamespaces(const PinRequest& request);

// The path of one pinned namespace ("net", "ipc", "uts").
std::string PinnedNsPath(const std::string& ns_dir, const char* type);

// True when `path` is a live namespace bind mount (gone after a reboot).
bool IsPinnedNamespace(const std::string& path);

// Unmounts and removes every pinned namespace file; idempotent.
absl::Status UnpinNamespaces(const std::string& ns_dir);

}  // namespace ucr::runtime
