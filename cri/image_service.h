// The CRI ImageService. Each RPC's handler lives in the file named beside it.
#pragma once

#include "cri/runtime_service.h"

namespace ucr::cri {

class ImageService final : public v1::ImageService::Service {
 public:
  explicit ImageService(Services services) : s_(services) {}

  UCR_CRI_UNARY(ListImages);   // cri/image_list.cc
  UCR_CRI_UNARY(ImageStatus);  // cri/image_list.cc
  UCR_CRI_STREAM(StreamImages, StreamImagesRequest, StreamImagesResponse);  // cri/image_list.cc
  UCR_CRI_UNARY(PullImage);    // cri/image_pull.cc
  UCR_CRI_UNARY(RemoveImage);  // cri/image_remove.cc
  UCR_CRI_UNARY(ImageFsInfo);  // cri/image_fs_info.cc

 private:
  Services s_;
};

}  // namespace ucr::cri
