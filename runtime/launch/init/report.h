// ucr-init's channel back to ucrd: one line per message on the sync pipe.
//   "ok"                      set up, waiting for start
//   "error <code> <message>"  set-up failed (code: absl::StatusCode)
//   "warn <message>"          set-up went on after adjusting something
#pragma once

#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace ucr::runtime::init {

class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void Ok() { Line("ok"); }
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
  int fd_;
};

}  // namespace ucr::runtime::init
