// RuntimeService.CreateContainer and StartContainer.
#include "absl/strings/str_cat.h"
#include "cri/call.h"
#include "cri/container_convert.h"
#include "cri/pod_convert.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::CreateContainer(grpc::ServerContext*, const v1::CreateContainerRequest* req,
                                             v1::CreateContainerResponse* resp) {
  return RunCall("CreateContainer", [&] {
    if (req->pod_sandbox_id().empty()) return absl::InvalidArgumentError("pod_sandbox_id is required");
    if (!req->has_config() || !req->config().has_metadata()) {
      return absl::InvalidArgumentError("CreateContainer: config.metadata is required");
    }
    absl::StatusOr<std::string> id = s_.containers->Create(
        req->pod_sandbox_id(), ToContainerRequest(req->config()), Fingerprint(*req));
    if (!id.ok()) return id.status();
    resp->set_container_id(*id);
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::StartContainer(grpc::ServerContext*, const v1::StartContainerRequest* req,
                                            v1::StartContainerResponse*) {
  return RunCall("StartContainer", [&] { return s_.containers->Start(req->container_id()); });
}

}  // namespace ucr::cri
