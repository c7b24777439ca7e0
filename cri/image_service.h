// The CRI ImageService. Each RPC's handler lives in the file named beside it.
#pragma once

#include "cri/runtime_service.h"

namespace ucr::cri {

class ImageService final : public v1::ImageService::Service {
 public:
  explicit ImageService(Services services) : s_(services) {}

  // Not implemented yet: cri/unimplemented.cc
  UCR_CRI_UNARY(ListImages);
  UCR_CRI_UNARY(ImageStatus);
  UCR_CRI_UNARY(PullImage);
  UCR_CRI_UNARY(RemoveImage);
  UCR_CRI_UNARY(ImageFsInfo);
  UCR_CRI_STREAM(StreamImages, StreamImagesRequest, StreamImagesResponse);

 private:
  Services s_;
};

}  // namespace ucr::cri
