// Device access rules (v1 devices controller) for unprivileged containers.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

bool IsDeviceNumber(absl::string_view s) {
  if (s == "*") return true;
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsAccess(absl::string_view access) {
  if (access.empty() || access.size() > 3) return false;
  for (char c : access) {
    if (c != 'r' && c != 'w' && c != 'm') return false;
  }
  return true;
}

// "c 1:3 rwm": type, major:minor, access. Checked so that nothing else reaches the kernel.
absl::Status CheckRule(absl::string_view rule) {
  std::vector<absl::string_view> parts = absl::StrSplit(rule, ' ');
  std::vector<absl::string_view> numbers =
      parts.size() == 3 ? absl::StrSplit(parts[1], ':') : std::vector<absl::string_view>{};
  bool ok = parts.size() == 3 && (parts[0] == "c" || parts[0] == "b" || parts[0] == "a") &&
            numbers.size() == 2 && IsDeviceNumber(numbers[0]) && IsDeviceNumber(numbers[1]) &&
            IsAccess(parts[2]);
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("invalid device rule \"", rule, "\""));
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> DefaultAllowedDevices() {
  return {"c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",  "c 1:8 rwm",
          "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"};
}

absl::StatusOr<std::string> DeviceRuleForPath(const std::string& host_path,
                                              absl::string_view permissions) {
  if (!IsAccess(permissions)) {
    return absl::InvalidArgumentError(
        absl::StrCat("device permissions \"", permissions, "\" must be made of r, w, m"));
  }
  struct stat st;
  if (::stat(host_path.c_str(), &st) != 0) return LastErrnoError(absl::StrCat("stat ", host_path));
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(host_path, " is not a device node"));
  }
  return absl::StrCat(S_ISCHR(st.st_mode) ? "c " : "b ", major(st.st_rdev), ":", minor(st.st_rdev),
                      " ", permissions);
}

absl::Status Cgroup::RestrictDevices(const std::vector<std::string>& allow) const {
  for (const std::string& rule : allow) UCR_RETURN_IF_ERROR(CheckRule(rule));
  if (hierarchy_.version() == Version::kV2) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      log::Warn("cgroups: device restrictions on cgroup v2 need eBPF; not enforced");
    }
    return absl::OkStatus();
  }
  std::string mount = hierarchy_.MountFor("devices");
  if (mount.empty()) {
    return absl::FailedPreconditionError("devices cgroup controller not mounted");
  }
  std::string dir = internal::JoinPath(mount, path_);
  UCR_RETURN_IF_ERROR(internal::WriteControl(dir, "devices.deny", "a"));
  for (const std::string& rule : allow) {
    UCR_RETURN_IF_ERROR(internal::WriteControl(dir, "devices.allow", rule));
  }
  return absl::OkStatus();
}

}  // namespace ucr::runtime::cgroups
