// RuntimeService.Status, RuntimeConfig and UpdateRuntimeConfig: what the
// kubelet polls to decide whether this node can run pods.
#include "common/config.h"
#include "cri/call.h"
#include "cri/runtime_service.h"

namespace ucr::cri {

grpc::Status RuntimeService::Status(grpc::ServerContext*, const v1::StatusRequest* req,
                                    v1::StatusResponse* resp) {
  return RunCall("Status", [&] {
    v1::RuntimeCondition* runtime_ready = resp->mutable_status()->add_conditions();
    runtime_ready->set_type("RuntimeReady");
    runtime_ready->set_status(true);

    v1::RuntimeCondition* network_ready = resp->mutable_status()->add_conditions();
    network_ready->set_type("NetworkReady");
    network::NetworkState net = s_.network != nullptr
        ? s_.network->State()
        : network::NetworkState{false, "NetworkPluginNotReady", "ucr: no pod network configured"};
    network_ready->set_status(net.ready);
    network_ready->set_reason(net.reason);
    network_ready->set_message(net.message);

    if (req->verbose()) {
      (*resp->mutable_info())["config"] = ConfigToJson(*s_.config).dump();
    }
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest*,
                                           v1::RuntimeConfigResponse* resp) {
  return RunCall("RuntimeConfig", [&] {
    resp->mutable_linux()->set_cgroup_driver(v1::CGROUPFS);
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::UpdateRuntimeConfig(grpc::ServerContext*,
                                                 const v1::UpdateRuntimeConfigRequest*,
                                                 v1::UpdateRuntimeConfigResponse*) {
  // The kubelet sends the pod CIDR here; CNI plugins take their ranges from
  // their own config, so like containerd with a conflist we accept and ignore it.
  return RunCall("UpdateRuntimeConfig", [] { return absl::OkStatus(); });
}

}  // namespace ucr::cri
