// An OCI/Docker seccomp profile (JSON) loaded with libseccomp.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace ucr::runtime::init {

// Parses and loads `profile_json` into the kernel for this process.
// Supports defaultAction, defaultErrnoRet, architectures, and syscalls
// entries with names, action, errnoRet and args (index, value, valueTwo, op).
absl::Status LoadSeccompProfile(const std::string& profile_json);

}  // namespace ucr::runtime::init
