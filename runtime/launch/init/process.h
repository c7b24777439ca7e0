// The process side of set-up: cgroups, limits, sysctls, user, capabilities,
// seccomp and the executable lookup. Used by both create and exec.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/launch/init/report.h"
#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// Writes our pid into each dir's cgroup.procs.
absl::Status JoinCgroups(const std::vector<std::string>& dirs);

// Sets oom_score_adj; a refused negative value is clamped (see ProcessSpec).
absl::Status ApplyOomScoreAdj(int value, Reporter& report);

absl::Status ApplyRlimits(const std::vector<Rlimit>& rlimits);

// Writes each sysctl under /proc/sys (the container's /proc).
absl::Status ApplySysctls(const std::map<std::string, std::string>& sysctls);

// mkdir -p then chdir.
absl::Status EnterCwd(const std::string& cwd, bool create);

// Finds args[0] like execvp does, in the PATH of `env` (or the default PATH).
// The error reads as runc's: exec: "x": executable file not found in $PATH.
absl::StatusOr<std::string> FindExecutable(const ProcessSpec& process);

// Groups, gid, uid, capabilities, no_new_privs and seccomp, in the order that
// keeps each step permitted. The last thing before waiting for start / exec.
absl::Status DropPrivileges(const ProcessSpec& process);

}  // namespace ucr::runtime::init
