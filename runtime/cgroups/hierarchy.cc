// Hierarchy detection from /proc/self/mountinfo.
#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/mountinfo.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

// Super-block options of a v1 cgroup mount that name a controller (the rest are flags such
// as rw, xattr, release_agent=..., clone_children).
bool IsV1Controller(absl::string_view option) {
  static const std::set<std::string, std::less<>> kKnown = {
      "blkio",   "cpu",      "cpuacct",    "cpuset", "devices", "freezer", "hugetlb", "memory",
      "net_cls", "net_prio", "perf_event", "pids",   "rdma",    "misc",    "debug"};
  return kKnown.count(option) > 0 || absl::StartsWith(option, "name=");
}

absl::StatusOr<Mount> V2Mount(const std::string& path) {
  UCR_ASSIGN_OR_RETURN(std::string controllers, internal::ReadControl(path, "cgroup.controllers"));
  Mount m{path, {}};
  for (absl::string_view c :
       absl::StrSplit(controllers, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    m.controllers.emplace_back(c);
  }
  return m;
}

}  // namespace

absl::StatusOr<Hierarchy> Hierarchy::Detect(const std::string& root) {
  UCR_ASSIGN_OR_RETURN(std::string mountinfo, ReadFile("/proc/self/mountinfo"));
  return FromMountInfo(mountinfo, root);
}

absl::StatusOr<Hierarchy> Hierarchy::FromMountInfo(absl::string_view mountinfo,
                                                   const std::string& root) {
  Hierarchy h;
  h.root_ = root;
  std::string v2_path;
  bool has_v1_controller = false;
  std::set<std::vector<std::string>> seen;
  for (MountInfoEntry& line : ParseMountInfo(mountinfo)) {
    if (line.fs_type != "cgroup" && line.fs_type != "cgroup2") continue;
    if (!PathIsAtOrUnder(line.mount_point, root)) continue;
    if (line.fs_type == "cgroup2") {
      // Prefer the one at the root (pure v2) over a hybrid host's /unified.
      if (v2_path.empty() || line.mount_point == root) v2_path = line.mount_point;
      continue;
    }
    Mount m{line.mount_point, {}};
    for (std::string& opt : line.super_options) {
      if (!IsV1Controller(opt)) continue;
      if (!absl::StartsWith(opt, "name=")) has_v1_controller = true;
      m.controllers.push_back(std::move(opt));
    }
    std::sort(m.controllers.begin(), m.controllers.end());
    // The same hierarchy bind-mounted twice is joined once.
    if (m.controllers.empty() || !seen.insert(m.controllers).second) continue;
    h.mounts_.push_back(std::move(m));
  }
  if (has_v1_controller) {
    h.version_ = Version::kV1;
    return h;
  }
  if (v2_path.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no cgroup v1 controller or cgroup2 mount found under ", root));
  }
  UCR_ASSIGN_OR_RETURN(Mount v2, V2Mount(v2_path));
  h.version_ = Version::kV2;
  h.mounts_ = {std::move(v2)};
  return h;
}

std::string Hierarchy::MountFor(absl::string_view controller) const {
  for (const Mount& m : mounts_) {
    if (std::find(m.controllers.begin(), m.controllers.end(), controller) != m.controllers.end()) {
      return m.path;
    }
  }
  return "";
}

}  // namespace ucr::runtime::cgroups
