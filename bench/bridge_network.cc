#include "bench/bridge_network.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/child_process.h"
#include "common/files.h"
#include "nlohmann/json.hpp"

namespace ucr::bench {
namespace {

// Entries of `dir`; none when it is missing.
std::vector<std::string> DirEntries(const std::string& dir) { return ListDir(dir).value_or(std::vector<std::string>()); }

std::string RunOut(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> r = RunCommand(argv, std::nullopt, "", std::chrono::seconds(30));
  return r.ok() ? r->out : "";
}

// IPv4 addresses of the bench subnet on any host interface.
std::vector<std::string> SubnetAddressesOnHost() {
  std::vector<std::string> out;
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (struct ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || ifa->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    auto* sin = reinterpret_cast<struct sockaddr_in*>(ifa->ifa_addr);
    if (::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) == nullptr) continue;
    if (absl::StartsWith(buf, kBridgeSubnetPrefix)) out.push_back(absl::StrCat(buf, " on ", ifa->ifa_name));
  }
  ::freeifaddrs(list);
  return out;
}

std::vector<std::string> PluginEnv(const std::string& command, const std::string& id, const std::string& netns) {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "CNI_COMMAND=" + command,
          "CNI_CONTAINERID=" + id,
          "CNI_NETNS=" + netns,
          "CNI_IFNAME=eth0",
          absl::StrCat("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=byhand;"
                       "K8S_POD_INFRA_CONTAINER_ID=", id, ";K8S_POD_UID=byhand"),
          absl::StrCat("CNI_PATH=", kPluginDir)};
}

// One timed plugin call; the plugin's stdout, or an error.
absl::StatusOr<std::string> TimedPluginCall(const std::string& command, const std::string& id,
                                            const std::string& netns, const std::string& input, double* ms) {
  auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<CommandResult> r = RunCommand({absl::StrCat(kPluginDir, "/bridge")}, PluginEnv(command, id, netns),
                                               input, std::chrono::seconds(60));
  *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) return absl::InternalError(absl::StrCat("bridge ", command, ": ", r->out, r->err));
  return r->out;
}

}  // namespace

std::string BridgeConflist(const std::string& ipam_dir, bool ip_masq) {
  return absl::StrCat(R"({
  "cniVersion": "1.0.0",
  "name": ")", kBridgeNetwork, R"(",
  "plugins": [
    {
      "type": "bridge",
      "bridge": ")", kBridgeName, R"(",
      "isGateway": true,
      "ipMasq": )", ip_masq ? "true" : "false", R"(,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": ")", kBridgeSubnetPrefix, R"(0/24"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": ")", ipam_dir, R"("
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
)");
}

absl::Status WriteBridgeConflist(const std::string& conf_dir, const std::string& conflist) {
  if (absl::Status st = MakeDirs(conf_dir, 0755); !st.ok()) return st;
  return WriteFileAtomic(absl::StrCat(conf_dir, "/10-", kBridgeNetwork, ".conflist"), conflist, 0644);
}

int CountRunNetns() { return static_cast<int>(DirEntries("/run/netns").size()); }

std::vector<std::string> BridgeLeftovers(const std::string& ipam_dir, int netns_before) {
  std::vector<std::string> left;
  for (const std::string& port : DirEntries(absl::StrCat("/sys/class/net/", kBridgeName, "/brif"))) {
    left.push_back(absl::StrCat("interface ", port, " on ", kBridgeName));
  }
  for (const std::string& f : DirEntries(absl::StrCat(ipam_dir, "/", kBridgeNetwork))) {
    if (f != "lock" && !absl::StartsWith(f, "last_reserved_ip")) left.push_back("host-local allocation " + f);
  }
  std::string rules = RunOut({"/usr/sbin/iptables-save"});
  for (absl::string_view line : absl::StrSplit(rules, '\n')) {
    if (absl::StrContains(line, absl::StrCat("\\\"", kBridgeNetwork, "\\\"")) ||
        absl::StrContains(line, absl::StrCat("\"", kBridgeNetwork, "\""))) {
      left.push_back(absl::StrCat("iptables: ", line));
    }
  }
  int netns = CountRunNetns();
  if (netns > netns_before) left.push_back(absl::StrCat(netns - netns_before, " more entries in /run/netns"));
  return left;
}

PluginTimes TimeBridgePluginByHand(int rounds, const std::string& conflist, int settle_ms) {
  PluginTimes times;
  nlohmann::json list = nlohmann::json::parse(conflist, nullptr, false);
  if (list.is_discarded()) return {{}, {}, "conflist does not parse"};
  // What ucrd gives the plugin: its own object plus the list's name and version.
  nlohmann::json conf = list["plugins"][0];
  conf["name"] = list["name"];
  conf["cniVersion"] = list["cniVersion"];
  const std::string ns_name = "ucrbench-byhand";
  const std::string netns = "/run/netns/" + ns_name;
  for (int i = 0; i < rounds && times.error.empty(); ++i) {
    // Settled like the pods, then a fresh netns with lo up, as ucrd makes right before ADD.
    std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
    (void)RunOut({"/usr/sbin/ip", "netns", "add", ns_name});
    if (::access(netns.c_str(), F_OK) != 0) {
      times.error = "ip netns add " + ns_name + " failed";
      break;
    }
    (void)RunOut({"/usr/sbin/ip", "-n", ns_name, "link", "set", "lo", "up"});  // as ucrd's pinner does
    std::string id = absl::StrCat("ucrbench-byhand-", i);
    double add_ms = 0, del_ms = 0;
    absl::StatusOr<std::string> result = TimedPluginCall("ADD", id, netns, conf.dump(), &add_ms);
    nlohmann::json del_conf = conf;
    if (result.ok()) {
      del_conf["prevResult"] = nlohmann::json::parse(*result, nullptr, false);
    } else {
      times.error = std::string(result.status().message());
    }
    absl::StatusOr<std::string> del = TimedPluginCall("DEL", id, netns, del_conf.dump(), &del_ms);
    if (!del.ok() && times.error.empty()) times.error = std::string(del.status().message());
    (void)RunOut({"/usr/sbin/ip", "netns", "del", ns_name});
    if (times.error.empty()) {
      times.add.push_back(add_ms);
      times.del.push_back(del_ms);
    }
  }
  return times;
}

std::vector<std::string> RemoveBridge() {
  if (::access(absl::StrCat("/sys/class/net/", kBridgeName).c_str(), F_OK) == 0) {
    (void)RunOut({"/usr/sbin/ip", "link", "del", kBridgeName});
  }
  std::vector<std::string> left = SubnetAddressesOnHost();
  if (::access(absl::StrCat("/sys/class/net/", kBridgeName).c_str(), F_OK) == 0) {
    left.push_back(absl::StrCat("bridge ", kBridgeName, " still exists"));
  }
  return left;
}

}  // namespace ucr::bench
