// Brings "lo" up inside a pod's network namespace without exec'ing the CNI
// loopback plugin: a short-lived thread joins the netns (setns only affects
// that thread) and sets IFF_UP with one ioctl.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace ucr::network {

absl::Status BringUpLoopback(const std::string& netns_path);

}  // namespace ucr::network
