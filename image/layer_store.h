// The layer store: unpacked layers keyed by chain id, each a directory usable
// as an overlayfs lowerdir (see common/paths.h for the layout).
//
// A layer is published when BOTH layers/<hex>/ and layers/<hex>.json exist.
// Unpack publishes in this order: unpack into layers/tmp/<random>/, verify the
// diff id, rename the dir into place, then write the metadata atomically; so a
// crash leaves at worst a dir without metadata, which Recover() removes.
// Remove() deletes the metadata first, then the dir.
//
// Ids: chain_id, diff_id and parent_chain_id are "sha256:<64 hex>"; the base
// layer's parent_chain_id is "". Malformed ids are INVALID_ARGUMENT.
// Thread-safe. One LayerStore per root (ucrd's lock file ensures one process).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paths.h"
#include "image/unpack/byte_source.h"
#include "image/unpack/layer_unpacker.h"

namespace ucr::image {

struct LayerInfo {
  std::string chain_id;
  std::string diff_id;
  std::string parent_chain_id;  // "" for a base layer
  uint64_t size_bytes = 0;      // uncompressed tar size
};

class LayerStore {
 public:
  // durable: syncfs(2) each unpacked layer before publishing it, so a crash
  // never leaves published metadata over files whose data never hit the disk.
  explicit LayerStore(Paths paths, bool durable = true);

  // Creates layers/ if needed, wipes layers/tmp, drops half-published layers
  // (a dir without metadata, or metadata without a dir). Call before use.
  absl::Status Recover();

  // The OCI chain id: ChainID(L0) = DiffID(L0);
  // ChainID(Ln) = "sha256:" + hex(SHA256(ChainID(Ln-1) + " " + DiffID(Ln))).
  static std::string ChainId(absl::string_view parent_chain_id, absl::string_view diff_id);

  bool Has(absl::string_view chain_id) const;
  // The layer's directory (the overlayfs lowerdir); "" for a malformed id.
  std::string Dir(absl::string_view chain_id) const;

  // Unpacks `source` (compressed with `c`) as layer `chain_id`. Checks the
  // uncompressed digest equals expected_diff_id, else INVALID_ARGUMENT naming
  // both digests and nothing is stored. Already present: returns its info
  // without reading `source`. Concurrent calls for the same chain id are
  // serialized: the first unpacks, the others then find it present.
  absl::StatusOr<LayerInfo> Unpack(absl::string_view chain_id, absl::string_view parent_chain_id,
                                   absl::string_view expected_diff_id, ByteSource& source,
                                   Compression c);

  // NOT_FOUND when the layer is not published.
  absl::StatusOr<LayerInfo> Info(absl::string_view chain_id) const;
  // Idempotent: OK when absent.
  absl::Status Remove(absl::string_view chain_id);
  // Every published layer (sorted by chain id).
  std::vector<LayerInfo> List() const;

 private:
  class ChainLock;  // holds busy_ membership for one chain id

  absl::StatusOr<LayerInfo> UnpackLocked(absl::string_view chain_id,
                                         absl::string_view parent_chain_id,
                                         absl::string_view expected_diff_id, ByteSource& source,
                                         Compression c);
  absl::Status Publish(const std::string& tmp_dir, const LayerInfo& info);

  Paths paths_;
  bool durable_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> busy_;  // chain ids being unpacked or removed
};

}  // namespace ucr::image
