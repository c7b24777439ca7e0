#include "runtime/launch/spec_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace ucr::runtime {

using nlohmann::json;

void to_json(json& j, const Mount& m) {
  j = {{"source", m.source},
       {"destination", m.destination},
       {"type", m.type},
       {"options", m.options}};
}
void from_json(const json& j, Mount& m) {
  m.source = j.value("source", "");
  m.destination = j.at("destination").get<std::string>();
  m.type = j.value("type", "");
  m.options = j.value("options", std::vector<std::string>{});
}

void to_json(json& j, const Namespace& n) {
  static const char* kModes[] = {"new", "join", "host"};
  j = {{"mode", kModes[static_cast<int>(n.mode)]}, {"path", n.path}};
}
void from_json(const json& j, Namespace& n) {
  std::string mode = j.value("mode", "new");
  if (mode == "new")
    n.mode = NsMode::kNew;
  else if (mode == "join")
    n.mode = NsMode::kJoin;
  else if (mode == "host")
    n.mode = NsMode::kHost;
  else
    throw std::invalid_argument("namespace mode " + mode);
  n.path = j.value("path", "");
}

void to_json(json& j, const Rlimit& r) {
  j = {{"type", r.type}, {"soft", r.soft}, {"hard", r.hard}};
}
void from_json(const json& j, Rlimit& r) {
  r.type = j.at("type").get<std::string>();
  r.soft = j.at("soft").get<uint64_t>();
  r.hard = j.at("hard").get<uint64_t>();
}

void to_json(json& j, const ProcessSpec& p) {
  j = {{"args", p.args},
       {"env", p.env},
       {"cwd", p.cwd},
       {"uid", p.uid},
       {"gid", p.gid},
       {"additional_gids", p.additional_gids},
       {"tty", p.tty},
       {"stdin", p.stdin},
       {"stdin_once", p.stdin_once},
       {"oom_score_adj", p.oom_score_adj},
       {"no_new_privs", p.no_new_privs},
       {"seccomp_profile_json", p.seccomp_profile_json},
       {"rlimits", p.rlimits}};
  if (p.capabilities) j["capabilities"] = *p.capabilities;
}
void from_json(const json& j, ProcessSpec& p) {
  p.args = j.at("args").get<std::vector<std::string>>();
  p.env = j.value("env", std::vector<std::string>{});
  p.cwd = j.value("cwd", "/");
  p.uid = j.value("uid", 0u);
  p.gid = j.value("gid", 0u);
  p.additional_gids = j.value("additional_gids", std::vector<uint32_t>{});
  p.tty = j.value("tty", false);
  p.stdin = j.value("stdin", false);
  p.stdin_once = j.value("stdin_once", false);
  p.oom_score_adj = j.value("oom_score_adj", 0);
  p.no_new_privs = j.value("no_new_privs", false);
  p.seccomp_profile_json = j.value("seccomp_profile_json", "");
  p.rlimits = j.value("rlimits", std::vector<Rlimit>{});
  if (j.contains("capabilities"))
    p.capabilities = j["capabilities"].get<std::vector<std::string>>();
}

namespace {

template <typename T>
absl::StatusOr<T> Parse(const std::string& text, const char* what) {
  try {
    return json::parse(text).get<T>();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("parse ", what, ": ", e.what()));
  }
}

}  // namespace

void to_json(json& j, const ContainerSpec& s) {
  j = {{"id", s.id},
       {"rootfs", s.rootfs},
       {"readonly_rootfs", s.readonly_rootfs},
       {"hostname", s.hostname},
       {"namespaces",
        {{"net", s.net},
         {"ipc", s.ipc},
         {"uts", s.uts},
         {"pid", s.pid},
         {"mnt", s.mnt},
         {"cgroup", s.cgroup}}},
       {"mounts", s.mounts},
       {"masked_paths", s.masked_paths},
       {"readonly_paths", s.readonly_paths},
       {"sysctls", s.sysctls},
       {"cgroup_dirs", s.cgroup_dirs},
       {"process", s.process},
       {"log_path", s.log_path},
       {"state_dir", s.state_dir}};
}
void from_json(const json& j, ContainerSpec& s) {
  s.id = j.value("id", "");
  s.rootfs = j.at("rootfs").get<std::string>();
  s.readonly_rootfs = j.value("readonly_rootfs", false);
  s.hostname = j.value("hostname", "");
  const json& ns = j.at("namespaces");
  ns.at("net").get_to(s.net);
  ns.at("ipc").get_to(s.ipc);
  ns.at("uts").get_to(s.uts);
  ns.at("pid").get_to(s.pid);
  ns.at("mnt").get_to(s.mnt);
  ns.at("cgroup").get_to(s.cgroup);
  s.mounts = j.value("mounts", std::vector<Mount>{});
  s.masked_paths = j.value("masked_paths", std::vector<std::string>{});
  s.readonly_paths = j.value("readonly_paths", std::vector<std::string>{});
  s.sysctls = j.value("sysctls", std::map<std::string, std::string>{});
  s.cgroup_dirs = j.value("cgroup_dirs", std::vector<std::string>{});
  j.at("process").get_to(s.process);
  s.log_path = j.value("log_path", "");
  s.state_dir = j.value("state_dir", "");
}

void to_json(json& j, const ExecSpec& s) {
  j = {{"target_pid", s.target_pid}, {"process", s.process}, {"cgroup_dirs", s.cgroup_dirs}};
}
void from_json(const json& j, ExecSpec& s) {
  s.target_pid = j.at("target_pid").get<pid_t>();
  j.at("process").get_to(s.process);
  s.cgroup_dirs = j.value("cgroup_dirs", std::vector<std::string>{});
}

std::string ContainerSpecToJson(const ContainerSpec& spec) { return json(spec).dump(); }
absl::StatusOr<ContainerSpec> ContainerSpecFromJson(const std::string& text) {
  return Parse<ContainerSpec>(text, "container spec");
}
std::string ExecSpecToJson(const ExecSpec& spec) { return json(spec).dump(); }
absl::StatusOr<ExecSpec> ExecSpecFromJson(const std::string& text) {
  return Parse<ExecSpec>(text, "exec spec");
}

}  // namespace ucr::runtime
