// A pod sandbox as ucrd keeps it: what the CRI asked for (PodSpec, translated
// from the CRI PodSandboxConfig by cri/) and what ucrd made of it. Saved as
// <root_dir>/sandboxes/<id>/sandbox.json, read back by recover().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "network/pod_network.h"
#include "nlohmann/json.hpp"

namespace ucr::network {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsConfig, servers, searches, options)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortMapping, protocol, container_port, host_port,
                                                host_ip)
}  // namespace ucr::network

namespace ucr::runtime {

// CRI NamespaceMode, same order as the proto enum.
enum class NamespaceMode { kPod = 0, kContainer = 1, kNode = 2, kTarget = 3 };

struct PodMetadata {
  std::string name, uid, ns;  // ns = the Kubernetes namespace
  uint32_t attempt = 0;
};

struct PodSpec {
  PodMetadata metadata;
  std::string hostname;
  std::string log_directory;
  network::DnsConfig dns;
  std::vector<network::PortMapping> port_mappings;
  std::map<std::string, std::string> labels, annotations;
  std::string cgroup_parent;
  NamespaceMode net_mode = NamespaceMode::kPod;
  NamespaceMode pid_mode = NamespaceMode::kPod;  // CRI default (0) is POD
  NamespaceMode ipc_mode = NamespaceMode::kPod;
  std::map<std::string, std::string> sysctls;
  std::string runtime_handler;
  bool privileged = false;
};

enum class SandboxState { kReady, kNotReady };

struct SandboxRecord {
  std::string id;
  PodSpec spec;
  // Hash of the CRI request: a kubelet retry of the same request gets this pod back.
  std::string fingerprint;
  SandboxState state = SandboxState::kReady;
  int64_t created_at = 0;  // ns since the epoch
  std::string ip;
  std::vector<std::string> additional_ips;
  std::string cgroup_path;    // the pod cgroup, relative to the hierarchy roots
  bool owns_cgroup = false;   // we created it (no cgroup_parent given): remove it with the pod
  pid_t init_pid = 0;         // shared-PID init (pid_mode POD), 0 when none
  uint64_t init_start_time = 0;  // /proc/<pid>/stat starttime, guards against pid reuse
  bool network_set_up = false;
};

NLOHMANN_JSON_SERIALIZE_ENUM(NamespaceMode, {{NamespaceMode::kPod, "pod"},
                                      {NamespaceMode::kContainer, "container"},
                                      {NamespaceMode::kNode, "node"},
                                      {NamespaceMode::kTarget, "target"}})
NLOHMANN_JSON_SERIALIZE_ENUM(SandboxState, {{SandboxState::kReady, "ready"},
                                            {SandboxState::kNotReady, "notready"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PodMetadata, name, uid, ns, attempt)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PodSpec, metadata, hostname, log_directory, dns,
                                                port_mappings, labels, annotations, cgroup_parent,
                                                net_mode, pid_mode, ipc_mode, sysctls,
                                                runtime_handler, privileged)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SandboxRecord, id, spec, fingerprint, state,
                                                created_at, ip, additional_ips, cgroup_path,
                                                owns_cgroup, init_pid, init_start_time,
                                                network_set_up)

}  // namespace ucr::runtime
