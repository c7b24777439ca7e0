// Hierarchy detection and path rules (no root, no kernel cgroups needed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/cgroups/cgroups.h"
#include "test/unit/cgroups/fake_tree.h"

namespace ucr::runtime::cgroups {
namespace {

using ::testing::ElementsAre;

TEST(CgroupHierarchyTest, V1WithSeparateAndCoMountedControllersIgnoresEmptyV2Tree) {
  FakeTree t;
  std::string mountinfo =
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" +
      t.MountLine(31, "cpu,cpuacct", "cgroup", "rw,cpu,cpuacct") +
      t.MountLine(32, "memory", "cgroup", "rw,memory") +
      t.MountLine(33, "systemd", "cgroup", "rw,xattr,release_agent=/x,name=systemd") +
      t.MountLine(34, "unified", "cgroup2", "rw,nsdelegate") +
      // The same memory hierarchy bind-mounted a second time is joined once.
      t.MountLine(35, "memory2", "cgroup", "rw,memory") +
      // A cgroup mount outside the root (a container's) is not ours.
      "36 1 0:40 / /elsewhere/cpuset rw - cgroup cgroup rw,cpuset\n";
  absl::StatusOr<Hierarchy> h = Hierarchy::FromMountInfo(mountinfo, t.root());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->version(), Version::kV1);
  ASSERT_EQ(h->mounts().size(), 3u);
  EXPECT_THAT(h->mounts()[0].controllers, ElementsAre("cpu", "cpuacct"));
  EXPECT_EQ(h->MountFor("cpuacct"), t.root() + "/cpu,cpuacct");
  EXPECT_EQ(h->MountFor("memory"), t.root() + "/memory");
  EXPECT_EQ(h->MountFor("name=systemd"), t.root() + "/systemd");
  EXPECT_FALSE(h->Has("cpuset"));
  EXPECT_FALSE(h->Has("hugetlb"));

  Cgroup cg = Cgroup::Open(*h, "/kubepods/pod1/c1");
  EXPECT_THAT(cg.Dirs(), ElementsAre(t.root() + "/cpu,cpuacct/kubepods/pod1/c1",
                                     t.root() + "/memory/kubepods/pod1/c1",
                                     t.root() + "/systemd/kubepods/pod1/c1"));
}

TEST(CgroupHierarchyTest, PureV2ReadsEnabledControllers) {
  FakeTree t;
  t.Put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  absl::StatusOr<Hierarchy> h =
      Hierarchy::FromMountInfo(t.MountLine(30, "", "cgroup2", "rw,nsdelegate"), t.root());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->version(), Version::kV2);
  EXPECT_EQ(h->MountFor("memory"), t.root());
  EXPECT_FALSE(h->Has("freezer"));
  EXPECT_THAT(Cgroup::Open(*h, "/a/b").Dirs(), ElementsAre(t.root() + "/a/b"));
}

TEST(CgroupHierarchyTest, EscapedMountPointsAreDecoded) {
  FakeTree t;
  t.Put("with space/x", "");
  std::string line = "40 1 0:40 / " + t.root() + "/with\\040space rw - cgroup cgroup rw,pids\n";
  absl::StatusOr<Hierarchy> h = Hierarchy::FromMountInfo(line, t.root());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->MountFor("pids"), t.root() + "/with space");
}

TEST(CgroupHierarchyTest, NothingMountedIsAnError) {
  absl::StatusOr<Hierarchy> h =
      Hierarchy::FromMountInfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "/sys/fs/cgroup");
  EXPECT_EQ(h.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CgroupHierarchyTest, DetectsThisHost) {
  absl::StatusOr<Hierarchy> h = Hierarchy::Detect();
  ASSERT_TRUE(h.ok()) << h.status();
  // These machines are v1 with an empty v2 tree; a pure-v2 host must still detect v2.
  if (h->version() == Version::kV1) {
    EXPECT_TRUE(h->Has("memory"));
    EXPECT_TRUE(h->Has("cpuacct"));
  } else {
    EXPECT_EQ(h->mounts().size(), 1u);
  }
}

TEST(CgroupPathTest, Validation) {
  EXPECT_TRUE(ValidateCgroupPath("/kubepods/burstable/pod1").ok());
  for (const char* bad : {"", "/", "kubepods", "/a/../b", "/a//b", "/a/.", "/a/"}) {
    EXPECT_EQ(ValidateCgroupPath(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CgroupPathTest, PodAndChildPaths) {
  EXPECT_EQ(*PodCgroupPath("/kubepods/besteffort/pod1", "sb"), "/kubepods/besteffort/pod1");
  EXPECT_EQ(*PodCgroupPath("/kubepods/pod1/", "sb"), "/kubepods/pod1");
  EXPECT_EQ(*PodCgroupPath("", "sb1"), "/ucr/sb1");
  EXPECT_EQ(PodCgroupPath("../etc", "sb").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChildCgroupPath("/ucr/sb1", "c1"), "/ucr/sb1/c1");
}

TEST(CgroupPathTest, SharesToWeightAsKubelet) {
  EXPECT_EQ(CpuSharesToWeight(0), 0u);
  EXPECT_EQ(CpuSharesToWeight(2), 1u);
  EXPECT_EQ(CpuSharesToWeight(1024), 39u);
  EXPECT_EQ(CpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(CpuSharesToWeight(1), 1u);  // below the v1 minimum: clamped
}

}  // namespace
}  // namespace ucr::runtime::cgroups
