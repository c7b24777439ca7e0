// The pure parts of CreateContainer: ENTRYPOINT/CMD/env merge, signals,
// passwd/group parsing and user resolution from a rootfs, overlay mount data.
#include <gtest/gtest.h>

#include "common/files.h"
#include "runtime/container/overlay_rootfs.h"
#include "runtime/container/process_args.h"
#include "runtime/container/rootfs_users.h"

namespace ucr::runtime {
namespace {

image::ImageConfig Image() {
  image::ImageConfig c;
  c.entrypoint = {"/entry"};
  c.cmd = {"default-arg"};
  c.env = {"PATH=/bin", "FOO=image"};
  c.working_dir = "/work";
  return c;
}

TEST(ProcessArgsTest, CommandOverridesEntrypointAndDropsImageCmd) {
  ContainerRequest r;
  r.command = {"/bin/sh"};
  auto p = MergeProcessArgs(r, Image(), "h", "/root");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv, (std::vector<std::string>{"/bin/sh"}));
  r.args = {"-c", "x"};
  EXPECT_EQ(MergeProcessArgs(r, Image(), "h", "/root")->argv, (std::vector<std::string>{"/bin/sh", "-c", "x"}));
}

TEST(ProcessArgsTest, ArgsOverrideCmdOnly) {
  ContainerRequest r;
  EXPECT_EQ(MergeProcessArgs(r, Image(), "h", "/")->argv, (std::vector<std::string>{"/entry", "default-arg"}));
  r.args = {"mine"};
  EXPECT_EQ(MergeProcessArgs(r, Image(), "h", "/")->argv, (std::vector<std::string>{"/entry", "mine"}));
}

TEST(ProcessArgsTest, EnvIsImageOverlaidByCriAndWorkdirFallsBack) {
  ContainerRequest r;
  r.envs = {{"FOO", "cri"}, {"NEW", "1"}};
  auto p = MergeProcessArgs(r, Image(), "pod-host", "/home/u");
  EXPECT_EQ(p->env, (std::vector<std::string>{"PATH=/bin", "FOO=cri", "HOSTNAME=pod-host", "NEW=1", "HOME=/home/u"}));
  EXPECT_EQ(p->cwd, "/work");
  r.working_dir = "/cri";
  EXPECT_EQ(MergeProcessArgs(r, Image(), "h", "/")->cwd, "/cri");
  EXPECT_EQ(MergeProcessArgs(r, image::ImageConfig{.cmd = {"x"}}, "h", "/")->env.front(),
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(ProcessArgsTest, NoCommandAnywhereIsInvalidArgument) {
  ContainerRequest r;
  r.name = "empty";
  auto p = MergeProcessArgs(r, image::ImageConfig{}, "h", "/");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SignalTest, ParsesNamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), 15);
  EXPECT_EQ(*ParseSignal("usr1"), 10);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal(""), 0);
  EXPECT_FALSE(ParseSignal("SIGNOPE").ok());
}

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-users-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    ASSERT_TRUE(MakeDirs(root_ + "/etc").ok());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nucrtest:x:1234:1234::/home/ucrtest:/bin/sh\n").ok());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/etc/group", "root:x:0:\nucrtest:x:1234:\nucrextra:x:5555:ucrtest\n").ok());
  }
  void TearDown() override { (void)RemoveTree(root_); }
  std::string root_;
};

TEST_F(UsersTest, ImageUserNameResolvesInTheRootfs) {
  ContainerRequest r;
  auto u = ResolveUser(root_, r, "ucrtest");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->uid, 1234u);
  EXPECT_EQ(u->gid, 1234u);
  EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{5555}));
  EXPECT_EQ(u->home, "/home/ucrtest");
}

TEST_F(UsersTest, CriRunAsUserAndGroupWinAndSupplementalGroupsAdd) {
  ContainerRequest r;
  r.run_as_user = 1234;
  r.run_as_group = 42;
  r.supplemental_groups = {7};
  auto u = ResolveUser(root_, r, "root");
  EXPECT_EQ(u->uid, 1234u);
  EXPECT_EQ(u->gid, 42u);
  EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{7, 5555}));
}

TEST_F(UsersTest, NumericUidGidAndUnknownName) {
  ContainerRequest r;
  auto u = ResolveUser(root_, r, "77:88");
  EXPECT_EQ(u->uid, 77u);
  EXPECT_EQ(u->gid, 88u);
  EXPECT_EQ(ResolveUser(root_, r, "nobody-here").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveUser(root_, r, "")->uid, 0u);
}

TEST_F(UsersTest, PasswdSymlinkToTheHostIsResolvedInsideTheRootfs) {
  ASSERT_EQ(::unlink((root_ + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (root_ + "/etc/passwd").c_str()), 0);  // = <root>/etc/passwd: loops to nothing
  ContainerRequest r;
  // The host's /etc/passwd has "root" but must not be read: ucrtest is unknown now.
  EXPECT_FALSE(ResolveUser(root_, r, "ucrtest").ok());
}

TEST(OverlayTest, MountDataUsesRelativeLowerdirsFromTheBase) {
  OverlayDirs dirs{{"/l/aaa", "/l/bbb"}, "/c/upper", "/c/work", "/c/rootfs"};
  EXPECT_EQ(OverlayMountData(dirs, ""), "lowerdir=/l/aaa:/l/bbb,upperdir=/c/upper,workdir=/c/work,volatile");
  EXPECT_EQ(OverlayMountData(dirs, "/l"), "lowerdir=aaa:bbb,upperdir=/c/upper,workdir=/c/work,volatile");
  dirs.volatile_upper = false;
  EXPECT_EQ(OverlayMountData(dirs, ""), "lowerdir=/l/aaa:/l/bbb,upperdir=/c/upper,workdir=/c/work");
}

TEST(OverlayTest, MountDataFitsWithinAPageAbsoluteOrFromTheCommonParent) {
  OverlayDirs dirs{{}, "/c/upper", "/c/work", "/c/rootfs"};
  const std::string hex(64, 'a');
  for (int i = 0; i < 48; ++i) dirs.lowers.push_back("/var/lib/ucrd/layers/" + hex);
  EXPECT_FALSE(OverlayMountData(dirs, "").size() <= 4095) << "too long as absolute paths";
  EXPECT_TRUE(OverlayMountDataFits(dirs)) << "relative to layers/ it fits";
  dirs.lowers.insert(dirs.lowers.begin(), "/var/lib/ucrd/mountpoints");
  EXPECT_TRUE(OverlayMountDataFits(dirs)) << "relative to /var/lib/ucrd";
  for (int i = 0; i < 12; ++i) dirs.lowers.push_back("/var/lib/ucrd/layers/" + hex);
  EXPECT_FALSE(OverlayMountDataFits(dirs)) << "60 layers from /var/lib/ucrd: over a page";
}

}  // namespace
}  // namespace ucr::runtime
