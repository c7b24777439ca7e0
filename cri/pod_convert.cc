#include "cri/pod_convert.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_format.h"

namespace ucr::cri {
namespace {

runtime::NamespaceMode Mode(v1::NamespaceMode mode) { return static_cast<runtime::NamespaceMode>(mode); }
v1::NamespaceMode Mode(runtime::NamespaceMode mode) { return static_cast<v1::NamespaceMode>(mode); }

const char* ProtocolName(v1::Protocol protocol) {
  switch (protocol) {
    case v1::UDP: return "udp";
    case v1::SCTP: return "sctp";
    default: return "tcp";
  }
}

}  // namespace

runtime::PodSpec ToPodSpec(const v1::PodSandboxConfig& c, const std::string& runtime_handler) {
  runtime::PodSpec s;
  s.metadata.name = c.metadata().name();
  s.metadata.uid = c.metadata().uid();
  s.metadata.ns = c.metadata().namespace_();
  s.metadata.attempt = c.metadata().attempt();
  s.hostname = c.hostname();
  s.log_directory = c.log_directory();
  s.dns.servers.assign(c.dns_config().servers().begin(), c.dns_config().servers().end());
  s.dns.searches.assign(c.dns_config().searches().begin(), c.dns_config().searches().end());
  s.dns.options.assign(c.dns_config().options().begin(), c.dns_config().options().end());
  for (const v1::PortMapping& p : c.port_mappings()) {
    s.port_mappings.push_back({ProtocolName(p.protocol()), p.container_port(), p.host_port(), p.host_ip()});
  }
  s.labels.insert(c.labels().begin(), c.labels().end());
  s.annotations.insert(c.annotations().begin(), c.annotations().end());
  s.cgroup_parent = c.linux().cgroup_parent();
  const v1::NamespaceOption& ns = c.linux().security_context().namespace_options();
  s.net_mode = Mode(ns.network());
  s.pid_mode = Mode(ns.pid());
  s.ipc_mode = Mode(ns.ipc());
  s.sysctls.insert(c.linux().sysctls().begin(), c.linux().sysctls().end());
  s.runtime_handler = runtime_handler;
  s.privileged = c.linux().security_context().privileged();
  return s;
}

void FillPodMetadata(const runtime::PodMetadata& m, v1::PodSandboxMetadata* out) {
  out->set_name(m.name);
  out->set_uid(m.uid);
  out->set_namespace_(m.ns);
  out->set_attempt(m.attempt);
}

static v1::PodSandboxState State(runtime::SandboxState state) {
  return state == runtime::SandboxState::kReady ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY;
}

void FillPodSandboxStatus(const runtime::SandboxRecord& r, v1::PodSandboxStatus* out) {
  out->set_id(r.id);
  FillPodMetadata(r.spec.metadata, out->mutable_metadata());
  out->set_state(State(r.state));
  out->set_created_at(r.created_at);
  out->mutable_network()->set_ip(r.ip);
  for (const std::string& ip : r.additional_ips) out->mutable_network()->add_additional_ips()->set_ip(ip);
  v1::NamespaceOption* ns = out->mutable_linux()->mutable_namespaces()->mutable_options();
  ns->set_network(Mode(r.spec.net_mode));
  ns->set_pid(Mode(r.spec.pid_mode));
  ns->set_ipc(Mode(r.spec.ipc_mode));
  out->mutable_labels()->insert(r.spec.labels.begin(), r.spec.labels.end());
  out->mutable_annotations()->insert(r.spec.annotations.begin(), r.spec.annotations.end());
  out->set_runtime_handler(r.spec.runtime_handler);
}

void FillPodSandbox(const runtime::SandboxRecord& r, v1::PodSandbox* out) {
  out->set_id(r.id);
  FillPodMetadata(r.spec.metadata, out->mutable_metadata());
  out->set_state(State(r.state));
  out->set_created_at(r.created_at);
  out->mutable_labels()->insert(r.spec.labels.begin(), r.spec.labels.end());
  out->mutable_annotations()->insert(r.spec.annotations.begin(), r.spec.annotations.end());
  out->set_runtime_handler(r.spec.runtime_handler);
}

std::string Fingerprint(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  // FNV-1a, 64 bit: stable across builds and restarts (unlike std::hash).
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%016x-%d", hash, bytes.size());
}

}  // namespace ucr::cri
