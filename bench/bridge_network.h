// The bridge network pods_bench gives ucrd and containerd alike: one conflist
// (bridge `ucrbench0` + host-local on 198.18.7.0/24 + portmap, Debian's
// plugins in /usr/lib/cni), and the checks that a run left nothing behind.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ucr::bench {

inline constexpr char kBridgeNetwork[] = "ucrbench";
inline constexpr char kBridgeName[] = "ucrbench0";
inline constexpr char kBridgeSubnetPrefix[] = "198.18.7.";  // 198.18.7.0/24
inline constexpr char kPluginDir[] = "/usr/lib/cni";

// The conflist text; host-local keeps its allocations under `ipam_dir`.
std::string BridgeConflist(const std::string& ipam_dir, bool ip_masq);

// Writes the conflist as <conf_dir>/10-ucrbench.conflist.
absl::Status WriteBridgeConflist(const std::string& conf_dir, const std::string& conflist);

// What pods of the network left behind: interfaces on the bridge, host-local
// allocations, iptables rules naming the network, netns pins in /run/netns
// beyond `netns_before`. Empty when clean.
std::vector<std::string> BridgeLeftovers(const std::string& ipam_dir, int netns_before);

// Entries in /run/netns (containerd pins pod netns there).
int CountRunNetns();

// The bridge plugin run by hand as ucrd runs it (same stdin and CNI_* env, a
// fresh netns per round, `settle_ms` apart like the pods, no runtime around
// it): its own ADD and DEL times in ms. Dies-free: an empty result on error, with the reason in `error`.
struct PluginTimes {
  std::vector<double> add, del;
  std::string error;
};
PluginTimes TimeBridgePluginByHand(int rounds, const std::string& conflist, int settle_ms);

// Deletes the bridge (and with it its gateway address); then checks that no
// address of the subnet is left on the host. Empty when clean.
std::vector<std::string> RemoveBridge();

}  // namespace ucr::bench
