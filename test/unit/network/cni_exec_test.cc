#include "network/cni_exec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network/cni_chain.h"
#include "test/unit/network/fake_plugins.h"

namespace ucr::network {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

TEST(CniExecTest, CniArgsCarryThePodIdentity) {
  EXPECT_EQ(BuildCniArgs("default", "web", "0123abcd", "uid-1"),
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;"
            "K8S_POD_INFRA_CONTAINER_ID=0123abcd;K8S_POD_UID=uid-1");
}

TEST(CniExecTest, EnvReplacesInheritedCniVariablesAndKeepsPath) {
  CniInvocation inv{"ADD", "sb1", "/run/ucrd/sandboxes/sb1/ns/net", "eth0", "IgnoreUnknown=1", {"/a", "/b"}};
  std::vector<std::string> env = BuildPluginEnv(inv, {"PATH=/usr/bin", "CNI_COMMAND=DEL", "HOME=/root"});
  EXPECT_THAT(env, ElementsAre("PATH=/usr/bin", "HOME=/root", "CNI_COMMAND=ADD", "CNI_CONTAINERID=sb1",
                               "CNI_NETNS=/run/ucrd/sandboxes/sb1/ns/net", "CNI_IFNAME=eth0",
                               "CNI_ARGS=IgnoreUnknown=1", "CNI_PATH=/a:/b"));
  std::vector<std::string> no_path = BuildPluginEnv(inv, {});
  EXPECT_THAT(no_path[0], HasSubstr("PATH=/usr/local/sbin"));
}

TEST(CniExecTest, ErrorObjectBecomesTheStatusMessage) {
  absl::Status st = PluginFailure("bridge", "ADD", 1,
                                  R"({"cniVersion": "1.0.0", "code": 11, "msg": "failed to set bridge addr",
                                      "details": "could not add IP address to \"cni0\": permission denied"})",
                                  "");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(st.message(),
            "CNI plugin bridge failed on ADD (code 11): failed to set bridge addr: could not add IP address to "
            "\"cni0\": permission denied");
  absl::Status no_details = PluginFailure("portmap", "DEL", 1, R"({"code": 7, "msg": "bad"})", "");
  EXPECT_EQ(no_details.message(), "CNI plugin portmap failed on DEL (code 7): bad");
  absl::Status raw = PluginFailure("x", "ADD", 2, "", "panic: boom\n");
  EXPECT_EQ(raw.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(raw.message(), HasSubstr("(exit 2): panic: boom"));
}

TEST(CniExecTest, MissingPluginIsNamed) {
  absl::StatusOr<std::string> found = FindPlugin("nosuchplugin", {"/nonexistent1", "/nonexistent2"});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(), HasSubstr("\"nosuchplugin\" not found in /nonexistent1:/nonexistent2"));
}

TEST(CniExecTest, InvokesAPluginWithEnvAndStdin) {
  FakePlugins fakes;
  fakes.Add("one", R"({"cniVersion": "1.0.0", "ips": [{"address": "198.18.0.4/24"}]})");
  CniInvocation inv{"ADD", "sb1", "/proc/self/ns/net", "eth0", "IgnoreUnknown=1;K8S_POD_NAME=p", {fakes.bin_dir()}};
  absl::StatusOr<json> out = InvokePlugin("one", inv, {{"type", "one"}, {"x", 1}}, std::chrono::seconds(10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)["ips"][0]["address"], "198.18.0.4/24");
  EXPECT_EQ(fakes.Stdin("one", "ADD"), json({{"type", "one"}, {"x", 1}}));
  std::string env = fakes.Env("one", "ADD");
  EXPECT_THAT(env, HasSubstr("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=p\n"));
  EXPECT_THAT(env, HasSubstr("CNI_CONTAINERID=sb1\n"));
  EXPECT_THAT(env, HasSubstr("CNI_IFNAME=eth0\n"));
  EXPECT_THAT(env, HasSubstr("CNI_NETNS=/proc/self/ns/net\n"));
  EXPECT_THAT(env, HasSubstr("CNI_PATH=" + fakes.bin_dir() + "\n"));
}

TEST(CniExecTest, FailingPluginSurfacesItsError) {
  FakePlugins fakes;
  fakes.Add("bad", R"({"cniVersion": "1.0.0", "code": 11, "msg": "no luck", "details": "really"})", 1);
  CniInvocation inv{"ADD", "sb1", "", "eth0", "", {fakes.bin_dir()}};
  absl::StatusOr<json> out = InvokePlugin("bad", inv, json::object(), std::chrono::seconds(10));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "CNI plugin bad failed on ADD (code 11): no luck: really");
}

TEST(CniExecTest, HungPluginIsKilledAtTheTimeout) {
  FakePlugins fakes;
  fakes.Add("slow", "{}", 0, "sleep 30\n");
  CniInvocation inv{"ADD", "sb1", "", "eth0", "", {fakes.bin_dir()}};
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<json> out = InvokePlugin("slow", inv, json::object(), std::chrono::milliseconds(300));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(out.status().message(), HasSubstr("slow"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// The chain: ADD in order with prevResult, runtimeConfig per capability; DEL
// in reverse with the cached result; no-op plugins skipped.
class CniChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fakes_.Add("first", kFirstResult);
    fakes_.Add("second", kSecondResult);
    fakes_.Add("portmap", "");
    list_ = *ParseNetworkList(R"({"cniVersion": "1.0.0", "name": "chain", "plugins": [
        {"type": "first", "opt": 1},
        {"type": "portmap", "capabilities": {"portMappings": true}},
        {"type": "second", "capabilities": {"dns": true}}]})", "test", false);
    inv_ = {"", "sb9", "", "eth0", "IgnoreUnknown=1", {fakes_.bin_dir()}};
  }

  static constexpr char kFirstResult[] =
      R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0", "sandbox": "/x"}], "ips": [{"interface": 0, "address": "198.18.0.2/24"}]})";
  static constexpr char kSecondResult[] =
      R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0", "sandbox": "/x"}], "ips": [{"interface": 0, "address": "198.18.0.3/24"}]})";
  FakePlugins fakes_;
  CniNetworkList list_;
  CniInvocation inv_;
};

TEST_F(CniChainTest, AddChainsPrevResultAndFiltersRuntimeConfig) {
  json caps = {{"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})},
               {"dns", {{"servers", {"198.18.0.53"}}}}};
  absl::StatusOr<json> result = ChainAdd(list_, inv_, caps, std::chrono::seconds(10));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, json::parse(kSecondResult));
  EXPECT_THAT(fakes_.Calls(), ElementsAre("first ADD", "portmap ADD", "second ADD"));

  json first = fakes_.Stdin("first", "ADD");
  EXPECT_EQ(first["name"], "chain");
  EXPECT_EQ(first["cniVersion"], "1.0.0");
  EXPECT_EQ(first["opt"], 1);
  EXPECT_FALSE(first.contains("prevResult"));
  EXPECT_FALSE(first.contains("runtimeConfig"));  // declares no capability

  json portmap = fakes_.Stdin("portmap", "ADD");
  EXPECT_EQ(portmap["prevResult"], json::parse(kFirstResult));
  EXPECT_EQ(portmap["runtimeConfig"], json({{"portMappings", caps["portMappings"]}}));

  // portmap printed nothing: the chain's result stays the first plugin's.
  json second = fakes_.Stdin("second", "ADD");
  EXPECT_EQ(second["prevResult"], json::parse(kFirstResult));
  EXPECT_EQ(second["runtimeConfig"], json({{"dns", caps["dns"]}}));
  EXPECT_THAT(fakes_.Env("second", "ADD"), HasSubstr("CNI_COMMAND=ADD"));
}

TEST_F(CniChainTest, PortmapWithoutMappingsIsNotExecuted) {
  ASSERT_TRUE(ChainAdd(list_, inv_, json::object(), std::chrono::seconds(10)).ok());
  EXPECT_THAT(fakes_.Calls(), ElementsAre("first ADD", "second ADD"));
}

TEST_F(CniChainTest, DelRunsInReverseWithTheCachedResult) {
  json caps = {{"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})}};
  json cached = json::parse(kSecondResult);
  ASSERT_TRUE(ChainDel(list_, inv_, caps, cached, std::chrono::seconds(10)).ok());
  EXPECT_THAT(fakes_.Calls(), ElementsAre("second DEL", "portmap DEL", "first DEL"));
  EXPECT_EQ(fakes_.Stdin("first", "DEL")["prevResult"], cached);
  EXPECT_EQ(fakes_.Stdin("portmap", "DEL")["runtimeConfig"]["portMappings"], caps["portMappings"]);
  EXPECT_THAT(fakes_.Env("first", "DEL"), HasSubstr("CNI_COMMAND=DEL"));
}

TEST_F(CniChainTest, DelBefore040HasNoPrevResult) {
  list_.cni_version = "0.3.1";
  ASSERT_TRUE(ChainDel(list_, inv_, json::object(), json::parse(kSecondResult), std::chrono::seconds(10)).ok());
  EXPECT_FALSE(fakes_.Stdin("first", "DEL").contains("prevResult"));
  EXPECT_EQ(fakes_.Stdin("first", "DEL")["cniVersion"], "0.3.1");
}

TEST_F(CniChainTest, DelKeepsGoingAfterAFailureAndReportsIt) {
  fakes_.Add("second", R"({"code": 999, "msg": "stuck"})", 1);
  absl::Status st = ChainDel(list_, inv_, json::object(), json(), std::chrono::seconds(10));
  EXPECT_THAT(st.message(), HasSubstr("stuck"));
  EXPECT_THAT(fakes_.Calls(), ElementsAre("second DEL", "first DEL"));
}

TEST_F(CniChainTest, AddStopsAtTheFirstFailure) {
  fakes_.Add("first", R"({"code": 11, "msg": "nope"})", 1);
  absl::StatusOr<json> result = ChainAdd(list_, inv_, json::object(), std::chrono::seconds(10));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("CNI plugin first failed on ADD (code 11): nope"));
  EXPECT_THAT(fakes_.Calls(), ElementsAre("first ADD"));
}

TEST_F(CniChainTest, CheckPassesTheCachedResultToEveryPlugin) {
  json cached = json::parse(kSecondResult);
  ASSERT_TRUE(ChainCheck(list_, inv_, json::object(), cached, std::chrono::seconds(10)).ok());
  EXPECT_THAT(fakes_.Calls(), ElementsAre("first CHECK", "second CHECK"));
  EXPECT_EQ(fakes_.Stdin("second", "CHECK")["prevResult"], cached);
  fakes_.ClearCalls();
  list_.disable_check = true;
  ASSERT_TRUE(ChainCheck(list_, inv_, json::object(), cached, std::chrono::seconds(10)).ok());
  EXPECT_THAT(fakes_.Calls(), Not(Contains(HasSubstr("CHECK"))));
}

}  // namespace
}  // namespace ucr::network
