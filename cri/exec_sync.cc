// RuntimeService.ExecSync: run a command in the container and return its
// output and exit code; on timeout the exec's process group is killed.
#include "absl/strings/str_cat.h"
#include "cri/call.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"

namespace ucr::cri {

grpc::Status RuntimeService::ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* req,
                                      v1::ExecSyncResponse* resp) {
  return RunCall("ExecSync", [&] {
    if (req->timeout() < 0) return absl::InvalidArgumentError("ExecSync: timeout must not be negative");
    std::vector<std::string> cmd(req->cmd().begin(), req->cmd().end());
    absl::StatusOr<runtime::ExecResult> result =
        s_.containers->ExecSync(req->container_id(), cmd, std::chrono::seconds(req->timeout()));
    if (!result.ok()) return result.status();
    if (result->timed_out) {
      // What the kubelet's probes expect (as containerd answers).
      return absl::DeadlineExceededError(absl::StrCat("command timed out after ", req->timeout(), "s"));
    }
    resp->set_stdout(result->stdout_data);
    resp->set_stderr(result->stderr_data);
    resp->set_exit_code(result->exit_code);
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
