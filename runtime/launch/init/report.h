// ucr-init's channel back to ucrd: one line per message on the sync pipe.
//   "ok [phase=usec ...]"     set up, waiting for start; how long each
//                             set-up phase took (ucrd logs it at debug level)
//   "error <code> <message>"  set-up failed (code: absl::StatusCode)
//   "warn <message>"          set-up went on after adjusting something
#pragma once

#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace ucr::runtime::init {

class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd), last_(NowMicros()) {}
  // Marks the end of a set-up phase: its duration goes into the "ok" line.
  void Phase(const char* name) {
    int64_t now = NowMicros();
    absl::StrAppend(&phases_, " ", name, "=", now - last_);
    last_ = now;
  }
  void Ok() { Line(absl::StrCat("ok", phases_)); }
  void Warn(const std::string& message) { Line(absl::StrCat("warn ", message)); }
  void Error(const absl::Status& status) {
    Line(absl::StrCat("error ", static_cast<int>(status.code()), " ", status.message()));
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  void Line(const std::string& text) {
    if (fd_ < 0) return;
    std::string line = absl::StrReplaceAll(text, {{"\n", " "}});
    line += '\n';
    ssize_t w = ::write(fd_, line.data(), line.size());
    (void)w;
  }
  static int64_t NowMicros() {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  }
  int fd_;
  int64_t last_;
  std::string phases_;
};

}  // namespace ucr::runtime::init
