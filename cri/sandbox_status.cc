// RuntimeService.PodSandboxStatus and ListPodSandbox.
#include "cri/call.h"
#include "cri/container_convert.h"
#include "cri/pod_convert.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"
#include "runtime/sandbox/pin_namespaces.h"
#include "runtime/sandbox/sandbox_manager.h"

namespace ucr::cri {
namespace {

// The verbose "info" crictl inspectp prints: our record plus live details.
std::string VerboseInfo(const runtime::SandboxRecord& r, runtime::SandboxManager& sandboxes) {
  nlohmann::json info = r;
  info["pinned_namespaces"] = nlohmann::json::object();
  for (const char* type : {"net", "ipc", "uts"}) {
    std::string path = sandboxes.NsPath(r.id, type);
    if (runtime::IsPinnedNamespace(path)) info["pinned_namespaces"][type] = path;
  }
  return info.dump();
}

}  // namespace

grpc::Status RuntimeService::PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* req,
                                              v1::PodSandboxStatusResponse* resp) {
  return RunCall("PodSandboxStatus", [&] {
    absl::StatusOr<runtime::SandboxRecord> record = s_.sandboxes->Get(req->pod_sandbox_id());
    if (!record.ok()) return record.status();
    FillPodSandboxStatus(*record, resp->mutable_status());
    if (req->verbose()) (*resp->mutable_info())["info"] = VerboseInfo(*record, *s_.sandboxes);
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* req,
                                            v1::ListPodSandboxResponse* resp) {
  return RunCall("ListPodSandbox", [&] {
    runtime::SandboxFilter filter;
    const v1::PodSandboxFilter& f = req->filter();
    filter.id_prefix = f.id();
    filter.has_state = f.has_state();
    filter.state = f.state().state() == v1::SANDBOX_READY ? runtime::SandboxState::kReady
                                                          : runtime::SandboxState::kNotReady;
    filter.label_selector.insert(f.label_selector().begin(), f.label_selector().end());
    for (const runtime::SandboxRecord& r : s_.sandboxes->List(filter)) FillPodSandbox(r, resp->add_items());
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
