#include "network/cni_exec.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/child_process.h"
#include "common/log.h"

extern char** environ;

namespace ucr::network {

using nlohmann::json;

std::string BuildCniArgs(absl::string_view pod_namespace, absl::string_view pod_name,
                         absl::string_view sandbox_id, absl::string_view pod_uid) {
  return absl::StrCat("IgnoreUnknown=1;K8S_POD_NAMESPACE=", pod_namespace, ";K8S_POD_NAME=", pod_name,
                      ";K8S_POD_INFRA_CONTAINER_ID=", sandbox_id, ";K8S_POD_UID=", pod_uid);
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

std::vector<std::string> BuildPluginEnv(const CniInvocation& inv,
                                        const std::vector<std::string>& inherited) {
  std::vector<std::string> env;
  bool has_path = false;
  for (const std::string& var : inherited) {
    if (absl::StartsWith(var, "CNI_")) continue;
    if (absl::StartsWith(var, "PATH=")) has_path = true;
    env.push_back(var);
  }
  if (!has_path) env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  env.push_back(absl::StrCat("CNI_COMMAND=", inv.command));
  env.push_back(absl::StrCat("CNI_CONTAINERID=", inv.container_id));
  env.push_back(absl::StrCat("CNI_NETNS=", inv.netns));
  env.push_back(absl::StrCat("CNI_IFNAME=", inv.ifname));
  env.push_back(absl::StrCat("CNI_ARGS=", inv.cni_args));
  env.push_back(absl::StrCat("CNI_PATH=", absl::StrJoin(inv.bin_dirs, ":")));
  return env;
}

absl::StatusOr<std::string> FindPlugin(const std::string& type, const std::vector<std::string>& bin_dirs) {
  for (const std::string& dir : bin_dirs) {
    std::string path = absl::StrCat(dir, "/", type);
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return absl::NotFoundError(absl::StrCat("CNI plugin \"", type, "\" not found in ",
                                          absl::StrJoin(bin_dirs, ":")));
}

absl::Status PluginFailure(absl::string_view type, absl::string_view command, int exit_code,
                           absl::string_view out, absl::string_view err) {
  std::string what = absl::StrCat("CNI plugin ", type, " failed on ", command);
  json error = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (!error.is_discarded() && error.is_object() && error.contains("msg")) {
    int code = error.value("code", 0);
    std::string msg = error["msg"].is_string() ? error["msg"].get<std::string>() : error["msg"].dump();
    std::string details = error.contains("details") && error["details"].is_string()
                              ? error["details"].get<std::string>() : "";
    absl::StrAppend(&what, " (code ", code, "): ", msg);
    if (!details.empty()) absl::StrAppend(&what, ": ", details);
    return absl::UnknownError(what);
  }
  // Not a spec error object: show what the plugin printed, stderr first.
  absl::string_view text = !err.empty() ? err : out;
  absl::StrAppend(&what, " (exit ", exit_code, ")");
  if (!text.empty()) absl::StrAppend(&what, ": ", text.substr(0, 1024));
  return absl::InternalError(what);
}

absl::StatusOr<json> InvokePlugin(const std::string& type, const CniInvocation& inv,
                                  const json& config, std::chrono::milliseconds timeout) {
  absl::StatusOr<std::string> binary = FindPlugin(type, inv.bin_dirs);
  if (!binary.ok()) return binary.status();
  std::string input = config.dump();
  absl::StatusOr<CommandResult> run =
      RunCommand({*binary}, BuildPluginEnv(inv, CurrentEnvironment()), input, timeout);
  if (!run.ok()) {
    return absl::Status(run.status().code(),
                        absl::StrCat("CNI plugin ", type, " ", inv.command, ": ", run.status().message()));
  }
  if (run->timed_out) {
    return absl::DeadlineExceededError(absl::StrCat("CNI plugin ", type, " did not finish ", inv.command,
                                                    " within ", timeout.count(), "ms (killed)"));
  }
  if (run->exit_code != 0) return PluginFailure(type, inv.command, run->exit_code, run->out, run->err);
  if (!run->err.empty()) log::Debug("CNI plugin %s %s stderr: %s", type, inv.command, run->err);
  if (absl::StripAsciiWhitespace(run->out).empty()) return json();
  json result = json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded()) {
    return absl::InternalError(absl::StrCat("CNI plugin ", type, " ", inv.command,
                                            " printed malformed JSON: ", run->out.substr(0, 512)));
  }
  return result;
}

}  // namespace ucr::network
