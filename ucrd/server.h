// Runs the CRI gRPC server on the unix socket until SIGTERM or SIGINT.
#pragma once

#include "common/config.h"

namespace ucr::daemon {

// Returns the process exit code: 0 after a clean shutdown, 1 when start-up fails.
int Serve(const Config& config);

}  // namespace ucr::daemon
