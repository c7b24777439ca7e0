#include "runtime/container/overlay_rootfs.h"

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/scoped_mount.h"
#include "common/status.h"

namespace ucr::runtime {
namespace {

// The kernel copies at most one page of mount data.
constexpr size_t kMaxMountData = 4095;

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// The deepest directory containing every lowerdir, "" when there is none but "/".
std::string CommonParent(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return "";
  std::string base = ParentDir(dirs.front());
  for (const std::string& dir : dirs) {
    while (base != "/" && !absl::StartsWith(dir, absl::StrCat(base, "/"))) base = ParentDir(base);
  }
  return base == "/" ? "" : base;
}

// mount(2) from a child whose working directory is `base` (chdir must not
// touch ucrd's own cwd, shared by all its threads).
absl::Status MountFromDir(const std::string& base, const std::string& target,
                          const std::string& data) {
  pid_t child = ::fork();
  if (child < 0) return LastErrnoError("fork to mount the overlay");
  if (child == 0) {
    if (::chdir(base.c_str()) != 0) ::_exit(errno);
    if (::mount("overlay", target.c_str(), "overlay", 0, data.c_str()) != 0) ::_exit(errno);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  int err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
  if (err != 0) return ErrnoError(err, absl::StrCat("mount overlay at ", target, " (from ", base, ")"));
  return absl::OkStatus();
}

struct MountPlan {
  std::string base;  // the directory to mount from; "": anywhere
  std::string data;
};

// How to hand `dirs` to the kernel: with absolute lowerdirs when they fit in
// its page, else relative to their common parent. Nullopt when neither fits;
// `shortest` then says how long the data would be.
std::optional<MountPlan> PlanMount(const OverlayDirs& dirs, size_t* shortest = nullptr) {
  std::string data = OverlayMountData(dirs, "");
  if (data.size() <= kMaxMountData) return MountPlan{"", std::move(data)};
  std::string base = CommonParent(dirs.lowers);
  std::string relative = base.empty() ? data : OverlayMountData(dirs, base);
  if (shortest != nullptr) *shortest = relative.size();
  if (base.empty() || relative.size() > kMaxMountData) return std::nullopt;
  return MountPlan{std::move(base), std::move(relative)};
}

absl::Status MountOverlayOnce(const OverlayDirs& dirs) {
  UCR_RETURN_IF_ERROR(MakeDirs(dirs.upper, 0755));
  UCR_RETURN_IF_ERROR(MakeDirs(dirs.work, 0700));
  UCR_RETURN_IF_ERROR(MakeDirs(dirs.target, 0755));
  size_t shortest = 0;
  std::optional<MountPlan> plan = PlanMount(dirs, &shortest);
  if (!plan) {
    return absl::InvalidArgumentError(absl::StrCat("overlay mount data for ", dirs.lowers.size(),
                                                   " layers is ", shortest,
                                                   " bytes, over the kernel's page limit"));
  }
  if (!plan->base.empty()) return MountFromDir(plan->base, dirs.target, plan->data);
  if (::mount("overlay", dirs.target.c_str(), "overlay", 0, plan->data.c_str()) != 0) {
    return LastErrnoError(absl::StrCat("mount overlay at ", dirs.target, " (", dirs.lowers.size(),
                                       " layers)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string OverlayMountData(const OverlayDirs& dirs, const std::string& lower_base) {
  std::string lowers;
  for (const std::string& dir : dirs.lowers) {
    if (!lowers.empty()) lowers += ':';
    lowers += lower_base.empty() ? dir : dir.substr(lower_base.size() + 1);
  }
  return absl::StrCat("lowerdir=", lowers, ",upperdir=", dirs.upper, ",workdir=", dirs.work,
                      dirs.volatile_upper ? ",volatile" : "");
}

bool OverlayMountDataFits(const OverlayDirs& dirs) { return PlanMount(dirs).has_value(); }

absl::Status MountOverlay(const OverlayDirs& wanted) {
  if (wanted.lowers.empty()) return absl::InvalidArgumentError("image has no layers to mount");
  // Kernels before 5.10 do not know "volatile": without it then.
  absl::Status mounted = MountOverlayOnce(wanted);
  if (wanted.volatile_upper && absl::IsInvalidArgument(mounted)) {
    OverlayDirs plain = wanted;
    plain.volatile_upper = false;
    if (MountOverlayOnce(plain).ok()) return absl::OkStatus();
  }
  return mounted;
}

absl::Status UnmountRootfs(const std::string& target) {
  // A lazy unmount takes the mounts below along: no need to list them from
  // mountinfo (~10 us a line to make and parse: ms on a busy node).
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return LastErrnoError(absl::StrCat("unmount rootfs ", target));
  if (::rmdir(target.c_str()) != 0 && errno != ENOENT) {
    return LastErrnoError(absl::StrCat("remove rootfs dir ", target));
  }
  return absl::OkStatus();
}

}  // namespace ucr::runtime
