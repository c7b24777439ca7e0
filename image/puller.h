// Pulls one image: resolves the reference on the first endpoint that answers
// (mirrors first), picks this platform's manifest from an index, stores the
// manifest(s) and config in the content store, and fetches the layers that
// the layer store lacks, up to kParallelLayers at a time, each unpacked
// while it downloads (see layer_fetch.h). Writes no image record: the
// caller (ImageManager) does that once everything is in place.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "image/auth.h"
#include "image/content_store.h"
#include "image/image_config.h"
#include "image/layer_store.h"
#include "image/pull_guards.h"
#include "image/reference.h"

namespace ucr::image {

inline constexpr int kParallelLayers = 4;

struct PullDeps {
  const Config* config;
  ContentStore* content;
  LayerStore* layers;
  LayerClaims* claims;
  PinSet* pins;
};

struct PullResult {
  std::string config_digest;    // the image id
  std::string manifest_digest;  // of what the reference named (an index, or the manifest)
  ParsedConfig config;
  std::vector<std::string> chain_ids;  // bottom first
  std::vector<std::string> blobs;      // stored manifest(s) and config
  uint64_t size = 0;                   // unpacked layer bytes
};

// `pins` receives every chain id and blob the result refers to, before any of
// them is looked up, so garbage collection leaves them alone until the
// caller drops the pins.
absl::StatusOr<PullResult> PullImage(const PullDeps& deps, const Reference& ref, const Credentials& creds,
                                     ScopedPins& pins);

}  // namespace ucr::image
