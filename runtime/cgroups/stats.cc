// Cgroup::ReadStats and Cgroup::OomKillCount. Counters are hierarchical in both versions,
// so the pod cgroup's numbers include its containers.
#include <sys/stat.h>
#include <time.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/status.h"
#include "runtime/cgroups/cgroup_files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

using internal::ControlExists;
using internal::JoinPath;
using internal::ReadControlUint;
using internal::ReadFlatKeyed;

// v1 reports "no limit" as a huge page-aligned number (PAGE_COUNTER_MAX pages), v2 as "max".
uint64_t LimitOrZero(uint64_t limit) { return limit >= (uint64_t{1} << 62) ? 0 : limit; }

uint64_t Get(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void FillWorkingSet(Stats* s, uint64_t inactive_file) {
  s->memory_working_set_bytes =
      s->memory_usage_bytes > inactive_file ? s->memory_usage_bytes - inactive_file : 0;
}

absl::Status ReadV1(const Hierarchy& h, const std::string& path, Stats* s) {
  if (std::string m = h.MountFor("cpuacct"); !m.empty()) {
    UCR_ASSIGN_OR_RETURN(s->cpu_usage_ns, ReadControlUint(JoinPath(m, path), "cpuacct.usage"));
  }
  if (std::string m = h.MountFor("memory"); !m.empty()) {
    std::string dir = JoinPath(m, path);
    UCR_ASSIGN_OR_RETURN(s->memory_usage_bytes, ReadControlUint(dir, "memory.usage_in_bytes"));
    UCR_ASSIGN_OR_RETURN(uint64_t limit, ReadControlUint(dir, "memory.limit_in_bytes"));
    s->memory_limit_bytes = LimitOrZero(limit);
    UCR_ASSIGN_OR_RETURN(auto stat, ReadFlatKeyed(dir, "memory.stat"));
    FillWorkingSet(s, Get(stat, "total_inactive_file"));
    s->memory_rss_bytes = Get(stat, "total_rss");
    s->page_faults = Get(stat, "total_pgfault");
    s->major_page_faults = Get(stat, "total_pgmajfault");
    UCR_ASSIGN_OR_RETURN(auto oom, ReadFlatKeyed(dir, "memory.oom_control"));
    s->oom_kills = Get(oom, "oom_kill");
  }
  if (std::string m = h.MountFor("pids"); !m.empty()) {
    UCR_ASSIGN_OR_RETURN(s->pids_current, ReadControlUint(JoinPath(m, path), "pids.current"));
  }
  return absl::OkStatus();
}

absl::Status ReadV2(const std::string& dir, Stats* s) {
  if (ControlExists(dir, "cpu.stat")) {  // present even without the cpu controller
    UCR_ASSIGN_OR_RETURN(auto cpu, ReadFlatKeyed(dir, "cpu.stat"));
    s->cpu_usage_ns = Get(cpu, "usage_usec") * 1000;
  }
  if (ControlExists(dir, "memory.current")) {
    UCR_ASSIGN_OR_RETURN(s->memory_usage_bytes, ReadControlUint(dir, "memory.current"));
    UCR_ASSIGN_OR_RETURN(uint64_t limit, ReadControlUint(dir, "memory.max"));
    s->memory_limit_bytes = LimitOrZero(limit);
    UCR_ASSIGN_OR_RETURN(auto stat, ReadFlatKeyed(dir, "memory.stat"));
    FillWorkingSet(s, Get(stat, "inactive_file"));
    s->memory_rss_bytes = Get(stat, "anon");
    s->page_faults = Get(stat, "pgfault");
    s->major_page_faults = Get(stat, "pgmajfault");
    UCR_ASSIGN_OR_RETURN(auto events, ReadFlatKeyed(dir, "memory.events"));
    s->oom_kills = Get(events, "oom_kill");
  }
  if (ControlExists(dir, "pids.current")) {
    UCR_ASSIGN_OR_RETURN(s->pids_current, ReadControlUint(dir, "pids.current"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Stats> Cgroup::ReadStats() const {
  std::vector<std::string> dirs = Dirs();
  if (dirs.empty() || !IsDir(dirs.front())) {
    return absl::NotFoundError(absl::StrCat("cgroup ", path_, " does not exist"));
  }
  Stats s;
  s.timestamp_ns = static_cast<uint64_t>(UnixNanosNow());
  absl::Status st = hierarchy_.version() == Version::kV1 ? ReadV1(hierarchy_, path_, &s)
                                                         : ReadV2(Dirs().front(), &s);
  if (!st.ok()) return Annotate(st, absl::StrCat("read stats of cgroup ", path_));
  return s;
}

std::string Cgroup::OomCounterFile() const {
  if (hierarchy_.version() == Version::kV2) return JoinPath(Dirs().front(), "/memory.events");
  std::string mount = hierarchy_.MountFor("memory");
  return mount.empty() ? "" : JoinPath(JoinPath(mount, path_), "/memory.oom_control");
}

absl::StatusOr<uint64_t> Cgroup::OomKillCount() const {
  std::string file = OomCounterFile();
  if (file.empty()) return absl::FailedPreconditionError("memory cgroup controller not mounted");
  UCR_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  std::map<std::string, uint64_t> counters = internal::ParseFlatKeyed(text);
  auto it = counters.find("oom_kill");
  if (it == counters.end()) {  // v1 before Linux 4.13
    return absl::UnimplementedError(absl::StrCat(file, " has no oom_kill counter"));
  }
  return it->second;
}

}  // namespace ucr::runtime::cgroups
