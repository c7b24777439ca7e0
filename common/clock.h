// Wall-clock time as the CRI reports it: nanoseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace ucr {

inline int64_t UnixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ucr
