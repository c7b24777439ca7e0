// Cgroup lifecycle: create (mkdir + cpuset inheritance / subtree_control), join, list, kill,
// destroy. Limits are in apply_v1.cc / apply_v2.cc, stats in stats.cc.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

using internal::JoinPath;
using internal::ReadControl;
using internal::WriteControl;

// Controllers we manage on v2 (enabled in every ancestor's cgroup.subtree_control).
constexpr const char* kV2Controllers[] = {"cpu", "cpuset", "io", "memory", "pids", "hugetlb"};

// mkdir that reports whether it created the directory.
absl::StatusOr<bool> MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  return LastErrnoError(absl::StrCat("mkdir ", dir));
}

// The ancestors of a relative path, outermost first: "/a/b/c" -> "/a", "/a/b", "/a/b/c".
std::vector<std::string> Levels(absl::string_view relative) {
  std::vector<std::string> out;
  std::string acc;
  for (absl::string_view part : absl::StrSplit(relative, '/', absl::SkipEmpty())) {
    absl::StrAppend(&acc, "/", part);
    out.push_back(acc);
  }
  return out;
}

// Setting cpus on a cpuset that asks for load balancing rebuilds the kernel's
// scheduling domains, on creation and again on removal. Where the hierarchy's
// root balances all CPUs, the flag of a cgroup below it changes nothing (see
// the kernel's cpusets.rst), so new cgroups turn it off first and skip that.
void SkipSchedDomainRebuild(const std::string& hierarchy_root, const std::string& dir) {
  absl::StatusOr<std::string> root = ReadControl(hierarchy_root, "cpuset.sched_load_balance");
  if (root.ok() && absl::StripAsciiWhitespace(*root) == "1")
    (void)WriteControl(dir, "cpuset.sched_load_balance", "0");
}

// A new v1 cpuset cgroup starts with empty cpus/mems and no task can join it until they
// are set: copy them from the parent (levels are walked outermost first). False when the
// parent has none to give either (its own parent's are needed first).
absl::StatusOr<bool> InheritCpuset(const std::string& parent, const std::string& dir) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    UCR_ASSIGN_OR_RETURN(std::string mine, ReadControl(dir, file));
    if (!absl::StripAsciiWhitespace(mine).empty()) continue;
    UCR_ASSIGN_OR_RETURN(std::string theirs, ReadControl(parent, file));
    if (absl::StripAsciiWhitespace(theirs).empty()) return false;
    UCR_RETURN_IF_ERROR(WriteControl(dir, file, absl::StripAsciiWhitespace(theirs)));
  }
  return true;
}

// Enables our controllers for the children of `dir`. All at once first (one write), then
// one by one so that one refused controller (e.g. cpuset busy) does not block the others.
void EnableSubtreeControllers(const std::string& dir, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return;
  std::vector<std::string> plus;
  for (const std::string& c : wanted) plus.push_back(absl::StrCat("+", c));
  if (WriteControl(dir, "cgroup.subtree_control", absl::StrJoin(plus, " ")).ok()) return;
  for (const std::string& p : plus) {
    absl::Status s = WriteControl(dir, "cgroup.subtree_control", p);
    if (!s.ok()) log::Warn("cgroups: %s", s.ToString());
  }
}

// Every level from the hierarchy's root down; for a missing parent.
absl::StatusOr<bool> CreateV1Levels(const Mount& m, bool is_cpuset, const std::string& relative) {
  bool created = false;
  std::string parent = m.path;
  for (const std::string& level : Levels(relative)) {
    std::string dir = JoinPath(m.path, level);
    UCR_ASSIGN_OR_RETURN(bool made, MakeDir(dir));
    if (level == relative) created = made;
    if (is_cpuset && made) SkipSchedDomainRebuild(m.path, dir);
    if (is_cpuset) UCR_RETURN_IF_ERROR(InheritCpuset(parent, dir).status());
    parent = dir;
  }
  return created;
}

absl::StatusOr<bool> CreateV1(const Hierarchy& h, const std::string& relative) {
  bool created = false;
  const std::string parent_relative = relative.substr(0, relative.find_last_of('/'));
  for (const Mount& m : h.mounts()) {
    bool is_cpuset =
        std::find(m.controllers.begin(), m.controllers.end(), "cpuset") != m.controllers.end();
    // The parent (the pod's cgroup) nearly always exists, set up: one mkdir
    // is enough. Otherwise every level from the top is made and set up.
    std::string dir = JoinPath(m.path, relative);
    bool made = ::mkdir(dir.c_str(), 0755) == 0;
    if (!made && errno != EEXIST && errno != ENOENT) return LastErrnoError(absl::StrCat("mkdir ", dir));
    bool complete = made || errno == EEXIST;
    if (complete && is_cpuset) {
      if (made) SkipSchedDomainRebuild(m.path, dir);
      UCR_ASSIGN_OR_RETURN(complete, InheritCpuset(JoinPath(m.path, parent_relative), dir));
    }
    if (!complete) {
      UCR_ASSIGN_OR_RETURN(bool made_now, CreateV1Levels(m, is_cpuset, relative));
      made = made || made_now;
    }
    created = created || made;
  }
  return created;
}

absl::StatusOr<bool> CreateV2(const Hierarchy& h, const std::string& relative) {
  std::vector<std::string> wanted;
  const std::vector<std::string>& available = h.mounts().front().controllers;
  for (const char* c : kV2Controllers) {
    if (std::find(available.begin(), available.end(), c) != available.end()) wanted.push_back(c);
  }
  std::string parent = h.mounts().front().path;
  bool made = false;
  for (const std::string& level : Levels(relative)) {
    EnableSubtreeControllers(parent, wanted);
    std::string dir = JoinPath(h.mounts().front().path, level);
    UCR_ASSIGN_OR_RETURN(made, MakeDir(dir));
    parent = dir;
  }
  return made;
}

// The hierarchy whose cgroup.procs lists our processes (v1: any joined one; pids first).
std::string ProcsMount(const Hierarchy& h) {
  for (const char* c : {"pids", "memory", "cpu", "freezer"}) {
    std::string m = h.MountFor(c);
    if (!m.empty()) return m;
  }
  return h.mounts().empty() ? "" : h.mounts().front().path;
}

absl::Status CollectPids(const std::string& dir, std::vector<pid_t>* out) {
  UCR_ASSIGN_OR_RETURN(std::string procs, ReadControl(dir, "cgroup.procs"));
  for (absl::string_view line : absl::StrSplit(procs, '\n', absl::SkipWhitespace())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid)) out->push_back(pid);
  }
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return LastErrnoError(absl::StrCat("opendir ", dir));
  std::vector<std::string> children;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") children.push_back(dir + "/" + name);
  }
  ::closedir(d);
  for (const std::string& child : children) {
    absl::Status s = CollectPids(child, out);
    if (!s.ok() && !absl::IsNotFound(s)) return s;  // a child cgroup may vanish meanwhile
  }
  return absl::OkStatus();
}

bool HasChildDirs(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") found = true;
  }
  ::closedir(d);
  return found;
}

absl::Status RemoveDir(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY || attempt >= 100) return LastErrnoError(absl::StrCat("rmdir ", dir));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // tasks still exiting
  }
}

}  // namespace

absl::StatusOr<Cgroup> Cgroup::Create(const Hierarchy& hierarchy, std::string relative_path) {
  UCR_RETURN_IF_ERROR(ValidateCgroupPath(relative_path));
  if (hierarchy.mounts().empty()) return absl::FailedPreconditionError("no cgroup hierarchy");
  Cgroup cg(hierarchy, std::move(relative_path));
  absl::StatusOr<bool> created = hierarchy.version() == Version::kV1
                                     ? CreateV1(hierarchy, cg.path_)
                                     : CreateV2(hierarchy, cg.path_);
  if (!created.ok()) return Annotate(created.status(), absl::StrCat("create cgroup ", cg.path_));
  cg.created_ = *created;
  return cg;
}

Cgroup Cgroup::Open(const Hierarchy& hierarchy, std::string relative_path) {
  return Cgroup(hierarchy, std::move(relative_path));
}

std::vector<std::string> Cgroup::Dirs() const {
  std::vector<std::string> dirs;
  for (const Mount& m : hierarchy_.mounts()) dirs.push_back(JoinPath(m.path, path_));
  return dirs;
}

absl::Status Cgroup::AddProcess(pid_t pid) const {
  for (const std::string& dir : Dirs()) {
    UCR_RETURN_IF_ERROR(WriteControl(dir, "cgroup.procs", absl::StrCat(pid)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pid_t>> Cgroup::Pids() const {
  std::vector<pid_t> pids;
  std::string mount = ProcsMount(hierarchy_);
  if (mount.empty()) return absl::FailedPreconditionError("no cgroup hierarchy");
  UCR_RETURN_IF_ERROR(CollectPids(JoinPath(mount, path_), &pids));
  return pids;
}

absl::StatusOr<std::vector<std::string>> Cgroup::Children() const {
  std::string mount = ProcsMount(hierarchy_);
  std::string dir = JoinPath(mount, path_);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return LastErrnoError(absl::StrCat("opendir ", dir));
  std::vector<std::string> children;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") {
      children.push_back(absl::StrCat(path_ == "/" ? "" : path_, "/", name));
    }
  }
  ::closedir(d);
  std::sort(children.begin(), children.end());
  return children;
}

absl::Status Cgroup::Destroy() const {
  for (const std::string& dir : Dirs()) {
    if (HasChildDirs(dir)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cgroup ", dir, " still has child cgroups"));
    }
  }
  for (const std::string& dir : Dirs()) UCR_RETURN_IF_ERROR(RemoveDir(dir));
  return absl::OkStatus();
}

}  // namespace ucr::runtime::cgroups
