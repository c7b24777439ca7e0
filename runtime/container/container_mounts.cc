#include "runtime/container/container_mounts.h"

#include <sys/stat.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ucr::runtime {
namespace {

const char* PropagationOption(Propagation p) {
  switch (p) {
    case Propagation::kHostToContainer: return "rslave";
    case Propagation::kBidirectional: return "rshared";
    default: return "rprivate";
  }
}

}  // namespace

absl::StatusOr<std::vector<Mount>> ContainerMounts(const ContainerRequest& request,
                                                   const SandboxRecord& sandbox,
                                                   const PodFilePaths& pod_files) {
  std::vector<Mount> mounts;
  std::set<std::string> taken;
  for (const MountRequest& m : request.mounts) {
    if (!absl::StartsWith(m.container_path, "/")) {
      return absl::InvalidArgumentError(
          absl::StrCat("mount container_path \"", m.container_path, "\" is not absolute"));
    }
    struct stat st;
    if (m.host_path.empty() || ::stat(m.host_path.c_str(), &st) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("mount host_path \"", m.host_path, "\" (for ",
                                                     m.container_path, ") does not exist"));
    }
    mounts.push_back({m.host_path, m.container_path, "bind",
                      {"rbind", PropagationOption(m.propagation), m.readonly ? "ro" : "rw"}});
    taken.insert(m.container_path);
  }
  const char* rw = request.readonly_rootfs ? "ro" : "rw";
  const std::pair<const char*, const std::string*> pod_file_mounts[] = {
      {"/etc/hostname", &pod_files.hostname},
      {"/etc/hosts", &pod_files.hosts},
      {"/etc/resolv.conf", &pod_files.resolv_conf},
  };
  // Files: nothing can be mounted below them, so no propagation setting (it
  // would cost a remount per file on every create).
  for (const auto& [dest, source] : pod_file_mounts) {
    if (taken.count(dest) == 0) mounts.push_back({*source, dest, "bind", {"bind", rw}});
  }
  if (taken.count("/dev/shm") == 0) {
    std::string shm = sandbox.spec.ipc_mode == NamespaceMode::kNode ? "/dev/shm" : pod_files.shm;
    mounts.push_back({shm, "/dev/shm", "bind", {"rbind", "rprivate", "rw", "nosuid", "nodev", "noexec"}});
  }
  return mounts;
}

}  // namespace ucr::runtime
