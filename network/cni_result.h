// Reading a pod's addresses out of the final CNI result.
#pragma once

#include "absl/status/statusor.h"
#include "network/pod_network.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

// The pod's IPs from a result of any spec version: "ips" (0.3.0 and later,
// keeping only addresses on an interface inside the sandbox when interfaces
// are listed) or "ip4"/"ip6" (0.1.0/0.2.0). Prefix lengths are dropped; the
// first IPv4 address is primary, everything else goes to additional_ips.
// INVALID_ARGUMENT when the result is not an object or an address is malformed.
absl::StatusOr<PodNetworkResult> PodIpsFromResult(const nlohmann::json& result);

}  // namespace ucr::network
