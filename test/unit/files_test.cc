#include "common/files.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json_state.h"
#include "common/scoped_mount.h"

namespace ucr {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-files-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    (void)UnmountAllUnder(dir_);
    (void)RemoveTree(dir_);
  }
  // Entries other than "." and "..", hidden temp files included (-1: unreadable).
  int CountEntries(const std::string& dir) {
    absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
    return names.ok() ? static_cast<int>(names->size()) : -1;
  }
  // The permission bits of `path` (0 when it cannot be stat'ed).
  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
  }
  std::string dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesAndLeavesNoTemp) {
  std::string path = dir_ + "/state.json";
  ASSERT_TRUE(WriteFileAtomic(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "two");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(CountEntries(dir_), 1);
}

TEST_F(FilesTest, AtomicWriteIntoMissingDirFailsWithPath) {
  absl::Status st = WriteFileAtomic(dir_ + "/no/such/file", "x");
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr(dir_ + "/no/such"));
}

// Without fsync but still a replace: a reader that opened the old file keeps
// reading the old content, new opens see the new one, no temp file stays.
TEST_F(FilesTest, AtomicWithoutFsyncStillSwapsTheFileWhole) {
  std::string path = dir_ + "/hosts";
  ASSERT_TRUE(WriteFileAtomic(path, "old\n", 0644, Durability::kAtomic).ok());
  int old_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(old_fd, 0);
  ASSERT_TRUE(WriteFileAtomic(path, "new\n", 0600, Durability::kAtomic).ok());
  char buf[16] = {};
  EXPECT_EQ(::read(old_fd, buf, sizeof buf - 1), 4);
  EXPECT_STREQ(buf, "old\n");
  ::close(old_fd);
  EXPECT_EQ(*ReadFile(path), "new\n");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(CountEntries(dir_), 1);
  EXPECT_EQ(WriteFileAtomic(dir_ + "/no/such/file", "x", 0644, Durability::kAtomic).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, ListDirNamesEntriesAndMissingDirIsNotFound) {
  ASSERT_TRUE(MakeDirs(dir_ + "/sub").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/.hidden", "x").ok());
  absl::StatusOr<std::vector<std::string>> names = ListDir(dir_);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ::testing::UnorderedElementsAre("sub", ".hidden"));
  EXPECT_EQ(ListDir(dir_ + "/nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, JsonRoundTripAndCorruptionIsDataLoss) {
  std::string path = dir_ + "/c.json";
  ASSERT_TRUE(SaveJson(path, {{"id", "abc"}, {"n", 3}}).ok());
  absl::StatusOr<nlohmann::json> j = LoadJson(path);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["id"], "abc");
  ASSERT_TRUE(WriteFileAtomic(path, "{\"id\":").ok());
  EXPECT_EQ(LoadJson(path).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(FilesTest, MakeDirsAndRemoveTree) {
  ASSERT_TRUE(MakeDirs(dir_ + "/a/b/c").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/a/b/c/f", "x").ok());
  ASSERT_EQ(::symlink("/etc/passwd", (dir_ + "/a/link").c_str()), 0);
  ASSERT_TRUE(RemoveTree(dir_ + "/a").ok());
  EXPECT_NE(::access((dir_ + "/a").c_str(), F_OK), 0);
  EXPECT_EQ(::access("/etc/passwd", F_OK), 0) << "a symlink's target must survive";
  EXPECT_TRUE(RemoveTree(dir_ + "/never-existed").ok());
}

TEST_F(FilesTest, RemoveTreeRefusesToCrossIntoAMount) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  std::string mnt = dir_ + "/tree/mnt";
  ASSERT_TRUE(MakeDirs(mnt).ok());
  absl::StatusOr<ScopedMount> m = ScopedMount::Mount("tmpfs", mnt, "tmpfs", 0, "size=1m");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(WriteFileAtomic(mnt + "/precious", "x").ok());
  absl::Status st = RemoveTree(dir_ + "/tree");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadFile(mnt + "/precious"), "x");
  ASSERT_TRUE(m->Unmount().ok());
  EXPECT_TRUE(RemoveTree(dir_ + "/tree").ok());
}

TEST_F(FilesTest, EnsureUsableDirRejectsFileAndRelativePath) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/f", "x").ok());
  EXPECT_FALSE(EnsureUsableDir(dir_ + "/f").ok());
  EXPECT_FALSE(EnsureUsableDir("relative/dir").ok());
  EXPECT_TRUE(EnsureUsableDir(dir_ + "/new/dir").ok());
}

TEST_F(FilesTest, UnmountAllUnderTakesNestedMounts) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  std::string outer = dir_ + "/m", inner = dir_ + "/m/in ner";
  ASSERT_TRUE(MakeDirs(outer).ok());
  absl::StatusOr<ScopedMount> a = ScopedMount::Mount("tmpfs", outer, "tmpfs", 0, "");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(MakeDirs(inner).ok());
  absl::StatusOr<ScopedMount> b = ScopedMount::Mount("tmpfs", inner, "tmpfs", 0, "");
  ASSERT_TRUE(b.ok());
  a->release();
  b->release();
  ASSERT_TRUE(UnmountAllUnder(dir_).ok());
  // With both gone, the directory is an ordinary one again.
  EXPECT_TRUE(RemoveTree(outer).ok());
}

TEST_F(FilesTest, RemoveTreeStopsAtABindMountOfTheSameFilesystem) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  std::string source = dir_ + "/source", bound = dir_ + "/tree/bound";
  ASSERT_TRUE(MakeDirs(source).ok());
  ASSERT_TRUE(MakeDirs(bound).ok());
  ASSERT_TRUE(WriteFileAtomic(source + "/precious", "x").ok());
  absl::StatusOr<ScopedMount> m = ScopedMount::Mount(source, bound, "", MS_BIND, "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(RemoveTree(dir_ + "/tree").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadFile(source + "/precious"), "x") << "the bind's source must survive";
  ASSERT_TRUE(m->Unmount().ok());
  EXPECT_TRUE(RemoveTree(dir_ + "/tree").ok());
}

TEST_F(FilesTest, RemoveTreeAndMountsUnmountsWhatIsStillMounted) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  std::string tree = dir_ + "/tree", mnt = tree + "/a/mnt";
  ASSERT_TRUE(MakeDirs(mnt).ok());
  ASSERT_TRUE(WriteFileAtomic(tree + "/a/file", "x").ok());
  absl::StatusOr<ScopedMount> m = ScopedMount::Mount("tmpfs", mnt, "tmpfs", 0, "size=1m");
  ASSERT_TRUE(m.ok()) << m.status();
  m->release();
  ASSERT_TRUE(RemoveTreeAndMounts(tree).ok());
  EXPECT_NE(::access(tree.c_str(), F_OK), 0);
  EXPECT_EQ(ReadFile("/proc/self/mountinfo")->find(mnt), std::string::npos);
  EXPECT_TRUE(RemoveTreeAndMounts(tree).ok()) << "gone already: fine";
}

TEST(PathIsAtOrUnderTest, ComparesWholeComponents) {
  EXPECT_TRUE(PathIsAtOrUnder("/a/b", "/a/b"));
  EXPECT_TRUE(PathIsAtOrUnder("/a/b/c", "/a/b"));
  EXPECT_TRUE(PathIsAtOrUnder("/a/b/c", "/a/b/"));
  EXPECT_TRUE(PathIsAtOrUnder("/a", "/"));
  EXPECT_FALSE(PathIsAtOrUnder("/a/bc", "/a/b"));
  EXPECT_FALSE(PathIsAtOrUnder("/a", "/a/b"));
  EXPECT_FALSE(PathIsAtOrUnder("/a", ""));
}

// kRewrite swaps the new content in with RENAME_EXCHANGE: readers see whole
// versions, the previous one waits in .<name>.prev, and after the first two
// writes no new inode is made (the two inodes trade places).
TEST_F(FilesTest, RewriteSwapsWholeVersionsAndReusesTheInodes) {
  std::string path = dir_ + "/container.json";
  auto inode = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  ASSERT_TRUE(WriteFileAtomic(path, "v1", 0600, Durability::kRewrite).ok());
  EXPECT_EQ(*ReadFile(path), "v1");
  const ino_t first = inode(path);
  ASSERT_TRUE(WriteFileAtomic(path, "v2 longer", 0600, Durability::kRewrite).ok());
  EXPECT_EQ(*ReadFile(path), "v2 longer");
  EXPECT_EQ(*ReadFile(dir_ + "/.container.json.prev"), "v1");
  const ino_t second = inode(path);
  EXPECT_EQ(inode(dir_ + "/.container.json.prev"), first);
  ASSERT_TRUE(WriteFileAtomic(path, "v3", 0600, Durability::kRewrite).ok());
  EXPECT_EQ(*ReadFile(path), "v3");  // the shorter content is not left padded with v2's tail
  EXPECT_EQ(inode(path), first);
  EXPECT_EQ(inode(dir_ + "/.container.json.prev"), second);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(CountEntries(dir_), 2);
  EXPECT_EQ(WriteFileAtomic(dir_ + "/no/such/file", "x", 0644, Durability::kRewrite).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ucr
