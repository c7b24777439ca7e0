// Runs a network list's plugins for one pod as the CNI spec orders them: ADD
// in list order with each plugin's result passed to the next as prevResult,
// DEL and CHECK with the cached final result, DEL in reverse order.
#pragma once

#include <chrono>

#include "absl/status/statusor.h"
#include "network/cni_conf.h"
#include "network/cni_exec.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

// The stdin config of `plugin`: its own object plus the list's name and
// cniVersion, prevResult (when not null) and the runtimeConfig for the
// capabilities it declares (left out when none apply).
nlohmann::json PluginStdin(const CniNetworkList& list, const CniPlugin& plugin,
                           const nlohmann::json& prev_result, const nlohmann::json& capability_args);

// True for a plugin whose every command would be a no-op, so the exec can be
// saved: portmap with no port mapping, bandwidth with no rate (both return
// prevResult untouched on ADD and have nothing to delete or check).
bool IsNoOpPlugin(const CniPlugin& plugin, const nlohmann::json& capability_args);

// ADD through the whole list; the last plugin's result (null if none printed one).
absl::StatusOr<nlohmann::json> ChainAdd(const CniNetworkList& list, CniInvocation inv,
                                        const nlohmann::json& capability_args,
                                        std::chrono::milliseconds timeout);

// DEL through the list in reverse. Keeps going after a failure so that every
// plugin gets its chance to release what it holds; returns the first error.
absl::Status ChainDel(const CniNetworkList& list, CniInvocation inv,
                      const nlohmann::json& capability_args, const nlohmann::json& cached_result,
                      std::chrono::milliseconds timeout);

// CHECK through the list (spec 0.4.0 and later; a no-op for older lists or
// when the list sets disableCheck).
absl::Status ChainCheck(const CniNetworkList& list, CniInvocation inv,
                        const nlohmann::json& capability_args, const nlohmann::json& cached_result,
                        std::chrono::milliseconds timeout);

}  // namespace ucr::network
