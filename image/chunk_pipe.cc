#include "image/chunk_pipe.h"

#include <cstring>

namespace ucr::image {

absl::Status ChunkPipe::Push(absl::string_view data) {
  absl::MutexLock lock(&mu_);
  // A chunk larger than the whole buffer is still accepted once the pipe is empty.
  auto writable = [this, &data]() -> bool {
    return reader_gone_ || buffered_ == 0 || buffered_ + data.size() <= max_;
  };
  mu_.Await(absl::Condition(&writable));
  if (reader_gone_) return absl::CancelledError("the layer's reader stopped");
  chunks_.emplace_back(data);
  buffered_ += data.size();
  return absl::OkStatus();
}

void ChunkPipe::Close(absl::Status final_status) {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  final_ = std::move(final_status);
}

absl::StatusOr<size_t> ChunkPipe::Read(char* buf, size_t len) {
  absl::MutexLock lock(&mu_);
  auto readable = [this]() -> bool { return !chunks_.empty() || closed_; };
  mu_.Await(absl::Condition(&readable));
  if (chunks_.empty()) {
    if (!final_.ok()) return final_;
    eof_seen_ = true;
    return 0;
  }
  const std::string& front = chunks_.front();
  size_t n = std::min(len, front.size() - front_offset_);
  std::memcpy(buf, front.data() + front_offset_, n);
  front_offset_ += n;
  buffered_ -= n;
  if (front_offset_ == front.size()) {
    chunks_.pop_front();
    front_offset_ = 0;
  }
  return n;
}

void ChunkPipe::StopReading() {
  absl::MutexLock lock(&mu_);
  reader_gone_ = true;
}

bool ChunkPipe::reached_eof() const {
  absl::MutexLock lock(&mu_);
  return eof_seen_;
}

}  // namespace ucr::image
