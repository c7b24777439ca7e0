// What ucrd remembers about one pulled image: images/<id-hex>.json, written
// atomically. The id is the config blob's digest (the CRI image id).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/paths.h"
#include "image/image_provider.h"

namespace ucr::image {

struct ImageRecord {
  std::string id;                         // "sha256:<hex>" of the config
  std::vector<std::string> repo_tags;     // "docker.io/library/busybox:latest"
  std::vector<std::string> repo_digests;  // "docker.io/library/busybox@sha256:<manifest or index>"
  std::vector<std::string> chain_ids;     // bottom layer first
  std::vector<std::string> diff_ids;      // bottom layer first
  std::vector<std::string> blobs;         // content-store digests kept for it (manifests, config)
  uint64_t size = 0;                      // bytes of its unpacked layers
  ImageConfig config;
  bool pinned = false;
  int64_t pulled_at_ns = 0;               // last pull; breaks ties when a tag moved during a crash
};

// Persists and loads records under images/.
class ImageRecordStore {
 public:
  explicit ImageRecordStore(Paths paths) : paths_(std::move(paths)) {}
  absl::Status Save(const ImageRecord& record) const;
  absl::Status Remove(absl::string_view id) const;
  // Every readable record; unreadable ones are logged and skipped (not deleted).
  absl::StatusOr<std::vector<ImageRecord>> LoadAll() const;

 private:
  Paths paths_;
};

}  // namespace ucr::image
