#include "network/cni_conf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "test/unit/network/temp_dir.h"

namespace ucr::network {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kList[] = R"({"cniVersion": "1.0.0", "name": "net1", "plugins": [
  {"type": "bridge", "bridge": "b0", "ipam": {"type": "host-local"}},
  {"type": "portmap", "capabilities": {"portMappings": true, "bandwidth": false}}]})";

TEST(CniConfTest, ParsesAList) {
  absl::StatusOr<CniNetworkList> list = ParseNetworkList(kList, "x.conflist", false);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->name, "net1");
  EXPECT_EQ(list->cni_version, "1.0.0");
  ASSERT_EQ(list->plugins.size(), 2u);
  EXPECT_EQ(list->plugins[0].type, "bridge");
  EXPECT_EQ(list->plugins[0].conf["bridge"], "b0");
  EXPECT_TRUE(list->plugins[0].capabilities.empty());
  // Only capabilities set to true count.
  EXPECT_THAT(list->plugins[1].capabilities, ElementsAre("portMappings"));
  EXPECT_TRUE(list->HasPluginType("portmap"));
  EXPECT_FALSE(list->HasPluginType("loopback"));
}

TEST(CniConfTest, WrapsASinglePluginConf) {
  absl::StatusOr<CniNetworkList> list = ParseNetworkList(
      R"({"cniVersion": "0.4.0", "name": "single", "type": "bridge", "bridge": "b1"})", "x.conf", true);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->name, "single");
  EXPECT_EQ(list->cni_version, "0.4.0");
  ASSERT_EQ(list->plugins.size(), 1u);
  EXPECT_EQ(list->plugins[0].type, "bridge");
  EXPECT_EQ(list->plugins[0].conf["bridge"], "b1");
}

TEST(CniConfTest, AcceptsEverySupportedVersionAndRejectsOthers) {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "0.2.0"}) {
    std::string text = std::string(R"({"cniVersion": ")") + v + R"(", "name": "n", "plugins": [{"type": "bridge"}]})";
    EXPECT_TRUE(ParseNetworkList(text, "f", false).ok()) << v;
  }
  absl::StatusOr<CniNetworkList> bad =
      ParseNetworkList(R"({"cniVersion": "2.0.0", "name": "n", "plugins": [{"type": "bridge"}]})", "f", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("unsupported cniVersion \"2.0.0\""));
}

TEST(CniConfTest, RejectsInvalidListsWithAReason) {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"{not json", "malformed JSON"},
      {"[1]", "not a JSON object"},
      {R"({"cniVersion": "1.0.0", "plugins": [{"type": "bridge"}]})", "no \"name\""},
      {R"({"name": "n", "plugins": [{"type": "bridge"}]})", "no \"cniVersion\""},
      {R"({"cniVersion": "1.0.0", "name": "n", "plugins": []})", "no \"plugins\""},
      {R"({"cniVersion": "1.0.0", "name": "n", "plugins": [{"bridge": "x"}]})", "plugins[0] has no \"type\""},
      {R"({"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "../../bin/sh"}]})", "invalid type"},
      {R"({"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "a", "capabilities": 1}]})",
       "capabilities is not an object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CniNetworkList> list = ParseNetworkList(c.text, "f.conflist", false);
    ASSERT_FALSE(list.ok()) << c.text;
    EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(list.status().message(), HasSubstr(c.why)) << c.text;
    EXPECT_THAT(list.status().message(), HasSubstr("f.conflist"));
  }
}

TEST(CniConfTest, ComparesVersions) {
  EXPECT_TRUE(CniVersionAtLeast("1.0.0", "0.4.0"));
  EXPECT_TRUE(CniVersionAtLeast("0.4.0", "0.4.0"));
  EXPECT_FALSE(CniVersionAtLeast("0.3.1", "0.4.0"));
  EXPECT_TRUE(CniVersionAtLeast("0.10.0", "0.4.0"));
}

TEST(CniConfTest, RoundTripsThroughJson) {
  absl::StatusOr<CniNetworkList> list = ParseNetworkList(kList, "x.conflist", false);
  ASSERT_TRUE(list.ok());
  absl::StatusOr<CniNetworkList> back = NetworkListFromJson(list->ToJson(), "cache");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), list->ToJson());
  EXPECT_THAT(back->plugins[1].capabilities, ElementsAre("portMappings"));
}

TEST(CniConfTest, DefaultNetworkIsTheDocumentedOne) {
  CniNetworkList def = DefaultNetwork();
  EXPECT_EQ(def.name, "ucr");
  EXPECT_EQ(def.source, kDefaultNetworkSource);
  ASSERT_EQ(def.plugins.size(), 2u);
  EXPECT_EQ(def.plugins[0].type, "bridge");
  EXPECT_EQ(def.plugins[0].conf["bridge"], "ucr0");
  EXPECT_EQ(def.plugins[0].conf["ipam"]["type"], "host-local");
  EXPECT_EQ(def.plugins[0].conf["ipam"]["ranges"][0][0]["subnet"], "10.88.0.0/16");
  EXPECT_EQ(def.plugins[1].type, "portmap");
  EXPECT_THAT(def.plugins[1].capabilities, ElementsAre("portMappings"));
}

TEST(CniConfTest, ScanPicksTheLexicallyFirstValidFile) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(dir.path() + "/" + name, text).ok());
  };
  write("05-broken.conflist", "{oops");
  write("10-b.conflist", R"({"cniVersion": "1.0.0", "name": "b", "plugins": [{"type": "bridge"}]})");
  write("20-a.conflist", R"({"cniVersion": "1.0.0", "name": "a", "plugins": [{"type": "bridge"}]})");
  write("00-ignored.txt", "not a config");
  write(".hidden.conflist", R"({"cniVersion": "1.0.0", "name": "h", "plugins": [{"type": "bridge"}]})");
  ConfDirScan scan = ScanConfDir(dir.path());
  ASSERT_TRUE(scan.network.has_value());
  EXPECT_EQ(scan.network->name, "b");
  EXPECT_EQ(scan.network->source, dir.path() + "/10-b.conflist");
  EXPECT_EQ(scan.candidates, 3);
  ASSERT_EQ(scan.rejected.size(), 1u);
  EXPECT_THAT(scan.rejected[0], HasSubstr("05-broken.conflist"));
}

TEST(CniConfTest, ScanReadsConfAndJsonAsSinglePlugins) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/10-x.json",
                              R"({"cniVersion": "0.3.1", "name": "j", "type": "ptp"})").ok());
  ConfDirScan scan = ScanConfDir(dir.path());
  ASSERT_TRUE(scan.network.has_value());
  EXPECT_EQ(scan.network->name, "j");
  EXPECT_EQ(scan.network->plugins[0].type, "ptp");
}

TEST(CniConfTest, ScanOfAMissingOrEmptyDir) {
  TempDir dir;
  ConfDirScan empty = ScanConfDir(dir.path());
  EXPECT_FALSE(empty.network.has_value());
  EXPECT_FALSE(empty.dir_missing);
  EXPECT_EQ(empty.candidates, 0);
  ConfDirScan missing = ScanConfDir(dir.path() + "/nope");
  EXPECT_TRUE(missing.dir_missing);
}

}  // namespace
}  // namespace ucr::network
