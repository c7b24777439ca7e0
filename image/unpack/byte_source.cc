#include "image/unpack/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/status.h"

namespace ucr::image {

absl::StatusOr<size_t> FdByteSource::Read(char* buf, size_t len) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return LastErrnoError("read layer blob");
  }
}

absl::StatusOr<size_t> StringByteSource::Read(char* buf, size_t len) {
  size_t n = std::min(len, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace ucr::image
