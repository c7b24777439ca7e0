// ImageService.ListImages, StreamImages and ImageStatus: reads of the image
// index kept by image::ImageManager.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "cri/call.h"
#include "cri/image_convert.h"
#include "cri/image_service.h"
#include "image/image_manager.h"
#include "nlohmann/json.hpp"

namespace ucr::cri {
namespace {

// Every image, or only the one the filter names.
std::vector<image::ImageRecord> Matching(image::ImageManager& images, const v1::ImageFilter& filter) {
  if (filter.image().image().empty()) return images.List();
  absl::StatusOr<image::ImageRecord> r = images.Find(filter.image().image());
  if (!r.ok()) return {};
  return {*r};
}

std::string VerboseInfo(image::ImageManager& images, const image::ImageRecord& r) {
  nlohmann::json info = {{"id", r.id},
                         {"repoTags", r.repo_tags},
                         {"repoDigests", r.repo_digests},
                         {"chainIDs", r.chain_ids},
                         {"diffIDs", r.diff_ids},
                         {"size", r.size}};
  std::vector<std::string> dirs;
  for (const std::string& c : r.chain_ids) dirs.push_back(images.layers().Dir(c));
  info["layerDirs"] = dirs;
  absl::StatusOr<std::string> config = images.ConfigJson(r);
  if (config.ok()) {
    info["imageSpec"] = nlohmann::json::parse(*config, nullptr, false);
  } else {
    info["imageSpecError"] = std::string(config.status().message());
  }
  return info.dump();
}

}  // namespace

grpc::Status ImageService::ListImages(grpc::ServerContext*, const v1::ListImagesRequest* req,
                                      v1::ListImagesResponse* resp) {
  return RunCall("ListImages", [&] {
    for (const image::ImageRecord& r : Matching(*s_.images, req->filter())) ToCriImage(r, resp->add_images());
    return absl::OkStatus();
  });
}

grpc::Status ImageService::StreamImages(grpc::ServerContext*, const v1::StreamImagesRequest* req,
                                        grpc::ServerWriter<v1::StreamImagesResponse>* writer) {
  return RunCall("StreamImages", [&] {
    // One image per message keeps each message small however many images there are.
    for (const image::ImageRecord& r : Matching(*s_.images, req->filter())) {
      v1::StreamImagesResponse resp;
      ToCriImage(r, resp.add_images());
      if (!writer->Write(resp)) return absl::CancelledError("StreamImages: the client went away");
    }
    return absl::OkStatus();
  });
}

grpc::Status ImageService::ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* req,
                                       v1::ImageStatusResponse* resp) {
  return RunCall("ImageStatus", [&]() -> absl::Status {
    UCR_ASSIGN_OR_RETURN(std::string ref, RequestedImage(req->image()));
    absl::StatusOr<image::ImageRecord> r = s_.images->Find(ref);
    // The CRI answers an absent image with an empty status, not an error.
    if (absl::IsNotFound(r.status())) return absl::OkStatus();
    if (!r.ok()) return r.status();
    ToCriImage(*r, resp->mutable_image());
    if (req->verbose()) (*resp->mutable_info())["info"] = VerboseInfo(*s_.images, *r);
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
