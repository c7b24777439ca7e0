// RuntimeService.StopContainer and RemoveContainer.
#include "cri/call.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::StopContainer(grpc::ServerContext*, const v1::StopContainerRequest* req,
                                           v1::StopContainerResponse*) {
  return RunCall("StopContainer", [&] {
    if (req->timeout() < 0) return absl::InvalidArgumentError("StopContainer: timeout must not be negative");
    return s_.containers->Stop(req->container_id(), std::chrono::seconds(req->timeout()));
  });
}

grpc::Status RuntimeService::RemoveContainer(grpc::ServerContext*, const v1::RemoveContainerRequest* req,
                                             v1::RemoveContainerResponse*) {
  return RunCall("RemoveContainer", [&] {
    if (req->container_id().empty()) return absl::InvalidArgumentError("container_id is required");
    return s_.containers->Remove(req->container_id());
  });
}

}  // namespace ucr::cri
