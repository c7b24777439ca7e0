// Running one CNI plugin binary the way the CNI spec says: CNI_* variables in
// the environment, the network config on stdin, a result or an error object on
// stdout. Each call has a deadline; a hung plugin's process group is killed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

// What stays the same for every plugin of one ADD/DEL/CHECK of a pod.
struct CniInvocation {
  std::string command;       // "ADD", "DEL", "CHECK"
  std::string container_id;  // the sandbox id
  std::string netns;         // the pinned netns path ("" when it is gone)
  std::string ifname = "eth0";
  std::string cni_args;      // "IgnoreUnknown=1;K8S_POD_NAMESPACE=..."
  std::vector<std::string> bin_dirs;
};

// "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=n;K8S_POD_INFRA_CONTAINER_ID=id;K8S_POD_UID=u"
std::string BuildCniArgs(absl::string_view pod_namespace, absl::string_view pod_name,
                         absl::string_view sandbox_id, absl::string_view pod_uid);

// `inherited` (our environment) minus any CNI_* variable, plus the CNI_* set
// for `inv`. Plugins need PATH (portmap runs iptables), so the rest is kept.
std::vector<std::string> BuildPluginEnv(const CniInvocation& inv,
                                        const std::vector<std::string>& inherited);
std::vector<std::string> CurrentEnvironment();

// The first executable `type` in `bin_dirs`; NOT_FOUND naming the plugin otherwise.
absl::StatusOr<std::string> FindPlugin(const std::string& type, const std::vector<std::string>& bin_dirs);

// Turns a failed plugin run into a status: the spec's error object
// {"code", "msg", "details"} becomes "plugin bridge failed (code 11): msg: details".
absl::Status PluginFailure(absl::string_view type, absl::string_view command, int exit_code,
                           absl::string_view out, absl::string_view err);

// Runs plugin `type` for `inv` with `config` on stdin. Returns the parsed
// stdout (null when the plugin printed nothing, as DEL usually does).
absl::StatusOr<nlohmann::json> InvokePlugin(const std::string& type, const CniInvocation& inv,
                                            const nlohmann::json& config,
                                            std::chrono::milliseconds timeout);

}  // namespace ucr::network
