// A pull-style stream of bytes: what the layer unpacker reads a (compressed)
// layer blob from. The content store hands out a FdByteSource on a verified
// blob; tests use StringByteSource.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace ucr::image {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to len bytes into buf; 0 means end of stream.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t len) = 0;
};

// Reads an fd it owns until EOF (retries EINTR).
class FdByteSource : public ByteSource {
 public:
  explicit FdByteSource(UniqueFd fd) : fd_(std::move(fd)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t len) override;

 private:
  UniqueFd fd_;
};

// Serves an in-memory buffer (tests, small blobs).
class StringByteSource : public ByteSource {
 public:
  explicit StringByteSource(std::string data) : data_(std::move(data)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t len) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace ucr::image
