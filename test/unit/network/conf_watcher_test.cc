#include "network/conf_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "common/files.h"
#include "test/unit/network/temp_dir.h"

namespace ucr::network {
namespace {

TEST(ConfWatcherTest, ReportsChangesOnlyAfterEvents) {
  TempDir dir;
  ConfWatcher watcher(dir.path());
  EXPECT_TRUE(watcher.Changed());  // the first question always rescans
  EXPECT_FALSE(watcher.Changed());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/10-a.conflist", "{}").ok());
  EXPECT_TRUE(watcher.Changed());
  EXPECT_FALSE(watcher.Changed());
  ASSERT_EQ(::unlink((dir.path() + "/10-a.conflist").c_str()), 0);
  EXPECT_TRUE(watcher.Changed());
  EXPECT_FALSE(watcher.Changed());
}

TEST(ConfWatcherTest, PicksUpADirCreatedOrReplacedLater) {
  TempDir parent;
  std::string dir = parent.path() + "/net.d";
  ConfWatcher watcher(dir);
  EXPECT_TRUE(watcher.Changed());
  EXPECT_FALSE(watcher.Changed());  // missing: blind rescans at most once a second
  ASSERT_TRUE(MakeDirs(dir).ok());
  EXPECT_TRUE(watcher.Changed());   // now watchable: rescan once
  EXPECT_FALSE(watcher.Changed());
  ASSERT_TRUE(WriteFileAtomic(dir + "/x.conf", "{}").ok());
  EXPECT_TRUE(watcher.Changed());

  ASSERT_TRUE(RemoveTree(dir).ok());
  EXPECT_TRUE(watcher.Changed());  // the dir went away
  ASSERT_TRUE(MakeDirs(dir).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/y.conf", "{}").ok());
  EXPECT_TRUE(watcher.Changed());  // watched again
  EXPECT_FALSE(watcher.Changed());
}

}  // namespace
}  // namespace ucr::network
