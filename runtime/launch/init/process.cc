#include "runtime/launch/init/process.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status.h"
#include "runtime/launch/init/seccomp.h"

namespace ucr::runtime::init {
namespace {

absl::Status WriteProcFile(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return LastErrnoError(absl::StrCat("open ", path));
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size()))
    return ErrnoError(err, absl::StrCat("write ", value, " to ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<cap_value_t>> ParseCaps(const std::vector<std::string>& names) {
  std::vector<cap_value_t> out;
  for (const std::string& n : names) {
    std::string lower = n;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    if (!absl::StartsWith(lower, "cap_")) lower = "cap_" + lower;
    cap_value_t v;
    if (cap_from_name(lower.c_str(), &v) != 0)
      return absl::InvalidArgumentError(absl::StrCat("unknown capability ", n));
    out.push_back(v);
  }
  return out;
}

absl::Status SetCapabilities(const std::vector<cap_value_t>& caps) {
  cap_t c = cap_init();
  if (!c) return LastErrnoError("cap_init");
  absl::Status status;
  if (!caps.empty() &&
      (cap_set_flag(c, CAP_PERMITTED, static_cast<int>(caps.size()), caps.data(), CAP_SET) ||
       cap_set_flag(c, CAP_EFFECTIVE, static_cast<int>(caps.size()), caps.data(), CAP_SET))) {
    status = LastErrnoError("cap_set_flag");
  } else if (cap_set_proc(c) != 0) {
    status = LastErrnoError("cap_set_proc");
  }
  cap_free(c);
  if (status.ok() && CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0)
    status = LastErrnoError("clear ambient capabilities");
  return status;
}

absl::Status DropBoundingSet(const std::vector<cap_value_t>& keep) {
  std::set<cap_value_t> k(keep.begin(), keep.end());
  for (cap_value_t v = 0; v < static_cast<cap_value_t>(cap_max_bits()); ++v) {
    if (k.count(v)) continue;
    if (cap_drop_bound(v) != 0 && errno != EINVAL)
      return LastErrnoError(absl::StrCat("drop capability ", v, " from the bounding set"));
  }
  return absl::OkStatus();
}

absl::Status SetUser(const ProcessSpec& p) {
  std::vector<gid_t> groups(p.additional_gids.begin(), p.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return LastErrnoError("setgroups");
  if (::setresgid(p.gid, p.gid, p.gid) != 0) return LastErrnoError(absl::StrCat("setgid ", p.gid));
  if (::setresuid(p.uid, p.uid, p.uid) != 0) return LastErrnoError(absl::StrCat("setuid ", p.uid));
  return absl::OkStatus();
}

}  // namespace

absl::Status JoinCgroups(const std::vector<std::string>& dirs) {
  for (const std::string& d : dirs) {
    // "0" means "the writer" in v1 and v2, whatever pid namespace we are in.
    UCR_RETURN_IF_ERROR(WriteProcFile(absl::StrCat(d, "/cgroup.procs"), "0"));
  }
  return absl::OkStatus();
}

absl::Status ApplyOomScoreAdj(int value, Reporter& report) {
  const std::string path = "/proc/self/oom_score_adj";
  absl::Status s = WriteProcFile(path, std::to_string(value));
  if (s.ok() || !absl::IsPermissionDenied(s) || value >= 0) return s;
  // Without CAP_SYS_RESOURCE the floor is what we inherited: keep it.
  std::string current = "?";
  if (auto c = ReadFile(path); c.ok()) current = std::string(absl::StripAsciiWhitespace(*c));
  report.Warn(absl::StrCat("oom_score_adj ", value, " refused by the host (no CAP_SYS_RESOURCE); ",
                           "clamped to ", current));
  return absl::OkStatus();
}

absl::Status ApplyRlimits(const std::vector<Rlimit>& rlimits) {
  static const std::map<std::string, int> kTypes = {
      {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME}};
  for (const Rlimit& r : rlimits) {
    auto it = kTypes.find(r.type);
    if (it == kTypes.end()) return absl::InvalidArgumentError(absl::StrCat("rlimit ", r.type));
    struct rlimit lim = {r.soft, r.hard};
    if (::setrlimit(static_cast<__rlimit_resource>(it->second), &lim) != 0)
      return LastErrnoError(absl::StrCat("setrlimit ", r.type));
  }
  return absl::OkStatus();
}

absl::Status ApplySysctls(const std::map<std::string, std::string>& sysctls) {
  for (const auto& [key, value] : sysctls) {
    if (key.empty() || absl::StrContains(key, "..") || absl::StrContains(key, '/'))
      return absl::InvalidArgumentError(absl::StrCat("sysctl name ", key));
    std::string path = absl::StrCat("/proc/sys/", absl::StrReplaceAll(key, {{".", "/"}}));
    UCR_RETURN_IF_ERROR(WriteProcFile(path, value));
  }
  return absl::OkStatus();
}

absl::Status EnterCwd(const std::string& cwd, bool create) {
  std::string dir = cwd.empty() ? "/" : cwd;
  if (create) UCR_RETURN_IF_ERROR(MakeDirs(dir));
  if (::chdir(dir.c_str()) != 0) return LastErrnoError(absl::StrCat("chdir to cwd ", dir));
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindExecutable(const ProcessSpec& process) {
  if (process.args.empty()) return absl::InvalidArgumentError("no command given");
  const std::string& cmd = process.args[0];
  auto runnable = [](const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
  };
  if (cmd.find('/') != std::string::npos) {
    if (runnable(cmd)) return cmd;
    return absl::NotFoundError(absl::StrCat("exec: \"", cmd, "\": stat ", cmd,
                                            ": no such file or directory or not executable"));
  }
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : process.env) {
    if (absl::StartsWith(e, "PATH=")) path = e.substr(5);
  }
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", cmd);
    if (runnable(candidate)) return candidate;
  }
  return absl::NotFoundError(
      absl::StrCat("exec: \"", cmd, "\": executable file not found in $PATH"));
}

absl::Status DropPrivileges(const ProcessSpec& p) {
  UCR_ASSIGN_OR_RETURN(std::vector<cap_value_t> caps,
                       ParseCaps(p.capabilities ? *p.capabilities : DefaultCapabilities()));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it first.
  bool seccomp_first = !p.seccomp_profile_json.empty() && !p.no_new_privs;
  if (seccomp_first) UCR_RETURN_IF_ERROR(LoadSeccompProfile(p.seccomp_profile_json));
  UCR_RETURN_IF_ERROR(DropBoundingSet(caps));
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return LastErrnoError("PR_SET_KEEPCAPS");
  UCR_RETURN_IF_ERROR(SetUser(p));
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  UCR_RETURN_IF_ERROR(SetCapabilities(caps));
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return LastErrnoError("PR_SET_NO_NEW_PRIVS");
  if (!seccomp_first && !p.seccomp_profile_json.empty())
    UCR_RETURN_IF_ERROR(LoadSeccompProfile(p.seccomp_profile_json));
  return absl::OkStatus();
}

}  // namespace ucr::runtime::init
