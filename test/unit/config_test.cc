#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ucr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ConfigTest, DefaultsMatchTheDocumentedOnes) {
  Config c;
  EXPECT_EQ(c.socket_path, "/run/ucrd/ucrd.sock");
  EXPECT_EQ(c.root_dir, "/var/lib/ucrd");
  EXPECT_EQ(c.state_dir, "/run/ucrd");
  EXPECT_EQ(c.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_THAT(c.cni_bin_dirs, ElementsAre("/opt/cni/bin", "/usr/lib/cni"));
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.spare_monitors, 1);
  EXPECT_TRUE(ValidateConfig(c).ok());
}

TEST(ConfigTest, EmptyFileKeepsDefaults) {
  absl::StatusOr<Config> c = ParseConfig("", "test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->root_dir, "/var/lib/ucrd");
  EXPECT_EQ(c->source, "test");
}

TEST(ConfigTest, ParsesEveryKey) {
  absl::StatusOr<Config> c = ParseConfig(R"(
socket = "/tmp/u.sock"
root_dir = "/tmp/root"
state_dir = "/tmp/state"
log_level = "debug"
[cni]
conf_dir = "/tmp/net.d"
bin_dirs = ["/a", "/b"]
[launcher]
spare_monitors = 0
[registries."docker.io"]
mirrors = ["http://127.0.0.1:5000"]
insecure = true
username = "u"
password = "p"
)", "test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->socket_path, "/tmp/u.sock");
  EXPECT_EQ(c->root_dir, "/tmp/root");
  EXPECT_EQ(c->state_dir, "/tmp/state");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->cni_conf_dir, "/tmp/net.d");
  EXPECT_THAT(c->cni_bin_dirs, ElementsAre("/a", "/b"));
  EXPECT_EQ(c->spare_monitors, 0);
  ASSERT_TRUE(c->registries.count("docker.io"));
  const RegistryConfig& r = c->registries.at("docker.io");
  EXPECT_THAT(r.mirrors, ElementsAre("http://127.0.0.1:5000"));
  EXPECT_TRUE(r.insecure);
  EXPECT_EQ(r.username, "u");
  EXPECT_EQ(r.password, "p");
}

TEST(ConfigTest, ErrorsNameTheKey) {
  struct Case {
    const char* toml;
    const char* want;
  } cases[] = {
      {"colour = 1", "key \"colour\": unknown key"},
      {"[cni]\nconfdir = \"/x\"", "key \"cni.confdir\": unknown key"},
      {"root_dir = 5", "key \"root_dir\": expected a string, got integer"},
      {"[cni]\nbin_dirs = [1]", "key \"cni.bin_dirs\": expected an array of strings"},
      {"cni = 1", "key \"cni\": expected a table"},
      {"[registries.\"r\"]\ninsecure = \"yes\"", "key \"registries.\"r\".insecure\": expected a boolean"},
      {"[registries.\"r\"]\nmirror = []", "key \"registries.\"r\".mirror\": unknown key"},
      {"state_dir = \"run\"", "key \"state_dir\": \"run\" is not an absolute path"},
      {"log_level = \"chatty\"", "key \"log_level\": unknown log level"},
      {"[launcher]\nspare_monitors = 17", "key \"launcher.spare_monitors\": 17 is outside 0..16"},
      {"[launcher]\nspare_monitors = true", "key \"launcher.spare_monitors\": expected an integer"},
      {"[launcher]\nspares = 1", "key \"launcher.spares\": unknown key"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Config> config = ParseConfig(c.toml, "t");
    ASSERT_FALSE(config.ok()) << c.toml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.want)) << c.toml;
  }
}

TEST(ConfigTest, SyntaxErrorIsOneLine) {
  absl::StatusOr<Config> config = ParseConfig("root_dir = [", "broken.toml");
  ASSERT_FALSE(config.ok());
  std::string msg(config.status().message());
  EXPECT_THAT(msg, HasSubstr("invalid TOML"));
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ConfigTest, TomlOutputRoundTripsAndHidesSecrets) {
  Config c;
  c.root_dir = "/srv/ucr \"quoted\"";
  c.registries["r.example"].mirrors = {"https://m.example"};
  c.registries["r.example"].password = "hunter2";
  c.spare_monitors = 3;
  std::string toml = ConfigToToml(c);
  EXPECT_THAT(toml, ::testing::Not(HasSubstr("hunter2")));
  absl::StatusOr<Config> back = ParseConfig(toml, "roundtrip");
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << toml;
  EXPECT_EQ(back->root_dir, c.root_dir);
  EXPECT_EQ(back->spare_monitors, 3);
  EXPECT_THAT(back->registries.at("r.example").mirrors, ElementsAre("https://m.example"));
}

TEST(ConfigTest, JsonHasEveryKeyButNoSecrets) {
  Config c;
  c.registries["r"].password = "hunter2";
  nlohmann::json j = ConfigToJson(c);
  EXPECT_EQ(j["socket"], c.socket_path);
  EXPECT_EQ(j["cni"]["bin_dirs"].size(), 2u);
  EXPECT_EQ(j["launcher"]["spare_monitors"], 1);
  EXPECT_EQ(j["registries"]["r"]["credentials"], true);
  EXPECT_EQ(j.dump().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace ucr
