// The pod network every fixture ucrd gets unless a test passes its own
// --cni_conf_dir: a bridge shared by all e2e daemons (ucre2e0, like a node's
// cni0) on 198.18.1.0/24 with one host-local store, so that concurrent tests
// never hand out the same address. No masquerading: test pods talk only to
// each other and to the host. Keeps test pods off the embedded default
// network (10.88.0.0/16), which tests must never use.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace ucr::test {

inline constexpr char kE2eNetworkName[] = "ucr-e2e";
inline constexpr char kE2eBridge[] = "ucre2e0";
inline constexpr char kE2eSubnet[] = "198.18.1.0/24";
inline constexpr char kE2eIpamDir[] = "/run/ucr-e2e/cni-ipam";

inline std::string E2eNetworkConflist() {
  return absl::StrCat(R"({"cniVersion": "1.0.0", "name": ")", kE2eNetworkName, R"(", "plugins": [
  {"type": "bridge", "bridge": ")", kE2eBridge, R"(", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": ")", kE2eSubnet, R"("}]],
            "dataDir": ")", kE2eIpamDir, R"("}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]})");
}

inline absl::Status WriteE2eNetworkConfig(const std::string& conf_dir) {
  if (absl::Status st = MakeDirs(conf_dir); !st.ok()) return st;
  return WriteFileAtomic(conf_dir + "/10-ucr-e2e.conflist", E2eNetworkConflist());
}

}  // namespace ucr::test
