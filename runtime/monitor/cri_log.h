// Writes container output in the CRI log format kubelet reads:
//   <RFC3339Nano UTC time> <stdout|stderr> <P|F> <content>\n
// A line longer than kMaxLine is split into P records, its last piece is F;
// a last line without a newline is written as F when the stream ends.
// No allocation: one fixed buffer per stream.
#pragma once

#include <cstddef>

namespace ucr::monitor {

constexpr size_t kMaxLine = 16 * 1024;

class CriLog {
 public:
  // `fd` < 0 discards output (no log path).
  explicit CriLog(int fd) : fd_(fd) {}
  void set_fd(int fd) { fd_ = fd; }
  int fd() const { return fd_; }

  // `stream` is 0 for stdout, 1 for stderr.
  void Append(int stream, const char* data, size_t len);
  // Writes what is left of each stream's last line as F.
  void Flush();

 private:
  void Emit(int stream, bool partial);

  int fd_;
  char buf_[2][kMaxLine];
  size_t len_[2] = {0, 0};
};

// "2006-01-02T15:04:05.123456789Z" for the current time; returns its length.
size_t FormatNow(char* out, size_t cap);

}  // namespace ucr::monitor
