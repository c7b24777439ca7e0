// The last step of both modes: execve the user's command; and the exec mode.
#pragma once

#include <string>

#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// execve()s `executable` with the process's args and env. Returns only if
// that failed, after printing why on stderr (the container's log).
void ExecCommand(const std::string& executable, const ProcessSpec& process);

// `ucr-init exec`: see main.cc. Returns the helper's exit code.
int RunExec(int spec_fd, int status_fd, int timeout_ms);

}  // namespace ucr::runtime::init
