// RuntimeService.Version
#include "cri/call.h"
#include "cri/runtime_service.h"

namespace ucr::cri {

// The CRI API version this build speaks (not the protobuf package version).
inline constexpr char kCriApiVersion[] = "v1";

grpc::Status RuntimeService::Version(grpc::ServerContext*, const v1::VersionRequest*,
                                     v1::VersionResponse* resp) {
  return RunCall("Version", [&] {
    resp->set_version("0.1.0");  // the kubelet-facing API version field, as containerd sets it
    resp->set_runtime_name("ucr");
    resp->set_runtime_version(UCR_VERSION);
    resp->set_runtime_api_version(kCriApiVersion);
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
