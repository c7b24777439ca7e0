// RuntimeService.RunPodSandbox, StopPodSandbox, RemovePodSandbox.
#include "cri/call.h"
#include "cri/pod_convert.h"
#include "cri/runtime_service.h"
#include "runtime/pod_lifecycle.h"
#include "runtime/sandbox/sandbox_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* req,
                                           v1::RunPodSandboxResponse* resp) {
  return RunCall("RunPodSandbox", [&] {
    if (!req->has_config() || !req->config().has_metadata()) {
      return absl::InvalidArgumentError("RunPodSandbox: config.metadata is required");
    }
    absl::StatusOr<std::string> id =
        s_.sandboxes->Run(ToPodSpec(req->config(), req->runtime_handler()), Fingerprint(*req));
    if (!id.ok()) return id.status();
    resp->set_pod_sandbox_id(*id);
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest* req,
                                            v1::StopPodSandboxResponse*) {
  return RunCall("StopPodSandbox", [&] {
    if (req->pod_sandbox_id().empty()) return absl::InvalidArgumentError("pod_sandbox_id is required");
    return runtime::StopPod(*s_.sandboxes, *s_.containers, req->pod_sandbox_id());
  });
}

grpc::Status RuntimeService::RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest* req,
                                              v1::RemovePodSandboxResponse*) {
  return RunCall("RemovePodSandbox", [&] {
    if (req->pod_sandbox_id().empty()) return absl::InvalidArgumentError("pod_sandbox_id is required");
    return runtime::RemovePod(*s_.sandboxes, *s_.containers, req->pod_sandbox_id());
  });
}

}  // namespace ucr::cri
