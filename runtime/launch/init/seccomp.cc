#include "runtime/launch/init/seccomp.h"

#include <seccomp.h>

#include <cerrno>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace ucr::runtime::init {
namespace {

using nlohmann::json;

absl::StatusOr<uint32_t> Action(const std::string& name, int errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret);
  return absl::InvalidArgumentError(absl::StrCat("seccomp: unknown action ", name));
}

absl::StatusOr<scmp_compare> Op(const std::string& name) {
  static const std::map<std::string, scmp_compare> kOps = {
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = kOps.find(name);
  if (it == kOps.end()) return absl::InvalidArgumentError(absl::StrCat("seccomp: op ", name));
  return it->second;
}

absl::Status AddRule(scmp_filter_ctx ctx, const json& rule, uint32_t default_action,
                     int default_errno) {
  UCR_ASSIGN_OR_RETURN(uint32_t action,
                       Action(rule.value("action", ""), rule.value("errnoRet", default_errno)));
  if (action == default_action) return absl::OkStatus();  // libseccomp refuses those
  std::vector<scmp_arg_cmp> args;
  for (const json& a : rule.value("args", json::array())) {
    UCR_ASSIGN_OR_RETURN(scmp_compare op, Op(a.value("op", "")));
    args.push_back({a.value("index", 0u), op, a.value("value", uint64_t{0}),
                    a.value("valueTwo", uint64_t{0})});
  }
  std::vector<std::string> names = rule.value("names", std::vector<std::string>{});
  if (rule.contains("name")) names.push_back(rule["name"].get<std::string>());
  for (const std::string& name : names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // unknown on this kernel/arch: skip, as runc does
    int r =
        seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
    if (r < 0) return ErrnoError(-r, absl::StrCat("seccomp rule for ", name));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadSeccompProfile(const std::string& profile_json) {
  try {
    json p = json::parse(profile_json);
    int default_errno = p.value("defaultErrnoRet", EPERM);
    UCR_ASSIGN_OR_RETURN(uint32_t def, Action(p.value("defaultAction", ""), default_errno));
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(def), seccomp_release);
    if (!ctx) return absl::InvalidArgumentError("seccomp_init failed");
    for (const json& arch : p.value("architectures", json::array())) {
      std::string name = arch.get<std::string>();
      if (absl::StartsWith(name, "SCMP_ARCH_")) name = name.substr(10);
      for (char& c : name) c = static_cast<char>(tolower(c));
      uint32_t token = seccomp_arch_resolve_name(name.c_str());
      if (token != 0) seccomp_arch_add(ctx.get(), token);  // EEXIST for the native one
    }
    for (const json& rule : p.value("syscalls", json::array()))
      UCR_RETURN_IF_ERROR(AddRule(ctx.get(), rule, def, default_errno));
    if (int r = seccomp_load(ctx.get()); r < 0) return ErrnoError(-r, "seccomp_load");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("seccomp profile: ", e.what()));
  }
}

}  // namespace ucr::runtime::init
