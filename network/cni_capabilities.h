// The CNI "capability arguments" ucr passes as runtimeConfig: port mappings,
// DNS and bandwidth, built from the CRI request, and filtered per plugin to
// the capabilities that plugin declares (a plugin sees only what it asked for).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "network/pod_network.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

inline constexpr char kIngressBandwidthAnnotation[] = "kubernetes.io/ingress-bandwidth";
inline constexpr char kEgressBandwidthAnnotation[] = "kubernetes.io/egress-bandwidth";

// A Kubernetes quantity ("10M", "1Gi", "500k", "1e6") as a whole number,
// rounded up as resource.Quantity.Value() does. INVALID_ARGUMENT when malformed.
absl::StatusOr<uint64_t> ParseQuantity(absl::string_view text);

// All capability arguments for `request`: {"portMappings": [...], "dns": {...},
// "bandwidth": {...}}; keys without a value are left out. Errors come from
// malformed bandwidth annotations (INVALID_ARGUMENT naming the annotation).
absl::StatusOr<nlohmann::json> BuildCapabilityArgs(const PodNetworkRequest& request);

// The subset of `capability_args` that a plugin declaring `capabilities` gets.
nlohmann::json RuntimeConfigFor(const nlohmann::json& capability_args,
                                const std::set<std::string>& capabilities);

}  // namespace ucr::network
