// RuntimeService.ContainerStatus and ListContainers.
#include "cri/call.h"
#include "cri/container_convert.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::ContainerStatus(grpc::ServerContext*, const v1::ContainerStatusRequest* req,
                                             v1::ContainerStatusResponse* resp) {
  return RunCall("ContainerStatus", [&] {
    absl::StatusOr<runtime::ContainerRecord> record = s_.containers->Get(req->container_id());
    if (!record.ok()) return record.status();
    FillContainerStatus(*record, resp->mutable_status());
    if (req->verbose()) {
      // crictl inspect prints this; "pid" is what tools (and tests) look for.
      nlohmann::json info = *record;
      info["sandboxID"] = record->sandbox_id;
      info["pid"] = record->state == runtime::ContainerState::kRunning ? record->pid : 0;
      (*resp->mutable_info())["info"] = info.dump();
    }
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::ListContainers(grpc::ServerContext*, const v1::ListContainersRequest* req,
                                            v1::ListContainersResponse* resp) {
  return RunCall("ListContainers", [&] {
    runtime::ContainerFilter filter;
    const v1::ContainerFilter& f = req->filter();
    filter.id_prefix = f.id();
    filter.sandbox_id_prefix = f.pod_sandbox_id();
    filter.has_state = f.has_state();
    filter.state = static_cast<runtime::ContainerState>(f.state().state());
    filter.label_selector.insert(f.label_selector().begin(), f.label_selector().end());
    for (const runtime::ContainerRecord& r : s_.containers->List(filter)) FillContainer(r, resp->add_containers());
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
