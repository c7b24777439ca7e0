// A read-only layer, shared by all containers, that holds the mount points
// every container gets: /etc/hostname, /etc/hosts, /etc/resolv.conf (empty
// files) and the /dev, /proc, /sys directories. Stacked on top of an image's
// layers, it spares each create from making them in its own upper dir: on a
// disk filesystem every new inode costs an allocation (and /etc a copy-up,
// two more), and deleting them at removal makes later allocations slower
// still (ext4 without a journal skips inodes freed in the last minutes).
//
// It only goes on top where it changes nothing the container can see: the
// three files are always mounted over (the pod's files or the CRI's mounts),
// /dev, /proc and /sys are mount points too, and /etc is merged with the
// image's: it is used only when the image's own /etc is absent or a plain
// root-owned 0755 directory (a symlinked or user-writable /etc stays as is).
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace ucr::runtime {

class MountpointLayer {
 public:
  explicit MountpointLayer(std::string dir) : dir_(std::move(dir)) {}

  // Makes the layer (idempotent; repairs a partial one). At start-up; until
  // it succeeded, Fits() is false.
  absl::Status Ensure();

  // Whether the layer may go on top of `lowers` (top layer first). Decided
  // once per layer stack.
  bool Fits(const std::vector<std::string>& lowers);

  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
  std::atomic<bool> ready_{false};
  absl::Mutex mu_;
  std::map<std::vector<std::string>, bool> fits_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ucr::runtime
