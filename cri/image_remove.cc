// ImageService.RemoveImage: untag, or remove and collect unused layers.
#include "common/status.h"
#include "cri/call.h"
#include "cri/image_convert.h"
#include "cri/image_service.h"
#include "image/image_manager.h"

namespace ucr::cri {

grpc::Status ImageService::RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* req,
                                       v1::RemoveImageResponse*) {
  return RunCall("RemoveImage", [&]() -> absl::Status {
    UCR_ASSIGN_OR_RETURN(std::string ref, RequestedImage(req->image()));
    absl::Status st = s_.images->Remove(ref);
    // Idempotent per the CRI: an image already gone is success.
    if (absl::IsNotFound(st)) return absl::OkStatus();
    return st;
  });
}

}  // namespace ucr::cri
