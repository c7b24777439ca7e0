#include "runtime/cgroups/cgroup_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::runtime::cgroups::internal {

std::string JoinPath(absl::string_view mount, absl::string_view relative) {
  if (relative.empty() || relative == "/") return std::string(mount);
  return absl::StrCat(mount, relative);
}

absl::Status WriteControl(const std::string& dir, absl::string_view file, absl::string_view value) {
  std::string path = absl::StrCat(dir, "/", file);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) return LastErrnoError(absl::StrCat("open ", path));
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) return LastErrnoError(absl::StrCat("write \"", value, "\" to ", path));
  if (static_cast<size_t>(n) != value.size()) {
    return absl::InternalError(absl::StrCat("short write of \"", value, "\" to ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadControl(const std::string& dir, absl::string_view file) {
  return ReadFile(absl::StrCat(dir, "/", file));
}

bool ControlExists(const std::string& dir, absl::string_view file) {
  std::string path = absl::StrCat(dir, "/", file);
  return ::access(path.c_str(), F_OK) == 0;
}

absl::StatusOr<uint64_t> ReadControlUint(const std::string& dir, absl::string_view file) {
  UCR_ASSIGN_OR_RETURN(std::string text, ReadControl(dir, file));
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed == "max") return std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  if (!absl::SimpleAtoi(trimmed, &value)) {
    return absl::DataLossError(absl::StrCat(dir, "/", file, ": not a number: \"", trimmed, "\""));
  }
  return value;
}

std::map<std::string, uint64_t> ParseFlatKeyed(absl::string_view text) {
  std::map<std::string, uint64_t> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    uint64_t value = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(kv.second), &value)) {
      out[std::string(kv.first)] = value;
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir,
                                                              absl::string_view file) {
  UCR_ASSIGN_OR_RETURN(std::string text, ReadControl(dir, file));
  return ParseFlatKeyed(text);
}

}  // namespace ucr::runtime::cgroups::internal
