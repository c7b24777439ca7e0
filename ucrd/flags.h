// Command-line flags of ucrd. A flag left empty keeps the config file's value.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"

namespace ucr::daemon {

struct Invocation {
  std::string command;  // "" (serve) or "config"
  Config config;        // defaults < config file < flags
};

// Parses argv (exits on --help/--version as absl does) and loads the config.
absl::StatusOr<Invocation> ParseInvocation(int argc, char** argv);

}  // namespace ucr::daemon
