#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ids.h"

namespace ucr::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
thread_local std::string t_call_id;

}  // namespace

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", name, "\" (want debug, info, warn or error)"));
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string CurrentCallId() { return t_call_id; }

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Write(Level level, absl::string_view message) {
  static constexpr absl::string_view kTags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
      kTags[static_cast<int>(level)], " ");
  if (!t_call_id.empty()) absl::StrAppend(&line, "[", t_call_id, "] ");
  absl::StrAppend(&line, message, "\n");
  // One write(2) per line keeps lines from different threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

CallScope::CallScope(std::string id) : id_(std::move(id)), previous_(t_call_id) { t_call_id = id_; }

CallScope::~CallScope() { t_call_id = previous_; }

std::string NewCallId() { return RandomHex(4); }

}  // namespace ucr::log
