// The daemon itself: start-up, the single-instance lock, the socket, the
// RPCs the foundation serves, config errors and clean shutdown.
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/json_state.h"
#include "test/e2e/ucrd_fixture.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DaemonTest : public UcrdTest {};

TEST_F(DaemonTest, VersionNamesUcrAndApiV1) {
  ASSERT_TRUE(ucrd_.Start());
  v1::VersionResponse resp;
  ASSERT_TRUE(ucrd_.runtime().Version(Context().get(), v1::VersionRequest(), &resp).ok());
  EXPECT_EQ(resp.runtime_name(), "ucr");
  EXPECT_EQ(resp.runtime_api_version(), "v1");
  EXPECT_EQ(resp.runtime_version(), UCR_VERSION);
  EXPECT_FALSE(resp.version().empty());
}

TEST_F(DaemonTest, StatusReportsRuntimeAndNetworkReady) {
  ASSERT_TRUE(ucrd_.Start());
  v1::StatusRequest req;
  req.set_verbose(true);
  v1::StatusResponse resp;
  ASSERT_TRUE(ucrd_.runtime().Status(Context().get(), req, &resp).ok());
  std::map<std::string, v1::RuntimeCondition> by_type;
  for (const auto& c : resp.status().conditions()) by_type[c.type()] = c;
  ASSERT_TRUE(by_type.count("RuntimeReady"));
  EXPECT_TRUE(by_type["RuntimeReady"].status());
  ASSERT_TRUE(by_type.count("NetworkReady"));
  // The fixture's own test network (test/e2e/test_network.h) is loaded.
  EXPECT_TRUE(by_type["NetworkReady"].status()) << by_type["NetworkReady"].message();
  EXPECT_THAT(by_type["NetworkReady"].message(), HasSubstr("ucr-e2e"));

  ASSERT_TRUE(resp.info().count("config"));
  absl::StatusOr<nlohmann::json> config = ParseJson(resp.info().at("config"), "info.config");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)["root_dir"], ucrd_.root_dir());
  EXPECT_EQ((*config)["socket"], ucrd_.socket_path());
}

TEST_F(DaemonTest, StatusWithoutVerboseHasNoInfo) {
  ASSERT_TRUE(ucrd_.Start());
  v1::StatusResponse resp;
  ASSERT_TRUE(ucrd_.runtime().Status(Context().get(), v1::StatusRequest(), &resp).ok());
  EXPECT_TRUE(resp.info().empty());
}

TEST_F(DaemonTest, RuntimeConfigSaysCgroupfs) {
  ASSERT_TRUE(ucrd_.Start());
  v1::RuntimeConfigResponse resp;
  ASSERT_TRUE(ucrd_.runtime().RuntimeConfig(Context().get(), v1::RuntimeConfigRequest(), &resp).ok());
  EXPECT_EQ(resp.linux().cgroup_driver(), v1::CGROUPFS);
}

TEST_F(DaemonTest, SocketIsMode0660) {
  ASSERT_TRUE(ucrd_.Start());
  struct stat st;
  ASSERT_EQ(::stat(ucrd_.socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(DaemonTest, SecondDaemonOnSameRootRefusesToStart) {
  ASSERT_TRUE(ucrd_.Start());
  // Same root dir, another socket: the lock, not the socket, must stop it.
  std::vector<std::string> args = {"--config", ucrd_.config_path(), "--socket",
                                   ucrd_.state_dir() + "/other.sock"};
  CommandResult second = RunUcrdCommand(args);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("ucrd.lock"));
  EXPECT_THAT(second.err, HasSubstr(std::to_string(ucrd_.pid())));
  // The first daemon is unharmed.
  v1::VersionResponse resp;
  EXPECT_TRUE(ucrd_.runtime().Version(Context().get(), v1::VersionRequest(), &resp).ok());
}

TEST_F(DaemonTest, StaleSocketIsReplaced) {
  ASSERT_TRUE(ucrd_.Start());
  ucrd_.Kill();  // leaves the socket file behind, with nobody listening
  struct stat st;
  ASSERT_EQ(::stat(ucrd_.socket_path().c_str(), &st), 0) << "SIGKILL should leave the socket file";
  ASSERT_TRUE(ucrd_.Start());
  v1::VersionResponse resp;
  EXPECT_TRUE(ucrd_.runtime().Version(Context().get(), v1::VersionRequest(), &resp).ok());
}

TEST_F(DaemonTest, SigtermExitsZeroAndRemovesSocket) {
  ASSERT_TRUE(ucrd_.Start());
  EXPECT_EQ(ucrd_.Stop(), 0);
  struct stat st;
  EXPECT_NE(::stat(ucrd_.socket_path().c_str(), &st), 0);
  EXPECT_THAT(ucrd_.ReadLog(), HasSubstr("ucrd stopped"));
}

TEST_F(DaemonTest, UnimplementedRpcsNameThemselves) {
  ASSERT_TRUE(ucrd_.Start());
  v1::ListMetricDescriptorsResponse resp;
  grpc::Status st = ucrd_.runtime().ListMetricDescriptors(Context().get(), {}, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(st.error_message(), HasSubstr("ListMetricDescriptors"));
}

TEST_F(DaemonTest, EachCallIsLoggedOnceWithItsCode) {
  ASSERT_TRUE(ucrd_.Start());
  v1::CheckpointContainerResponse resp;
  (void)ucrd_.runtime().CheckpointContainer(Context().get(), {}, &resp);
  std::string log = ucrd_.ReadLog();
  size_t count = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "CheckpointContainer UNIMPLEMENTED")) {
      ++count;
      EXPECT_THAT(std::string(line), testing::ContainsRegex("\\[[0-9a-f]{8}\\] CheckpointContainer"));
      EXPECT_THAT(std::string(line), testing::ContainsRegex("[0-9.]+ms"));
    }
  }
  EXPECT_EQ(count, 1u) << log;
}

// ---- configuration ----

class ConfigCommandTest : public ::testing::Test {
 protected:
  std::string WriteConfig(const std::string& toml) {
    std::string path = dir_.path() + "/config.toml";
    EXPECT_TRUE(WriteFileAtomic(path, toml).ok());
    return path;
  }
  TempDir dir_;
};

TEST_F(ConfigCommandTest, PrintsEffectiveConfigWithFlagsApplied) {
  std::string path = WriteConfig("log_level = \"warn\"\n[cni]\nconf_dir = \"/tmp/cni-conf\"\n");
  CommandResult r = RunUcrdCommand({"config", "--config", path, "--root_dir", "/tmp/ucr-flag-root"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("root_dir = \"/tmp/ucr-flag-root\""));
  EXPECT_THAT(r.out, HasSubstr("log_level = \"warn\""));
  EXPECT_THAT(r.out, HasSubstr("conf_dir = \"/tmp/cni-conf\""));
  EXPECT_THAT(r.out, HasSubstr("state_dir = \"/run/ucrd\""));
  // What it prints is itself a valid config that yields the same output.
  std::string reparsed = WriteConfig(r.out);
  CommandResult again = RunUcrdCommand({"config", "--config", reparsed});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.substr(again.out.find('\n')), r.out.substr(r.out.find('\n')));
}

TEST_F(ConfigCommandTest, VersionFlag) {
  CommandResult r = RunUcrdCommand({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr(std::string("ucrd ") + UCR_VERSION));
}

struct BadConfigCase {
  const char* name;
  const char* toml;
  const char* key;
  const char* problem;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadConfigCase& c, std::ostream* os) { *os << c.name; }

class BadConfigTest : public ConfigCommandTest, public ::testing::WithParamInterface<BadConfigCase> {};

TEST_P(BadConfigTest, ExitsNonZeroWithOneLineNamingKeyAndProblem) {
  const BadConfigCase& c = GetParam();
  std::string toml = c.toml;
  // A file where a directory must be: the directory is unusable.
  std::string blocker = dir_.path() + "/a-file";
  ASSERT_TRUE(WriteFileAtomic(blocker, "x").ok());
  size_t at = toml.find("@FILE@");
  if (at != std::string::npos) toml.replace(at, 6, blocker);
  std::string path = WriteConfig(toml);
  std::vector<std::string> args = {"--config", path, "--socket", dir_.path() + "/s.sock"};
  if (toml.find("root_dir") == std::string::npos) {
    args.insert(args.end(), {"--root_dir", dir_.path() + "/root"});
  }
  if (toml.find("state_dir") == std::string::npos) {
    args.insert(args.end(), {"--state_dir", dir_.path() + "/state"});
  }
  CommandResult r = RunUcrdCommand(args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(c.key));
  EXPECT_THAT(r.err, HasSubstr(c.problem));
  std::vector<std::string> lines = absl::StrSplit(r.err, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 1u) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfigTest,
    ::testing::Values(
        BadConfigCase{"UnknownKey", "sokcet = \"/x\"\n", "\"sokcet\"", "unknown key"},
        BadConfigCase{"UnknownNestedKey", "[cni]\nbin_dir = [\"/x\"]\n", "\"cni.bin_dir\"", "unknown key"},
        BadConfigCase{"WrongType", "log_level = 3\n", "\"log_level\"", "expected a string"},
        BadConfigCase{"WrongListType", "[cni]\nbin_dirs = \"/opt/cni/bin\"\n", "\"cni.bin_dirs\"",
                      "expected an array"},
        BadConfigCase{"BadLogLevel", "log_level = \"loud\"\n", "\"log_level\"", "unknown log level"},
        BadConfigCase{"RelativePath", "root_dir = \"var/lib/ucrd\"\n", "\"root_dir\"", "not an absolute path"},
        BadConfigCase{"RootDirIsAFile", "root_dir = \"@FILE@\"\n", "\"root_dir\"", "unusable"},
        BadConfigCase{"StateDirUnderAFile", "state_dir = \"@FILE@/state\"\n", "\"state_dir\"", "unusable"},
        BadConfigCase{"BadMirror", "[registries.\"docker.io\"]\nmirrors = [\"127.0.0.1:5000\"]\n",
                      "mirrors", "http://"},
        BadConfigCase{"BrokenToml", "root_dir = \n", "invalid TOML", "config.toml"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ConfigCommandTest, MissingExplicitConfigFileIsAnError) {
  CommandResult r = RunUcrdCommand({"config", "--config", dir_.path() + "/nope.toml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nope.toml"));
}

}  // namespace
}  // namespace ucr::test
