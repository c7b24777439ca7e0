// Cgroup::KillAll: signal every process of a cgroup, without racing against forks.
#include <signal.h>

#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

using internal::ControlExists;
using internal::JoinPath;
using internal::ReadControl;
using internal::WriteControl;

using Clock = std::chrono::steady_clock;

// Freezes (or thaws) the cgroup so that no process forks between listing and killing.
// Best effort: without a freezer we still kill, just in more rounds.
class Freezer {
 public:
  Freezer(const Hierarchy& h, const std::string& path) {
    if (h.version() == Version::kV2) {
      dir_ = JoinPath(h.mounts().front().path, path);
      file_ = "cgroup.freeze";
      frozen_ = "1";
      thawed_ = "0";
    } else if (h.Has("freezer")) {
      dir_ = JoinPath(h.MountFor("freezer"), path);
      file_ = "freezer.state";
      frozen_ = "FROZEN";
      thawed_ = "THAWED";
    }
    if (dir_.empty() || !ControlExists(dir_, file_)) return;
    active_ = WriteControl(dir_, file_, frozen_).ok();
    WaitFrozen();
  }
  ~Freezer() {
    if (!active_) return;
    if (absl::Status s = WriteControl(dir_, file_, thawed_); !s.ok()) {
      log::Warn("cgroups: thaw %s: %s", dir_, s.ToString());
    }
  }
  Freezer(const Freezer&) = delete;
  Freezer& operator=(const Freezer&) = delete;

 private:
  // v1 passes through FREEZING; wait a little for FROZEN, but kill anyway after that.
  void WaitFrozen() {
    if (!active_ || file_ != "freezer.state") return;
    auto until = Clock::now() + std::chrono::milliseconds(200);
    while (Clock::now() < until) {
      absl::StatusOr<std::string> state = ReadControl(dir_, file_);
      if (!state.ok() || absl::StripAsciiWhitespace(*state) == "FROZEN") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::string dir_, file_, frozen_, thawed_;
  bool active_ = false;
};

// One round: returns how many processes were signalled.
absl::StatusOr<size_t> SignalRound(const Cgroup& cg, const Hierarchy& h, int sig) {
  UCR_ASSIGN_OR_RETURN(std::vector<pid_t> pids, cg.Pids());
  if (pids.empty()) return 0;  // freezing costs up to milliseconds: not for an empty cgroup
  std::optional<Freezer> freezer;
  if (sig == SIGKILL) {
    freezer.emplace(h, cg.path());
    UCR_ASSIGN_OR_RETURN(pids, cg.Pids());  // now nobody can fork behind our back
  }
  for (pid_t pid : pids) {
    if (::kill(pid, sig) != 0 && errno != ESRCH) {
      return LastErrnoError(absl::StrCat("kill(", pid, ", ", sig, ") in cgroup ", cg.path()));
    }
  }
  return pids.size();
}

absl::StatusOr<size_t> CountPids(const Cgroup& cg) {
  UCR_ASSIGN_OR_RETURN(std::vector<pid_t> pids, cg.Pids());
  return pids.size();
}

}  // namespace

absl::Status Cgroup::KillAll(int sig, std::chrono::milliseconds deadline) const {
  auto until = Clock::now() + deadline;
  std::string v2_dir = Dirs().front();
  bool v2_kill = hierarchy_.version() == Version::kV2 && sig == SIGKILL &&
                 ControlExists(v2_dir, "cgroup.kill");
  if (v2_kill) UCR_RETURN_IF_ERROR(WriteControl(v2_dir, "cgroup.kill", "1"));
  for (;;) {
    absl::StatusOr<size_t> signalled =
        v2_kill ? CountPids(*this) : SignalRound(*this, hierarchy_, sig);
    if (absl::IsNotFound(signalled.status())) return absl::OkStatus();  // already gone
    if (!signalled.ok()) return signalled.status();
    if (*signalled == 0 || sig != SIGKILL) return absl::OkStatus();
    if (Clock::now() >= until) {
      return absl::DeadlineExceededError(
          absl::StrCat(*signalled, " processes of cgroup ", path_, " survived SIGKILL"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace ucr::runtime::cgroups
