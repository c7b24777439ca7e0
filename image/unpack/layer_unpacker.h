// Unpacks one image layer (a tar stream, maybe gzip/zstd compressed) into a
// directory that overlayfs can use directly as a lowerdir.
//
// Streaming: the blob is decompressed chunk by chunk, each uncompressed chunk
// is hashed (SHA-256, the layer's diff id) and handed to libarchive's tar
// reader; no temporary tarball. The hash covers the whole uncompressed stream
// to EOF, including the end-of-archive zero blocks and any record padding.
//
// Hostile entries (policy, see layer_unpacker.cc for the details):
//   absolute names ("/etc/x")          confined: written at <dest>/etc/x
//   ".." components (name or link)     refused (INVALID_ARGUMENT naming the entry)
//   parent path traversing a symlink   refused (every lookup is openat2 with
//                                      RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
//   hardlink target outside / missing  absolute confined like names; must name an
//                                      earlier entry of this layer, else refused
// On error the destination holds a partial tree: the caller discards it.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "image/unpack/byte_source.h"

namespace ucr::image {

enum class Compression { kNone, kGzip, kZstd };

// OCI and Docker layer media types (incl. the non-distributable/foreign ones);
// INVALID_ARGUMENT "unsupported layer media type <x>" otherwise.
absl::StatusOr<Compression> CompressionForMediaType(absl::string_view media_type);

struct UnpackStats {
  std::string diff_id;  // "sha256:<hex>" of the uncompressed tar stream
  uint64_t uncompressed_bytes = 0;
  uint64_t entries = 0;  // tar headers read (incl. whiteouts)
};

// Streams `compressed` through the decompressor and the tar reader into
// `dest_dir` (existing, empty), hashing the uncompressed bytes.
// Corrupt/truncated input: DATA_LOSS; hostile or unsupported entries:
// INVALID_ARGUMENT; filesystem errors: the errno's code. Messages name the entry.
absl::StatusOr<UnpackStats> UnpackLayer(ByteSource& compressed, Compression c,
                                        const std::string& dest_dir);

}  // namespace ucr::image
