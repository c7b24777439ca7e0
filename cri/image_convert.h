// The CRI form of a stored image, shared by ListImages, ImageStatus and
// StreamImages.
#pragma once

#include "cri/runtime_service.h"
#include "image/image_record.h"

namespace ucr::cri {

void ToCriImage(const image::ImageRecord& record, v1::Image* out);

// The image a request names; INVALID_ARGUMENT when it names none.
absl::StatusOr<std::string> RequestedImage(const v1::ImageSpec& spec);

}  // namespace ucr::cri
