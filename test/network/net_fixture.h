// Fixtures for the CNI integration tests (root; real plugins from
// /usr/lib/cni): a network namespace per simulated pod, and a private test
// network — its own bridge (ucrt<tag>), conf dir, host-local store and result
// cache, on 198.18.0.0/24. Everything they create is removed on destruction,
// even after a failed test: namespaces, the bridge, iptables rules naming the
// network, temp dirs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/child_process.h"
#include "network/cni_network.h"

namespace ucr::network::test {

inline constexpr char kTestSubnet[] = "198.18.0.0/24";
inline constexpr char kTestSubnetPrefix[] = "198.18.0.";
inline constexpr char kTestGateway[] = "198.18.0.1";

// Runs argv; returns stdout, or an error carrying stderr.
absl::StatusOr<std::string> RunTool(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// `ip netns add` on construction, `ip netns del` on destruction.
class ScopedNetns {
 public:
  explicit ScopedNetns(const std::string& name);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  // Runs argv inside the namespace (ip netns exec).
  absl::StatusOr<std::string> Exec(const std::vector<std::string>& argv) const;
  // Starts busybox httpd serving `dir` on `port` inside the namespace.
  absl::StatusOr<ChildProcess> StartHttpd(const std::string& dir, int port) const;

 private:
  std::string name_;
  bool ok_ = false;
};

// Holds /run/ucr-cni-tests.lock for its lifetime, so that test networks on
// 198.18.0.0/24 never coexist, even across worktrees and ctest runs; on
// construction it removes what a crashed earlier run left (bridges holding
// 198.18.0.x, ucrt* namespaces, iptables rules naming ucrt-* networks).
class TestNetwork {
 public:
  TestNetwork();
  ~TestNetwork();
  TestNetwork(const TestNetwork&) = delete;
  TestNetwork& operator=(const TestNetwork&) = delete;

  const std::string& tag() const { return tag_; }        // random, unique per run
  std::string name() const { return "ucrt-" + tag_; }    // the network's name
  std::string bridge() const { return "ucrt" + tag_; }   // the bridge's name
  std::string dir() const { return dir_; }
  std::string conf_dir() const { return dir_ + "/net.d"; }
  std::string cache_dir() const { return dir_ + "/results"; }
  std::string ipam_dir() const { return dir_ + "/ipam"; }
  std::string fake_bin_dir() const { return dir_ + "/bin"; }

  // The standard test conflist: bridge (gateway, masquerade) + host-local on
  // `subnet` + portmap, with extra plugin objects appended (JSON text).
  std::string Conflist(const std::string& name, const std::string& bridge, const std::string& subnet,
                       const std::string& extra_plugins = "", bool masquerade = true) const;
  void WriteConflist(const std::string& file, const std::string& text) const;
  // A fresh manager on this network's dirs (a "restarted ucrd" is just a new one).
  std::unique_ptr<CniNetwork> NewManager() const;

  // A new namespace named after this network.
  std::unique_ptr<ScopedNetns> NewNetns();
  PodNetworkRequest Request(const ScopedNetns& ns, const std::string& sandbox_id) const;

  // Leftovers the tests compare before/after.
  std::vector<std::string> IptablesLines() const;  // rules/chains naming this network or subnet
  std::vector<std::string> HostLocalAllocations() const;  // IPs held in the host-local store
  std::vector<std::string> BridgePorts() const;            // veths attached to our bridges
  std::vector<std::string> ExtraBridges;                   // more bridges to clean up

 private:
  // Deletes rules mentioning `needle` or the test subnet, and the per-pod chains they jump to.
  static void RemoveIptablesRules(const std::string& needle);
  static void RemoveStaleLeftovers();

  int lock_fd_ = -1;

  std::string tag_;
  std::string dir_;
  int netns_count_ = 0;
};

}  // namespace ucr::network::test
