#include "common/scoped_mount.h"

#include <sys/mount.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace ucr {

ScopedMount::~ScopedMount() {
  if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
}

ScopedMount& ScopedMount::operator=(ScopedMount&& other) noexcept {
  if (this != &other) {
    if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
    target_ = other.release();
  }
  return *this;
}

absl::StatusOr<ScopedMount> ScopedMount::Mount(const std::string& source, const std::string& target,
                                               const std::string& fstype, unsigned long flags,
                                               const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    return LastErrnoError(absl::StrCat("mount ", fstype.empty() ? source : fstype, " at ", target));
  }
  return ScopedMount(target);
}

absl::Status ScopedMount::Unmount() {
  if (target_.empty()) return absl::OkStatus();
  std::string target = release();
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return LastErrnoError(absl::StrCat("unmount ", target));
  }
  return absl::OkStatus();
}

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
static std::string UnescapeMountinfo(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      out.push_back(static_cast<char>(v));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

absl::Status UnmountAllUnder(const std::string& root) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return LastErrnoError("open /proc/self/mountinfo");
  std::vector<std::string> targets;
  std::string line;
  std::string prefix = root.ends_with('/') ? root : root + "/";
  while (std::getline(in, line)) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 5) continue;
    std::string mount_point = UnescapeMountinfo(fields[4]);
    if (mount_point == root || mount_point.starts_with(prefix)) targets.push_back(mount_point);
  }
  // Deepest first so that parents are not busy with their children.
  std::sort(targets.begin(), targets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  absl::Status first_error;
  for (const std::string& t : targets) {
    if (::umount2(t.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT &&
        first_error.ok()) {
      first_error = LastErrnoError(absl::StrCat("unmount ", t));
    }
  }
  return first_error;
}

}  // namespace ucr
