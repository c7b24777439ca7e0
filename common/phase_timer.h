// How long each of a call's consecutive phases took, for a debug log line
// that says where the time went ("resolve=19 dirs=93 begin=155", in us).
#pragma once

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"

namespace ucr {

class PhaseTimer {
 public:
  PhaseTimer() : last_(std::chrono::steady_clock::now()) {}

  // Ends the phase named `name` (it began at the previous Mark, or at construction).
  void Mark(const char* name) {
    auto now = std::chrono::steady_clock::now();
    absl::StrAppend(&summary_, summary_.empty() ? "" : " ", name, "=",
                    std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count());
    last_ = now;
  }

  const std::string& summary() const { return summary_; }

 private:
  std::chrono::steady_clock::time_point last_;
  std::string summary_;
};

}  // namespace ucr
