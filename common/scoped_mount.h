// RAII for a mount point: unmounted (lazily, with MNT_DETACH) when the guard
// dies, unless release() hands the mount over to longer-lived state.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ucr {

class ScopedMount {
 public:
  ScopedMount() = default;
  // Takes ownership of an existing mount at `target`.
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}
  ~ScopedMount();
  ScopedMount(ScopedMount&& other) noexcept : target_(other.release()) {}
  ScopedMount& operator=(ScopedMount&& other) noexcept;
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

  // mount(2) with the given arguments; the guard owns the result.
  static absl::StatusOr<ScopedMount> Mount(const std::string& source, const std::string& target,
                                           const std::string& fstype, unsigned long flags,
                                           const std::string& data);

  const std::string& target() const { return target_; }
  // Keeps the mount; the caller now owns it.
  std::string release() { return std::exchange(target_, std::string()); }
  // Unmounts now, reporting the error instead of swallowing it.
  absl::Status Unmount();

 private:
  std::string target_;
};

// Lazily unmounts every mount at or below `root` (deepest first), as seen in
// /proc/self/mountinfo. Used by cleanup paths and recover().
absl::Status UnmountAllUnder(const std::string& root);

// Removes `dir` and everything below it. Only when something there is still
// mounted (removal refuses to cross mounts) is mountinfo read, what is below
// `dir` unmounted and the removal done again: the common case costs no scan
// of mountinfo (~10 us a line to make and parse: ms on a busy node).
absl::Status RemoveTreeAndMounts(const std::string& dir);

}  // namespace ucr
