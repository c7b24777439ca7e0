// The launcher's pure parts: spec JSON round trips, mount option parsing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "runtime/launch/init/mount_options.h"
#include "runtime/launch/spec_json.h"

namespace ucr::test {
namespace {

TEST(LaunchSpecTest, ContainerSpecRoundTrips) {
  runtime::ContainerSpec s;
  s.id = "c1";
  s.rootfs = "/r";
  s.readonly_rootfs = true;
  s.net = {runtime::NsMode::kJoin, "/run/ns/net"};
  s.pid = {runtime::NsMode::kHost, ""};
  s.mounts = {{"/src", "/dst", "bind", {"rbind", "ro"}}};
  s.sysctls = {{"net.ipv4.ip_forward", "1"}};
  s.cgroup_dirs = {"/sys/fs/cgroup/pids/x"};
  s.process.args = {"sh", "-c", "echo \"quoted\"\n"};
  s.process.uid = 1000;
  s.process.capabilities = std::vector<std::string>{"CAP_KILL"};
  s.process.rlimits = {{"RLIMIT_NOFILE", 1024, 4096}};
  auto back = runtime::ContainerSpecFromJson(runtime::ContainerSpecToJson(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->net.mode, runtime::NsMode::kJoin);
  EXPECT_EQ(back->net.path, "/run/ns/net");
  EXPECT_EQ(back->pid.mode, runtime::NsMode::kHost);
  EXPECT_EQ(back->ipc.mode, runtime::NsMode::kNew);
  EXPECT_EQ(back->mounts[0].options, (std::vector<std::string>{"rbind", "ro"}));
  EXPECT_EQ(back->process.args, s.process.args);
  EXPECT_EQ(back->process.uid, 1000u);
  EXPECT_EQ(*back->process.capabilities, std::vector<std::string>{"CAP_KILL"});
  EXPECT_EQ(back->process.rlimits[0].hard, 4096u);
  EXPECT_TRUE(back->readonly_rootfs);
  // Unset capabilities stay unset (= the default set), not "none".
  s.process.capabilities.reset();
  back = runtime::ContainerSpecFromJson(runtime::ContainerSpecToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->process.capabilities.has_value());
}

TEST(LaunchSpecTest, BadJsonIsAnError) {
  EXPECT_EQ(runtime::ContainerSpecFromJson("{").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(runtime::ContainerSpecFromJson(R"({"rootfs":"/r"})").ok());
  EXPECT_FALSE(runtime::ExecSpecFromJson(R"({"target_pid":"x","process":{"args":[]}})").ok());
}

TEST(LaunchSpecTest, MountOptions) {
  auto f =
      runtime::init::ParseMountOptions({"rbind", "ro", "nosuid", "rslave", "mode=755", "size=1m"});
  EXPECT_EQ(f.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(f.propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_EQ(f.data, "mode=755,size=1m");
  f = runtime::init::ParseMountOptions({"ro", "rw", "private"});
  EXPECT_EQ(f.flags, 0ul);
  EXPECT_EQ(f.propagation, static_cast<unsigned long>(MS_PRIVATE));
}

}  // namespace
}  // namespace ucr::test
