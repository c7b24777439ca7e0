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
};

}  // namespace ucr::network
