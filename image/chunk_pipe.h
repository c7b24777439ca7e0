// A bounded in-memory pipe between a layer's download (the producer, fed by
// libcurl) and its unpacking (the consumer, a ByteSource), so that a layer
// is unpacked while it downloads, without a temporary file, and a slow
// consumer throttles the download instead of growing memory.
//
// The producer ends the stream with Close(status): the reader sees EOF only
// after an OK close (the blob's size and digest were verified), so a tampered
// blob never reaches the unpacker's final step; an error close makes Read()
// return that error.
#pragma once

#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "image/unpack/byte_source.h"

namespace ucr::image {

class ChunkPipe : public ByteSource {
 public:
  explicit ChunkPipe(size_t max_buffered_bytes) : max_(max_buffered_bytes) {}

  // Producer side. Push blocks while the pipe is full; CANCELLED once the
  // reader stopped reading.
  absl::Status Push(absl::string_view data);
  void Close(absl::Status final_status);

  // Consumer side.
  absl::StatusOr<size_t> Read(char* buf, size_t len) override;
  // The reader is done (early or not): wakes and fails a blocked Push.
  void StopReading();
  // Whether the reader consumed the stream up to an OK end.
  bool reached_eof() const;

 private:
  const size_t max_;
  mutable absl::Mutex mu_;
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t front_offset_ ABSL_GUARDED_BY(mu_) = 0;
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_ ABSL_GUARDED_BY(mu_);
  bool reader_gone_ ABSL_GUARDED_BY(mu_) = false;
  bool eof_seen_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ucr::image
