#include "network/cni_chain.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "network/cni_capabilities.h"

namespace ucr::network {
namespace {

using nlohmann::json;

bool HasNonEmpty(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && !it->is_null() && !it->empty();
}

// DEL and CHECK see the final ADD result from spec 0.4.0 on.
json ReplayedPrevResult(const CniNetworkList& list, const json& cached_result) {
  return CniVersionAtLeast(list.cni_version, "0.4.0") ? cached_result : json();
}

}  // namespace

json PluginStdin(const CniNetworkList& list, const CniPlugin& plugin, const json& prev_result,
                 const json& capability_args) {
  json conf = plugin.conf;
  conf["name"] = list.name;
  conf["cniVersion"] = list.cni_version;
  if (!prev_result.is_null()) conf["prevResult"] = prev_result;
  json runtime_config = RuntimeConfigFor(capability_args, plugin.capabilities);
  if (!runtime_config.empty()) conf["runtimeConfig"] = std::move(runtime_config);
  return conf;
}

bool IsNoOpPlugin(const CniPlugin& plugin, const json& capability_args) {
  const json& conf = plugin.conf;
  if (plugin.type == "portmap") {
    bool mapped = plugin.capabilities.count("portMappings") && HasNonEmpty(capability_args, "portMappings");
    bool static_maps = conf.contains("runtimeConfig") && HasNonEmpty(conf["runtimeConfig"], "portMappings");
    return !mapped && !static_maps;
  }
  if (plugin.type == "bandwidth") {
    bool shaped = plugin.capabilities.count("bandwidth") && HasNonEmpty(capability_args, "bandwidth");
    for (const char* key : {"ingressRate", "ingressBurst", "egressRate", "egressBurst"}) {
      if (conf.contains(key) && conf[key].is_number() && conf[key].get<double>() > 0) shaped = true;
    }
    return !shaped;
  }
  return false;
}

absl::StatusOr<json> ChainAdd(const CniNetworkList& list, CniInvocation inv, const json& capability_args,
                              std::chrono::milliseconds timeout) {
  inv.command = "ADD";
  json prev;
  for (const CniPlugin& plugin : list.plugins) {
    if (IsNoOpPlugin(plugin, capability_args)) continue;
    absl::StatusOr<json> result =
        InvokePlugin(plugin.type, inv, PluginStdin(list, plugin, prev, capability_args), timeout);
    if (!result.ok()) return result.status();
    // A plugin that prints nothing leaves the chain's result as it was.
    if (!result->is_null()) prev = std::move(*result);
  }
  return prev;
}

absl::Status ChainDel(const CniNetworkList& list, CniInvocation inv, const json& capability_args,
                      const json& cached_result, std::chrono::milliseconds timeout) {
  inv.command = "DEL";
  json prev = ReplayedPrevResult(list, cached_result);
  absl::Status first_error;
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it) {
    if (IsNoOpPlugin(*it, capability_args)) continue;
    absl::StatusOr<json> out = InvokePlugin(it->type, inv, PluginStdin(list, *it, prev, capability_args), timeout);
    if (!out.ok()) {
      log::Warn("CNI DEL of %s in network %s: %s", inv.container_id, list.name, out.status().message());
      if (first_error.ok()) first_error = out.status();
    }
  }
  return first_error;
}

absl::Status ChainCheck(const CniNetworkList& list, CniInvocation inv, const json& capability_args,
                        const json& cached_result, std::chrono::milliseconds timeout) {
  if (list.disable_check || !CniVersionAtLeast(list.cni_version, "0.4.0")) return absl::OkStatus();
  if (cached_result.is_null()) {
    return absl::FailedPreconditionError(
        absl::StrCat("CNI CHECK of ", inv.container_id, ": no ADD result is cached"));
  }
  inv.command = "CHECK";
  for (const CniPlugin& plugin : list.plugins) {
    if (IsNoOpPlugin(plugin, capability_args)) continue;
    absl::StatusOr<json> out =
        InvokePlugin(plugin.type, inv, PluginStdin(list, plugin, cached_result, capability_args), timeout);
    if (!out.ok()) return out.status();
  }
  return absl::OkStatus();
}

}  // namespace ucr::network
