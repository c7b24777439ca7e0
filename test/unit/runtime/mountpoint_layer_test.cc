// ROOT (chown, mknod): when the shared mount point layer may go on top of an
// image's layers, and what it holds.
#include "runtime/container/mountpoint_layer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace ucr::runtime {
namespace {

class MountpointLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-mountpoints-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  // A layer dir "<dir_>/<name>" (made empty).
  std::string Layer(const std::string& name) {
    std::string path = absl::StrCat(dir_, "/", name);
    EXPECT_TRUE(MakeDirs(path, 0755).ok());
    return path;
  }
  void Dir(const std::string& path, mode_t mode, uid_t uid = 0) {
    ASSERT_TRUE(MakeDirs(path, mode).ok());
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    ASSERT_EQ(::chown(path.c_str(), uid, 0), 0);
  }
  bool Fits(const std::vector<std::string>& lowers) {
    MountpointLayer layer(absl::StrCat(dir_, "/mp-", ++n_));
    EXPECT_TRUE(layer.Ensure().ok());
    return layer.Fits(lowers);
  }

  std::string dir_;
  int n_ = 0;
};

TEST_F(MountpointLayerTest, HoldsTheMountPointsAndIsUnusedUntilMade) {
  MountpointLayer layer(dir_ + "/mp");
  std::string image = Layer("image");
  EXPECT_FALSE(layer.Fits({image})) << "not made yet";
  ASSERT_TRUE(layer.Ensure().ok());
  ASSERT_TRUE(layer.Ensure().ok()) << "idempotent";
  for (const char* f : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
    struct stat st;
    ASSERT_EQ(::stat((layer.dir() + f).c_str(), &st), 0) << f;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << f;
    EXPECT_EQ(st.st_size, 0) << f;
  }
  for (const char* d : {"/etc", "/dev", "/proc", "/sys"}) {
    struct stat st;
    ASSERT_EQ(::stat((layer.dir() + d).c_str(), &st), 0) << d;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << d;
    EXPECT_EQ(st.st_mode & 07777, 0755u) << d;
  }
  EXPECT_TRUE(layer.Fits({image})) << "an image without /etc at all";
}

TEST_F(MountpointLayerTest, ModesDoNotDependOnTheUmaskAndAreRepaired) {
  MountpointLayer layer(dir_ + "/mp");
  mode_t old = ::umask(027);
  absl::Status made = layer.Ensure();
  ::umask(old);
  ASSERT_TRUE(made.ok()) << made;
  struct stat st;
  ASSERT_EQ(::stat((layer.dir() + "/etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((layer.dir() + "/etc/hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  ASSERT_EQ(::chmod((layer.dir() + "/etc").c_str(), 0700), 0);
  ASSERT_EQ(::chown((layer.dir() + "/etc/hosts").c_str(), 1000, 1000), 0);
  ASSERT_TRUE(layer.Ensure().ok());
  ASSERT_EQ(::stat((layer.dir() + "/etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((layer.dir() + "/etc/hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(MountpointLayerTest, AWrongTypeInTheLayerKeepsItOff) {
  ASSERT_TRUE(MakeDirs(dir_ + "/mp/etc/hosts", 0755).ok());  // a directory where a file belongs
  MountpointLayer layer(dir_ + "/mp");
  EXPECT_FALSE(layer.Ensure().ok());
  EXPECT_FALSE(layer.Fits({Layer("image")}));
}

TEST_F(MountpointLayerTest, FitsOverAPlainRootOwnedEtc) {
  std::string top = Layer("top"), base = Layer("base");
  Dir(base + "/etc", 0755);
  Dir(base + "/dev", 0755);
  Dir(top + "/proc", 0555);  // mounted over: its mode does not matter
  EXPECT_TRUE(Fits({top, base}));
}

TEST_F(MountpointLayerTest, StaysOffWhereItWouldHideOrChangeTheImagesEtc) {
  std::string top = Layer("top"), base = Layer("base");
  Dir(base + "/etc", 0755);
  ASSERT_EQ(::symlink("usr/etc", (top + "/etc").c_str()), 0);
  EXPECT_FALSE(Fits({top, base})) << "a symlinked /etc would be hidden";

  std::string writable = Layer("writable");
  Dir(writable + "/etc", 0775);
  EXPECT_FALSE(Fits({writable}));
  std::string owned = Layer("owned");
  Dir(owned + "/etc", 0755, 1000);
  EXPECT_FALSE(Fits({owned}));
  std::string dev_file = Layer("devfile");
  ASSERT_TRUE(WriteFileAtomic(dev_file + "/dev", "").ok());
  EXPECT_FALSE(Fits({dev_file}));
}

TEST_F(MountpointLayerTest, ATopmostWhiteoutDecides) {
  std::string top = Layer("top"), base = Layer("base");
  ASSERT_EQ(::symlink("usr/etc", (base + "/etc").c_str()), 0);
  ASSERT_EQ(::mknod((top + "/etc").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
  EXPECT_TRUE(Fits({top, base})) << "the image deleted its /etc";
  EXPECT_FALSE(Fits({base})) << "below the whiteout the symlink would count";
}

}  // namespace
}  // namespace ucr::runtime
