// MeasureDiskUsage on a real temp dir: files, directories, hard links counted once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/cgroups/cgroups.h"
#include "test/unit/cgroups/fake_tree.h"

namespace ucr::runtime::cgroups {
namespace {

TEST(DiskUsageTest, CountsBytesAndInodesOnce) {
  FakeTree t;  // just a temp dir here
  absl::StatusOr<DiskUsage> empty = MeasureDiskUsage(t.root());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->inodes, 1u);  // the directory itself
  std::string data(1 << 20, 'x');
  t.Put("a/big", data);
  t.Put("a/b/small", "hi");
  ASSERT_EQ(::link((t.root() + "/a/big").c_str(), (t.root() + "/big-link").c_str()), 0);
  absl::StatusOr<DiskUsage> u = MeasureDiskUsage(t.root());
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->inodes, 5u);  // root, a, a/b, big (twice linked), small
  EXPECT_GE(u->bytes, empty->bytes + (1u << 20));
  EXPECT_LT(u->bytes, empty->bytes + (1u << 20) + 64 * 1024);
  EXPECT_EQ(MeasureDiskUsage(t.root() + "/nope").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ucr::runtime::cgroups
