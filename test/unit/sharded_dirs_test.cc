// ROOT (overlay mount): sharded object dirs (containers/, sandboxes/), and the
// move from the flat layout of earlier versions, live containers included.
#include "common/sharded_dirs.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/paths.h"
#include "common/unique_fd.h"

namespace ucr {
namespace {

constexpr char kId[] = "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";

class ShardedDirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-sharded-dirs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    (void)::umount2((dir_ + "/merged").c_str(), MNT_DETACH);
    (void)RemoveTree(dir_);
  }
  Paths paths() const { return Paths(dir_ + "/root", dir_ + "/state"); }

  std::string dir_;
};

TEST_F(ShardedDirsTest, MakesTheShardsAndMarksTheTopOnExt4) {
  ASSERT_TRUE(PrepareShardedDir(paths().ContainersDir()).ok());
  ASSERT_TRUE(PrepareShardedDir(paths().ContainersDir()).ok()) << "idempotent";
  absl::StatusOr<std::vector<std::string>> shards = ListDir(paths().ContainersDir());
  ASSERT_TRUE(shards.ok()) << shards.status();
  EXPECT_EQ(shards->size(), 16u);
  EXPECT_THAT(*shards, ::testing::Contains("0"));
  EXPECT_THAT(*shards, ::testing::Contains("f"));
  EXPECT_EQ(paths().ContainerDir(kId), absl::StrCat(paths().ContainersDir(), "/a/", kId));
  EXPECT_EQ(paths().SandboxDir(kId), absl::StrCat(paths().SandboxesDir(), "/a/", kId));
  EXPECT_THAT(ListShardedDir(paths().ContainersDir()).value(), ::testing::IsEmpty());
  struct statfs fs;
  ASSERT_EQ(::statfs(dir_.c_str(), &fs), 0);
  if (fs.f_type != 0xEF53) GTEST_SKIP() << "not ext4: no +T flag to check";
  UniqueFd fd(::open(paths().ContainersDir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  ASSERT_EQ(::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags), 0);
  EXPECT_TRUE(flags & FS_TOPDIR_FL);
}

// A container of the flat layout, with its overlay mounted (a running one),
// moves into its shard and its rootfs keeps writing to the moved upper dir.
TEST_F(ShardedDirsTest, MovesFlatLayoutContainersLiveOnesIncluded) {
  const std::string flat = absl::StrCat(paths().ContainersDir(), "/", kId);
  for (const char* d : {"/upper", "/work"}) ASSERT_TRUE(MakeDirs(flat + d, 0755).ok());
  ASSERT_TRUE(WriteFileAtomic(flat + "/container.json", "{}").ok());
  ASSERT_TRUE(MakeDirs(dir_ + "/lower", 0755).ok());
  ASSERT_TRUE(MakeDirs(dir_ + "/merged", 0755).ok());
  std::string data = absl::StrCat("lowerdir=", dir_, "/lower,upperdir=", flat, "/upper,workdir=", flat, "/work");
  ASSERT_EQ(::mount("overlay", (dir_ + "/merged").c_str(), "overlay", 0, data.c_str()), 0) << std::strerror(errno);

  ASSERT_TRUE(MakeDirs(paths().ContainersDir() + "/lost+found", 0700).ok());
  ASSERT_TRUE(MakeDirs(paths().ContainersDir() + "/Backup-Of-Something", 0700).ok());
  ASSERT_TRUE(PrepareShardedDir(paths().ContainersDir()).ok()) << "other names are left alone";
  EXPECT_THAT(ListShardedDir(paths().ContainersDir()).value(), ::testing::ElementsAre(kId));
  EXPECT_EQ(::access((paths().ContainersDir() + "/lost+found").c_str(), F_OK), 0);
  EXPECT_EQ(*ReadFile(paths().ContainerRecordPath(kId)), "{}");
  EXPECT_NE(::access(flat.c_str(), F_OK), 0);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/merged/after-move", "x").ok());
  EXPECT_EQ(*ReadFile(paths().ContainerUpperDir(kId) + "/after-move"), "x");
}

}  // namespace
}  // namespace ucr
