// What the Status RPC says about pod networking: NetworkReady from the CNI
// conf dir (watched, so changes show without a restart), the embedded default
// network when there is no config at all, and the reasons when not ready.
// Only config loading is exercised here: no pod is attached to any network.
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "test/e2e/ucrd_fixture.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class NetworkStatusTest : public UcrdTest {
 protected:
  std::string conf_dir() const { return dir_.path() + "/other-net.d"; }

  ::testing::AssertionResult StartWith(const std::string& extra_toml = "") {
    if (absl::Status st = MakeDirs(conf_dir()); !st.ok()) return ::testing::AssertionFailure() << st;
    return ucrd_.Start(extra_toml, {"--cni_conf_dir", conf_dir()});
  }

  v1::RuntimeCondition NetworkReady() {
    v1::StatusResponse resp;
    grpc::Status st = ucrd_.runtime().Status(Context().get(), v1::StatusRequest(), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (const auto& c : resp.status().conditions()) {
      if (c.type() == "NetworkReady") return c;
    }
    ADD_FAILURE() << "no NetworkReady condition";
    return {};
  }

  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(MakeDirs(conf_dir()).ok());
    ASSERT_TRUE(WriteFileAtomic(conf_dir() + "/" + name, text).ok());
  }
};

TEST_F(NetworkStatusTest, NoConfigAtAllMeansTheEmbeddedDefaultNetwork) {
  ASSERT_TRUE(StartWith());
  v1::RuntimeCondition c = NetworkReady();
  EXPECT_TRUE(c.status());
  EXPECT_EQ(c.reason(), "EmbeddedDefaultNetwork");
  EXPECT_THAT(c.message(), HasSubstr("embedded default network"));
  EXPECT_THAT(c.message(), HasSubstr("ucr0"));
  EXPECT_THAT(c.message(), HasSubstr(conf_dir()));
}

TEST_F(NetworkStatusTest, DefaultNetworkCanBeSwitchedOff) {
  ASSERT_TRUE(StartWith("[cni]\ndefault_network = false\n"));
  v1::RuntimeCondition c = NetworkReady();
  EXPECT_FALSE(c.status());
  EXPECT_EQ(c.reason(), "NetworkPluginNotReady");
  EXPECT_THAT(c.message(), HasSubstr("no CNI network config"));
}

TEST_F(NetworkStatusTest, InvalidConfigIsNotReadyWithTheReasonAndNoDefault) {
  Write("10-bad.conflist", R"({"cniVersion": "9.9.9", "name": "x", "plugins": [{"type": "bridge"}]})");
  ASSERT_TRUE(StartWith());
  v1::RuntimeCondition c = NetworkReady();
  EXPECT_FALSE(c.status());
  EXPECT_EQ(c.reason(), "NetworkPluginNotReady");
  EXPECT_THAT(c.message(), HasSubstr("10-bad.conflist"));
  EXPECT_THAT(c.message(), HasSubstr("unsupported cniVersion"));
}

TEST_F(NetworkStatusTest, MissingPluginBinaryIsNamed) {
  Write("10-x.conflist", R"({"cniVersion": "1.0.0", "name": "x", "plugins": [{"type": "nosuchplugin"}]})");
  ASSERT_TRUE(StartWith());
  v1::RuntimeCondition c = NetworkReady();
  EXPECT_FALSE(c.status());
  EXPECT_THAT(c.message(), HasSubstr("\"nosuchplugin\" not found"));
}

TEST_F(NetworkStatusTest, ConfDirChangesShowWithoutARestart) {
  ASSERT_TRUE(StartWith("[cni]\ndefault_network = false\n"));
  EXPECT_FALSE(NetworkReady().status());

  Write("20-b.conflist", R"({"cniVersion": "1.0.0", "name": "net-b", "plugins": [{"type": "bridge"}]})");
  v1::RuntimeCondition c = NetworkReady();
  EXPECT_TRUE(c.status()) << c.message();
  EXPECT_THAT(c.message(), HasSubstr("net-b"));

  // A lexically earlier file takes over; removing it falls back to the later one.
  Write("10-a.conflist", R"({"cniVersion": "0.4.0", "name": "net-a", "plugins": [{"type": "bridge"}]})");
  EXPECT_THAT(NetworkReady().message(), HasSubstr("net-a"));
  ASSERT_EQ(::unlink((conf_dir() + "/10-a.conflist").c_str()), 0);
  EXPECT_THAT(NetworkReady().message(), HasSubstr("net-b"));
  ASSERT_EQ(::unlink((conf_dir() + "/20-b.conflist").c_str()), 0);
  EXPECT_FALSE(NetworkReady().status());
}

}  // namespace
}  // namespace ucr::test
