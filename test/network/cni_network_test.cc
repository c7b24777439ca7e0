// CNI integration: real network namespaces, Debian's real plugins (bridge,
// host-local, portmap; loopback in-process) and a private test network on
// 198.18.0.0/24 (see net_fixture.h). Traffic stays between the test's own
// namespaces and the host. Needs root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/ids.h"
#include "test/network/net_fixture.h"

namespace ucr::network::test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::Contains;
using ::testing::Not;

class CniNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    // As in ucrd (ucrd/main.cc): a plugin that exits without reading its
    // stdin must not kill us with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    iptables_before_ = net_.IptablesLines();
    ASSERT_THAT(iptables_before_, IsEmpty());
    manager_ = net_.NewManager();
  }

  // Nothing of the test network is left: no veth on its bridge, no IP held,
  // no iptables rule, no cache entry.
  void ExpectNothingLeft() {
    EXPECT_THAT(net_.BridgePorts(), IsEmpty());
    EXPECT_THAT(net_.HostLocalAllocations(), IsEmpty());
    EXPECT_THAT(net_.IptablesLines(), IsEmpty());
    absl::StatusOr<std::string> cached = RunTool({"find", net_.cache_dir(), "-name", "*.json"});
    EXPECT_TRUE(!cached.ok() || cached->empty()) << *cached;
  }

  // wget from `ns` (or from the host when null), retried while httpd starts.
  // (No -T: Debian's busybox-static 1.35 wget crashes with it; RunTool times out instead.)
  absl::StatusOr<std::string> Fetch(const ScopedNetns* ns, const std::string& url) {
    std::vector<std::string> wget = {"/bin/busybox", "wget", "-q", "-O", "-", url};
    if (ns) wget.insert(wget.begin(), {"/usr/sbin/ip", "netns", "exec", ns->name()});
    absl::StatusOr<std::string> out;
    for (int i = 0; i < 50; ++i) {
      out = RunTool(wget, std::chrono::seconds(5));
      if (out.ok()) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return out;
  }

  std::string ServeDir(const std::string& text) {
    std::string dir = absl::StrCat(net_.dir(), "/www-", RandomHex(4));
    EXPECT_TRUE(MakeDirs(dir).ok());
    EXPECT_TRUE(WriteFileAtomic(dir + "/index.html", text).ok());
    return dir;
  }

  TestNetwork net_;
  std::unique_ptr<CniNetwork> manager_;
  std::vector<std::string> iptables_before_;
};

TEST_F(CniNetworkTest, TwoPodsGetDistinctIpsAndTalk) {
  auto a = net_.NewNetns();
  auto b = net_.NewNetns();
  ASSERT_TRUE(a->ok() && b->ok());
  absl::StatusOr<PodNetworkResult> ra = manager_->Setup(net_.Request(*a, "sandbox-a"));
  ASSERT_TRUE(ra.ok()) << ra.status();
  absl::StatusOr<PodNetworkResult> rb = manager_->Setup(net_.Request(*b, "sandbox-b"));
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_THAT(ra->ip, StartsWith(kTestSubnetPrefix));
  EXPECT_THAT(rb->ip, StartsWith(kTestSubnetPrefix));
  EXPECT_NE(ra->ip, rb->ip);
  EXPECT_NE(ra->ip, kTestGateway);
  EXPECT_THAT(ra->additional_ips, IsEmpty());

  // eth0 carries the address, lo is up (brought up in-process, no plugin).
  absl::StatusOr<std::string> addr = a->Exec({"ip", "-o", "-4", "addr", "show", "dev", "eth0"});
  ASSERT_TRUE(addr.ok()) << addr.status();
  EXPECT_THAT(*addr, HasSubstr(ra->ip + "/24"));
  absl::StatusOr<std::string> lo = a->Exec({"ip", "-o", "link", "show", "lo"});
  ASSERT_TRUE(lo.ok());
  EXPECT_THAT(*lo, HasSubstr(",UP"));
  EXPECT_EQ(net_.BridgePorts().size(), 2u);

  // b pings a; httpd in a answers wget from b, and from a itself over lo.
  EXPECT_TRUE(b->Exec({"/bin/busybox", "ping", "-c", "1", "-W", "3", ra->ip}).ok());
  absl::StatusOr<ChildProcess> httpd = a->StartHttpd(ServeDir("hello from a\n"), 8080);
  ASSERT_TRUE(httpd.ok()) << httpd.status();
  absl::StatusOr<std::string> page = Fetch(b.get(), absl::StrCat("http://", ra->ip, ":8080/index.html"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(*page, "hello from a\n");
  page = Fetch(a.get(), "http://127.0.0.1:8080/index.html");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(*page, "hello from a\n");
  httpd->Kill(SIGKILL);
  (void)httpd->Wait();

  EXPECT_TRUE(manager_->Check("sandbox-a").ok());
  EXPECT_TRUE(manager_->Teardown("sandbox-a").ok());
  EXPECT_TRUE(manager_->Teardown("sandbox-a").ok());  // idempotent
  EXPECT_TRUE(manager_->Teardown("sandbox-b").ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, HostPortReachesThePodFromTheHost) {
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  int host_port = 20000 + static_cast<int>(std::stoul(RandomHex(2), nullptr, 16) % 10000);
  PodNetworkRequest req = net_.Request(*a, "sandbox-hp");
  req.port_mappings = {{"TCP", 8080, host_port, ""}};
  absl::StatusOr<PodNetworkResult> r = manager_->Setup(req);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<ChildProcess> httpd = a->StartHttpd(ServeDir("via hostport\n"), 8080);
  ASSERT_TRUE(httpd.ok());

  // Through the bridge's own gateway address and through 127.0.0.1 (portmap
  // with snat sets route_localnet on the bridge for the latter).
  for (const std::string& host : {std::string(kTestGateway), std::string("127.0.0.1")}) {
    absl::StatusOr<std::string> page = Fetch(nullptr, absl::StrCat("http://", host, ":", host_port, "/index.html"));
    ASSERT_TRUE(page.ok()) << host << ": " << page.status();
    EXPECT_EQ(*page, "via hostport\n") << host;
  }
  EXPECT_THAT(net_.IptablesLines(), Contains(HasSubstr(absl::StrCat("--dports ", host_port))));
  httpd->Kill(SIGKILL);
  (void)httpd->Wait();
  ASSERT_TRUE(manager_->Teardown("sandbox-hp").ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, FiftyCyclesLeaveNothingBehind) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) {
    auto ns = net_.NewNetns();
    ASSERT_TRUE(ns->ok());
    PodNetworkRequest req = net_.Request(*ns, absl::StrCat("cycle-", i));
    req.port_mappings = {{"tcp", 80, 21000 + i, ""}};
    absl::StatusOr<PodNetworkResult> r = manager_->Setup(req);
    ASSERT_TRUE(r.ok()) << "cycle " << i << ": " << r.status();
    ASSERT_THAT(r->ip, StartsWith(kTestSubnetPrefix));
    ASSERT_TRUE(manager_->Teardown(req.sandbox_id).ok()) << "cycle " << i;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::printf("50 setup/teardown cycles (bridge+host-local+portmap with one hostPort): %lld ms\n",
              static_cast<long long>(ms.count()));
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, MissingPluginFailsNamingItAndLeavesNothing) {
  net_.WriteConflist("10-test.conflist",
                     net_.Conflist(net_.name(), net_.bridge(), kTestSubnet, R"({"type": "ucr-no-such-plugin"})"));
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  absl::StatusOr<PodNetworkResult> r = manager_->Setup(net_.Request(*a, "sandbox-missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("\"ucr-no-such-plugin\" not found"));
  EXPECT_FALSE(manager_->Ready().ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, FailedAddIsRolledBackCompletely) {
  // A plugin that fails after bridge, host-local and portmap did their work.
  ASSERT_TRUE(WriteFileAtomic(net_.fake_bin_dir() + "/ucr-fail",
                              "#!/bin/sh\ncat >/dev/null\n[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
                              "echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"refused\",\"details\":\"by test\"}'\n"
                              "exit 1\n", 0755).ok());
  net_.WriteConflist("10-test.conflist",
                     net_.Conflist(net_.name(), net_.bridge(), kTestSubnet, R"({"type": "ucr-fail"})"));
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  PodNetworkRequest req = net_.Request(*a, "sandbox-fail");
  req.port_mappings = {{"tcp", 80, 22080, ""}};
  absl::StatusOr<PodNetworkResult> r = manager_->Setup(req);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("CNI plugin ucr-fail failed on ADD (code 11): refused: by test"));
  absl::StatusOr<std::string> links = a->Exec({"ip", "-o", "link"});
  ASSERT_TRUE(links.ok());
  EXPECT_THAT(*links, Not(HasSubstr("eth0")));
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, TeardownAfterARestartUsesTheCachedConfig) {
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  PodNetworkRequest req = net_.Request(*a, "sandbox-restart");
  req.port_mappings = {{"tcp", 80, 23080, ""}};
  ASSERT_TRUE(manager_->Setup(req).ok());
  EXPECT_EQ(net_.HostLocalAllocations().size(), 1u);

  // "Restart": a new manager, and the config is gone meanwhile; DEL still
  // has everything it needs from the cache.
  manager_.reset();
  ASSERT_EQ(::unlink((net_.conf_dir() + "/10-test.conflist").c_str()), 0);
  auto restarted = net_.NewManager();
  EXPECT_TRUE(restarted->Recover().ok());
  EXPECT_FALSE(restarted->Ready().ok());
  ASSERT_TRUE(restarted->Teardown("sandbox-restart").ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, RecoverReleasesAnAddCutShortByACrash) {
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  ASSERT_TRUE(manager_->Setup(net_.Request(*a, "sandbox-crash")).ok());
  // As if ucrd died after the plugins ran but before the result was saved.
  std::string path = net_.cache_dir() + "/sandbox-crash-eth0.json";
  absl::StatusOr<nlohmann::json> entry = LoadJson(path);
  ASSERT_TRUE(entry.ok()) << entry.status();
  (*entry)["result"] = nullptr;
  ASSERT_TRUE(SaveJson(path, *entry).ok());

  auto restarted = net_.NewManager();
  EXPECT_TRUE(restarted->Recover().ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, CorruptCacheEntryStillLetsThePodGo) {
  net_.WriteConflist("10-test.conflist", net_.Conflist(net_.name(), net_.bridge(), kTestSubnet, "", false));
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  ASSERT_TRUE(manager_->Setup(net_.Request(*a, "sandbox-corrupt")).ok());
  std::string path = net_.cache_dir() + "/sandbox-corrupt-eth0.json";
  ASSERT_TRUE(WriteFileAtomic(path, "{\"truncated").ok());
  // DEL with the current network: host-local releases the address by container id.
  EXPECT_TRUE(manager_->Teardown("sandbox-corrupt").ok());
  EXPECT_THAT(net_.HostLocalAllocations(), IsEmpty());
  EXPECT_TRUE(ReadFile(path + ".corrupt").ok());  // kept for a human
  EXPECT_TRUE(manager_->Teardown("sandbox-corrupt").ok());
  a.reset();  // the veth goes with the namespace, which the kernel frees asynchronously
  for (int i = 0; i < 100 && !net_.BridgePorts().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, CheckNoticesARemovedInterface) {
  // Without masquerading: Debian's bridge plugin finds the pod's addresses for
  // removing its masquerade rule on the interface we are about to delete.
  net_.WriteConflist("10-test.conflist", net_.Conflist(net_.name(), net_.bridge(), kTestSubnet, "", false));
  auto a = net_.NewNetns();
  ASSERT_TRUE(a->ok());
  ASSERT_TRUE(manager_->Setup(net_.Request(*a, "sandbox-check")).ok());
  EXPECT_TRUE(manager_->Check("sandbox-check").ok());
  ASSERT_TRUE(a->Exec({"ip", "link", "del", "eth0"}).ok());
  EXPECT_FALSE(manager_->Check("sandbox-check").ok());
  EXPECT_TRUE(manager_->Teardown("sandbox-check").ok());
  ExpectNothingLeft();
}

TEST_F(CniNetworkTest, ConfDirChangeSwitchesNewPodsAndOldOnesDetachFromTheirs) {
  // Two halves of the test subnet on two bridges.
  net_.WriteConflist("10-test.conflist", net_.Conflist(net_.name(), net_.bridge(), "198.18.0.0/25"));
  auto a = net_.NewNetns();
  auto b = net_.NewNetns();
  ASSERT_TRUE(a->ok() && b->ok());
  absl::StatusOr<PodNetworkResult> ra = manager_->Setup(net_.Request(*a, "sandbox-old"));
  ASSERT_TRUE(ra.ok()) << ra.status();

  std::string second_bridge = net_.bridge() + "b";
  net_.ExtraBridges.push_back(second_bridge);
  net_.WriteConflist("05-second.conflist",
                     net_.Conflist(net_.name() + "-b", second_bridge, "198.18.0.128/25"));
  absl::StatusOr<PodNetworkResult> rb = manager_->Setup(net_.Request(*b, "sandbox-new"));
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_THAT(rb->ip, StartsWith("198.18.0.1"));  // 198.18.0.129 and up
  int last_octet = std::stoi(rb->ip.substr(rb->ip.rfind('.') + 1));
  EXPECT_GT(last_octet, 128);
  absl::StatusOr<std::string> ports = RunTool({"ip", "-o", "link", "show", "master", second_bridge});
  ASSERT_TRUE(ports.ok());
  EXPECT_THAT(*ports, HasSubstr("veth"));

  ASSERT_TRUE(manager_->Teardown("sandbox-old").ok());
  ASSERT_TRUE(manager_->Teardown("sandbox-new").ok());
  ExpectNothingLeft();
}

// Prints the figures the pods bench depends on; asserts nothing about speed.
// Medians of 10 Setup/Teardown pairs for three lists: the standard test list
// (bridge with masquerading: the plugin runs iptables 8 times), bridge
// without masquerading, and a one-line fake plugin (ucr's own overhead:
// loopback, cache, one exec).
void TimeSetupAndTeardown(TestNetwork& net, const char* what) {
  auto manager = net.NewManager();
  std::vector<long long> setup_us, teardown_us;
  for (int i = 0; i < 10; ++i) {
    auto ns = net.NewNetns();
    ASSERT_TRUE(ns->ok());
    PodNetworkRequest req = net.Request(*ns, absl::StrCat("timing-", i));
    auto t0 = std::chrono::steady_clock::now();
    absl::StatusOr<PodNetworkResult> r = manager->Setup(req);
    ASSERT_TRUE(r.ok()) << r.status();
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(manager->Teardown(req.sandbox_id).ok());
    auto t2 = std::chrono::steady_clock::now();
    setup_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    teardown_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1).count());
  }
  std::sort(setup_us.begin(), setup_us.end());
  std::sort(teardown_us.begin(), teardown_us.end());
  std::printf("CNI %s: Setup median %.1f ms, Teardown median %.1f ms\n", what, setup_us[5] / 1000.0,
              teardown_us[5] / 1000.0);
}

TEST_F(CniNetworkTest, SetupAndTeardownTimes) {
  TimeSetupAndTeardown(net_, "bridge(ipMasq)+host-local+portmap(no ports)");
  ExpectNothingLeft();
  net_.WriteConflist("10-test.conflist", net_.Conflist(net_.name(), net_.bridge(), kTestSubnet, "", false));
  TimeSetupAndTeardown(net_, "bridge(no ipMasq)+host-local+portmap(no ports)");
  ExpectNothingLeft();
  ASSERT_TRUE(WriteFileAtomic(net_.fake_bin_dir() + "/ucr-fast",
                              "#!/bin/sh\necho '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"198.18.0.77/24\"}]}'\n",
                              0755).ok());
  net_.WriteConflist("10-test.conflist",
                     R"({"cniVersion": "1.0.0", "name": "fast", "plugins": [{"type": "ucr-fast"}]})");
  TimeSetupAndTeardown(net_, "one fake /bin/sh plugin (ucr's own overhead)");
}

}  // namespace
}  // namespace ucr::network::test
