// Levelled logging to stderr. Each gRPC call gets a short call id that every
// line logged on its thread carries, so one call's lines can be grepped together.
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"

namespace ucr::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

absl::StatusOr<Level> ParseLevel(absl::string_view name);
absl::string_view LevelName(Level level);
void SetLevel(Level level);
bool Enabled(Level level);

// Writes one line: "<RFC3339 UTC time> <LEVEL> [<call id>] <message>".
void Write(Level level, absl::string_view message);

// Sets the call id for log lines written on this thread while the scope lives.
class CallScope {
 public:
  explicit CallScope(std::string id);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::string previous_;
};

// The call id of this thread ("" outside a call): to carry it to a helper thread.
std::string CurrentCallId();

// An 8-hex id for a new call.
std::string NewCallId();

template <typename... Args>
void Debug(const absl::FormatSpec<Args...>& f, const Args&... args) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, absl::StrFormat(f, args...));
}
template <typename... Args>
void Info(const absl::FormatSpec<Args...>& f, const Args&... args) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, absl::StrFormat(f, args...));
}
template <typename... Args>
void Warn(const absl::FormatSpec<Args...>& f, const Args&... args) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, absl::StrFormat(f, args...));
}
template <typename... Args>
void Error(const absl::FormatSpec<Args...>& f, const Args&... args) {
  if (Enabled(Level::kError)) Write(Level::kError, absl::StrFormat(f, args...));
}

}  // namespace ucr::log
