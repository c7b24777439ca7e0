// ImageService.ImageFsInfo: what the image store really uses on disk, for the
// kubelet's image garbage collection and eviction decisions.
#include "absl/time/clock.h"
#include "common/status.h"
#include "cri/call.h"
#include "cri/image_service.h"
#include "image/image_manager.h"

namespace ucr::cri {

grpc::Status ImageService::ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest*,
                                       v1::ImageFsInfoResponse* resp) {
  return RunCall("ImageFsInfo", [&]() -> absl::Status {
    UCR_ASSIGN_OR_RETURN(image::DiskUsage usage, s_.images->Usage());
    v1::FilesystemUsage* fs = resp->add_image_filesystems();
    fs->set_timestamp(absl::GetCurrentTimeNanos());
    fs->mutable_fs_id()->set_mountpoint(s_.images->paths().root());
    fs->mutable_used_bytes()->set_value(usage.bytes);
    fs->mutable_inodes_used()->set_value(usage.inodes);
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
