// Verified blobs by digest (manifests, configs, indexes). A blob is streamed
// into content/ingest while it is hashed and only renamed into
// content/blobs/sha256/<hex> after its size and digest match the
// descriptor: a reader never sees a partial or wrong blob, and whatever an
// interrupted download left in ingest/ is wiped by Recover().
//
// Layer blobs are not kept here: they are unpacked while they download
// (see puller.h) and the layer store keeps the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paths.h"
#include "common/unique_fd.h"
#include "image/digest.h"

namespace ucr::image {

class ContentStore {
 public:
  explicit ContentStore(Paths paths) : paths_(std::move(paths)) {}

  // Creates the directories and empties ingest/ (downloads of a previous run).
  absl::Status Recover();

  bool Has(absl::string_view digest) const;
  std::string PathOf(absl::string_view digest) const;
  absl::StatusOr<std::string> Read(absl::string_view digest, size_t max_bytes = 16 << 20) const;

  // Stores `data` after checking it against `digest` and `size`.
  absl::Status Put(absl::string_view digest, int64_t size, absl::string_view data);

  // A blob being written: Write() the bytes, then Commit(). Dropped without
  // Commit(), its ingest file is removed.
  class Writer {
   public:
    Writer(Writer&&) = default;
    ~Writer();
    absl::Status Write(absl::string_view chunk);
    absl::Status Commit();

   private:
    friend class ContentStore;
    Writer(std::string tmp_path, std::string final_path, UniqueFd fd, std::string digest, int64_t size)
        : tmp_(std::move(tmp_path)), final_(std::move(final_path)), fd_(std::move(fd)),
          verifier_(std::make_unique<BlobVerifier>(std::move(digest), size)) {}
    std::string tmp_, final_;
    UniqueFd fd_;
    std::unique_ptr<BlobVerifier> verifier_;
    bool committed_ = false;
  };
  absl::StatusOr<Writer> NewWriter(absl::string_view digest, int64_t size);

  absl::Status Remove(absl::string_view digest);
  // Digests of every stored blob.
  std::vector<std::string> List() const;

 private:
  Paths paths_;
};

}  // namespace ucr::image
