// The last step of both modes: execve the user's command; and the exec mode.
#pragma once

#include <string>

#include "runtime/launch/launcher.h"

namespace ucr::runtime::init {

// execve()s `executable` with the process's args and env. Returns only if
// that failed, after printing why on stderr (the container's log).
void ExecCommand(const std::string& executable, const ProcessSpec& process);

// `ucr-init exec`: see main.cc. Returns the command's exit code.
// `reap_all`: when the command exits, kill whatever it left running.
int RunExec(int spec_fd, int status_fd, int timeout_ms, bool reap_all);

}  // namespace ucr::runtime::init
