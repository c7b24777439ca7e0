// Turns a compressed ByteSource into a stream of uncompressed chunks.
// gzip: zlib, multi-member streams accepted; zstd: libzstd, multi-frame
// accepted; a stream that ends inside a member/frame is DATA_LOSS.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "image/unpack/byte_source.h"
#include "image/unpack/layer_unpacker.h"

namespace ucr::image {

class Decompressor {
 public:
  virtual ~Decompressor() = default;
  // The next chunk of uncompressed bytes (valid until the next call); an
  // empty span at the end of the stream.
  virtual absl::StatusOr<absl::Span<const char>> Next() = 0;
};

std::unique_ptr<Decompressor> MakeDecompressor(ByteSource& source, Compression c);

}  // namespace ucr::image
