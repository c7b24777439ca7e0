#include "runtime/launch/init/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::runtime::init {
namespace {

absl::StatusOr<UniqueFd> OpenNs(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LastErrnoError(absl::StrCat("open namespace ", path));
  return UniqueFd(fd);
}

}  // namespace

absl::Status EnterContainerNamespaces(const ContainerSpec& spec) {
  if (spec.mnt.mode != NsMode::kNew)
    return absl::InvalidArgumentError("the mount namespace must be a new one");
  struct Entry {
    const Namespace& ns;
    int flag;
    const char* name;
  };
  const Entry entries[] = {{spec.net, CLONE_NEWNET, "net"},
                           {spec.ipc, CLONE_NEWIPC, "ipc"},
                           {spec.uts, CLONE_NEWUTS, "uts"},
                           {spec.cgroup, CLONE_NEWCGROUP, "cgroup"}};
  // Open every file first: all paths are host paths.
  std::vector<std::pair<UniqueFd, const Entry*>> joins;
  int unshare_flags = CLONE_NEWNS;
  for (const Entry& e : entries) {
    if (e.ns.mode == NsMode::kNew) unshare_flags |= e.flag;
    if (e.ns.mode != NsMode::kJoin) continue;
    UCR_ASSIGN_OR_RETURN(UniqueFd fd, OpenNs(e.ns.path));
    joins.emplace_back(std::move(fd), &e);
  }
  for (auto& [fd, e] : joins) {
    if (::setns(fd.get(), e->flag) != 0)
      return LastErrnoError(absl::StrCat("join ", e->name, " namespace ", e->ns.path));
  }
  if (::unshare(unshare_flags) != 0) return LastErrnoError("unshare namespaces");
  return absl::OkStatus();
}

absl::Status JoinProcessNamespaces(pid_t pid) {
  // mnt comes last: after it, /proc/<pid> would be the container's view.
  const std::pair<const char*, int> kinds[] = {{"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
                                               {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
                                               {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS}};
  std::vector<std::pair<UniqueFd, int>> fds;
  for (const auto& [name, flag] : kinds) {
    std::string theirs = absl::StrCat("/proc/", pid, "/ns/", name);
    std::string ours = absl::StrCat("/proc/self/ns/", name);
    struct stat a, b;
    if (::stat(theirs.c_str(), &a) != 0) return LastErrnoError(absl::StrCat("stat ", theirs));
    if (::stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    UCR_ASSIGN_OR_RETURN(UniqueFd fd, OpenNs(theirs));
    fds.emplace_back(std::move(fd), flag);
  }
  for (auto& [fd, flag] : fds) {
    if (::setns(fd.get(), flag) != 0)
      return LastErrnoError(absl::StrCat("setns into namespace of pid ", pid));
  }
  return absl::OkStatus();
}

}  // namespace ucr::runtime::init
