#include "cri/image_convert.h"

#include "image/image_config.h"

namespace ucr::cri {

void ToCriImage(const image::ImageRecord& r, v1::Image* out) {
  out->set_id(r.id);
  for (const std::string& t : r.repo_tags) out->add_repo_tags(t);
  for (const std::string& d : r.repo_digests) out->add_repo_digests(d);
  out->set_size(r.size);
  image::ImageUser user = image::SplitImageUser(r.config.user);
  if (user.uid) out->mutable_uid()->set_value(*user.uid);
  out->set_username(user.username);
  out->mutable_spec()->set_image(r.id);
  out->set_pinned(r.pinned);
}

absl::StatusOr<std::string> RequestedImage(const v1::ImageSpec& spec) {
  if (spec.image().empty()) return absl::InvalidArgumentError("image spec names no image (ImageSpec.image is empty)");
  return spec.image();
}

}  // namespace ucr::cri
