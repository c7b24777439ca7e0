// Fetches one layer into the layer store, streaming: the download thread
// verifies size and digest as bytes arrive and feeds a ChunkPipe that the
// unpacker reads from, so decompression and file creation overlap the
// download and no layer blob is ever written to disk.
#pragma once

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "image/http_client.h"
#include "image/layer_store.h"
#include "image/manifest.h"
#include "image/registry_client.h"

namespace ucr::image {

struct LayerJob {
  std::string label;  // "layer 2/7" for the log
  Descriptor blob;
  std::string chain_id;
  std::string parent_chain_id;
  std::string diff_id;
};

absl::StatusOr<LayerInfo> FetchLayer(RegistrySession& session, HttpClient& http, LayerStore& layers,
                                     const LayerJob& job, const std::atomic<bool>& cancel);

}  // namespace ucr::image
