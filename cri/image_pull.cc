// ImageService.PullImage: cri/ only translates; image::ImageManager pulls.
#include "common/status.h"
#include "cri/call.h"
#include "cri/image_convert.h"
#include "cri/image_service.h"
#include "image/auth.h"
#include "image/image_manager.h"

namespace ucr::cri {

grpc::Status ImageService::PullImage(grpc::ServerContext*, const v1::PullImageRequest* req,
                                     v1::PullImageResponse* resp) {
  return RunCall("PullImage", [&]() -> absl::Status {
    UCR_ASSIGN_OR_RETURN(std::string ref, RequestedImage(req->image()));
    const v1::AuthConfig& a = req->auth();
    UCR_ASSIGN_OR_RETURN(image::Credentials creds, image::MakeCredentials(a.username(), a.password(), a.auth()));
    UCR_ASSIGN_OR_RETURN(image::ImageRecord record, s_.images->Pull(ref, creds));
    resp->set_image_ref(record.id);
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
