// What runtime/ needs from pod networking: attach a pinned network namespace
// to the pod network on RunPodSandbox and detach it on stop/remove.
// Implemented in network/ (CNI); runtime/ depends only on this interface.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ucr::network {

struct PortMapping {
  std::string protocol = "tcp";  // "tcp", "udp", "sctp"
  int container_port = 0;
  int host_port = 0;
  std::string host_ip;  // "" = all addresses
};

struct DnsConfig {
  std::vector<std::string> servers, searches, options;
};

struct PodNetworkRequest {
  std::string sandbox_id;
  std::string netns_path;  // the pinned /proc/<pid>/ns/net bind mount
  std::string pod_name, pod_namespace, pod_uid;
  std::string hostname;
  std::vector<PortMapping> port_mappings;
  DnsConfig dns;
  std::map<std::string, std::string> annotations;  // bandwidth annotations live here
  // The caller already brought `lo` up in the netns (ucrd's namespace pinner
  // does): Setup need not enter the netns for it.
  bool loopback_up = false;
};

// What the CRI Status call reports as the NetworkReady condition.
struct NetworkState {
  bool ready = false;
  std::string reason;   // a CamelCase reason when not ready, e.g. "NetworkPluginNotReady"
  std::string message;  // human-readable: which network is in use, or why none is
};

struct PodNetworkResult {
  std::string ip;                           // primary pod IP ("" when none)
  std::vector<std::string> additional_ips;  // further IPv4/IPv6 addresses
};

class PodNetwork {
 public:
  virtual ~PodNetwork() = default;
  // OK when pods can get a network; otherwise a status whose message is the reason.
  virtual absl::Status Ready() = 0;
  virtual absl::StatusOr<PodNetworkResult> Setup(const PodNetworkRequest& request) = 0;
  // Idempotent: succeeds when the pod has no network (any more).
  virtual absl::Status Teardown(const std::string& sandbox_id) = 0;

  // Additions with defaults, so that fakes implementing only the above still compile.
  // Verifies that a pod's network is still as set up (CNI CHECK).
  virtual absl::Status Check(const std::string& /*sandbox_id*/) { return absl::OkStatus(); }
  // Called once at start-up, before any call: reconciles state left by a crash.
  virtual absl::Status Recover() { return absl::OkStatus(); }
  // The NetworkReady condition, with a reason and a message.
  virtual NetworkState State() {
    absl::Status ready = Ready();
    if (ready.ok()) return {true, "", ""};
    return {false, "NetworkPluginNotReady", std::string(ready.message())};
  }
};

}  // namespace ucr::network
