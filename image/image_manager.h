// The image store's front: pulls (coalesced per reference), the in-memory
// index of image records, lookups by id / tag / digest, removal with garbage
// collection of layers and blobs, disk usage, and recovery at start-up.
// Implements ImageProvider for runtime/.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/config.h"
#include "common/paths.h"
#include "image/auth.h"
#include "image/content_store.h"
#include "image/disk_usage.h"
#include "image/image_provider.h"
#include "image/image_record.h"
#include "image/layer_store.h"
#include "image/pull_guards.h"

namespace ucr::image {

class ImageManager final : public ImageProvider {
 public:
  ImageManager(const Config* config, Paths paths);

  // Empties ingest/ and layers/tmp, loads the records, drops records whose
  // layers are gone, and collects layers and blobs no record references
  // (what an interrupted pull left behind).
  absl::Status Recover();

  // Asked before an image is removed; true keeps it (FAILED_PRECONDITION).
  // Called without the manager's lock held.
  void SetInUseChecker(std::function<bool(const std::string& image_id)> checker);

  // Pulls `reference` (normalized), or waits for the identical pull already
  // running. Returns the stored record.
  absl::StatusOr<ImageRecord> Pull(absl::string_view reference, const Credentials& creds);

  std::vector<ImageRecord> List() const;
  // By full id (with or without "sha256:"), tag or digest reference, or a
  // unique id prefix. NOT_FOUND naming `ref_or_id`.
  absl::StatusOr<ImageRecord> Find(absl::string_view ref_or_id) const;
  // By tag: removes that tag only when the image has others; by id or
  // digest: the whole image. NOT_FOUND when absent.
  absl::Status Remove(absl::string_view ref_or_id);
  // The raw config JSON of a stored image.
  absl::StatusOr<std::string> ConfigJson(const ImageRecord& record) const;
  absl::StatusOr<DiskUsage> Usage() const;

  absl::StatusOr<ResolvedImage> Resolve(absl::string_view ref_or_id) override;

  const Paths& paths() const { return paths_; }
  LayerStore& layers() { return layers_; }

 private:
  struct Flight;
  absl::StatusOr<ImageRecord> PullUncoalesced(absl::string_view reference, const Credentials& creds);
  const ImageRecord* FindLocked(absl::string_view ref_or_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status SaveLocked(const ImageRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CollectGarbageLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Config* config_;
  const Paths paths_;
  ContentStore content_;
  LayerStore layers_;
  ImageRecordStore records_;
  LayerClaims claims_;
  PinSet pins_;

  mutable absl::Mutex mu_;
  std::map<std::string, ImageRecord> images_ ABSL_GUARDED_BY(mu_);  // by id
  std::map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  std::function<bool(const std::string&)> in_use_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ucr::image
