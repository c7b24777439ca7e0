#include "common/mountinfo.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace ucr {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && absl::ascii_isdigit(s[i + 1]) &&
        absl::ascii_isdigit(s[i + 2]) && absl::ascii_isdigit(s[i + 3])) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<MountInfoEntry> ParseMountInfo(absl::string_view text) {
  std::vector<MountInfoEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // id parent major:minor root mount-point options [optional...] - type source super-options
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    auto dash = std::find(fields.begin() + std::min<size_t>(fields.size(), 6), fields.end(), "-");
    if (fields.size() < 10 || dash == fields.end() || fields.end() - dash < 4) continue;
    MountInfoEntry e;
    e.root = Unescape(fields[3]);
    e.mount_point = Unescape(fields[4]);
    e.fs_type = std::string(*(dash + 1));
    for (absl::string_view opt : absl::StrSplit(*(dash + 3), ',')) e.super_options.emplace_back(opt);
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<MountInfoEntry>> ReadMountInfo() {
  absl::StatusOr<std::string> text = ReadFile("/proc/self/mountinfo");
  if (!text.ok()) return text.status();
  return ParseMountInfo(*text);
}

}  // namespace ucr
