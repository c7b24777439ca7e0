// RuntimeService.UpdateContainerResources and ReopenContainerLog.
#include "cri/call.h"
#include "cri/container_convert.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::UpdateContainerResources(grpc::ServerContext*,
                                                      const v1::UpdateContainerResourcesRequest* req,
                                                      v1::UpdateContainerResourcesResponse*) {
  return RunCall("UpdateContainerResources", [&] {
    return s_.containers->UpdateResources(req->container_id(), ToResources(req->linux()));
  });
}

grpc::Status RuntimeService::ReopenContainerLog(grpc::ServerContext*, const v1::ReopenContainerLogRequest* req,
                                                v1::ReopenContainerLogResponse*) {
  return RunCall("ReopenContainerLog", [&] { return s_.containers->ReopenLog(req->container_id()); });
}

}  // namespace ucr::cri
