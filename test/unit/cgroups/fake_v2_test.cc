// cgroup v2 code on a fake tree: subtree_control enabling, v2 file names and units, unified
// validation, stats parsing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/cgroups/cgroups.h"
#include "test/unit/cgroups/fake_tree.h"

namespace ucr::runtime::cgroups {
namespace {

constexpr char kPath[] = "/kubepods/pod1/c1";
constexpr char kAll[] = "+cpu +cpuset +io +memory +pids +hugetlb";

class FakeV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.Put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    for (const char* dir : {"", "kubepods/", "kubepods/pod1/", "kubepods/pod1/c1/"}) {
      t_.Put(std::string(dir) + "cgroup.subtree_control", "");
    }
    for (const char* f : {"cpu.weight", "cpu.max", "memory.max", "memory.swap.max", "pids.max",
                          "cpuset.cpus", "cpuset.mems", "hugetlb.2MB.max", "memory.high"}) {
      t_.Put(std::string("kubepods/pod1/c1/") + f, "");
    }
    t_.Put("kubepods/pod1/c1/cpu.max", "max 100000\n");
    absl::StatusOr<Hierarchy> h =
        Hierarchy::FromMountInfo(t_.MountLine(30, "", "cgroup2", "rw,nsdelegate"), t_.root());
    ASSERT_TRUE(h.ok()) << h.status();
    hierarchy_ = *h;
  }
  std::string Leaf(const std::string& file) {
    return t_.Get(std::string("kubepods/pod1/c1/") + file);
  }
  FakeTree t_;
  Hierarchy hierarchy_;
};

TEST_F(FakeV2Test, CreateEnablesControllersInEveryAncestorButNotTheLeaf) {
  absl::StatusOr<Cgroup> cg = Cgroup::Create(hierarchy_, kPath);
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_EQ(t_.Get("cgroup.subtree_control"), kAll);
  EXPECT_EQ(t_.Get("kubepods/cgroup.subtree_control"), kAll);
  EXPECT_EQ(t_.Get("kubepods/pod1/cgroup.subtree_control"), kAll);
  EXPECT_EQ(Leaf("cgroup.subtree_control"), "");
}

TEST_F(FakeV2Test, CreateEnablesOnlyControllersTheRootOffers) {
  t_.Put("cgroup.controllers", "memory pids\n");
  absl::StatusOr<Hierarchy> h =
      Hierarchy::FromMountInfo(t_.MountLine(30, "", "cgroup2", "rw"), t_.root());
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(Cgroup::Create(*h, kPath).ok());
  EXPECT_EQ(t_.Get("kubepods/cgroup.subtree_control"), "+memory +pids");
}

TEST_F(FakeV2Test, ApplyWritesV2FilesAndUnits) {
  Resources r;
  r.cpu_shares = 1024;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.memory_limit_bytes = 64 << 20;
  r.pids_limit = 100;
  r.cpuset_cpus = "0-1";
  r.cpuset_mems = "0";
  r.hugepage_limits = {{"2MB", 4 << 20}, {"1GB", 0}};  // 1GB absent on this host: skipped
  absl::Status s = Cgroup::Open(hierarchy_, kPath).Apply(r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Leaf("cpu.weight"), "39");
  EXPECT_EQ(Leaf("cpu.max"), "50000 100000");
  EXPECT_EQ(Leaf("memory.max"), "67108864");
  EXPECT_EQ(Leaf("memory.swap.max"), "0");  // memory+swap defaults to memory: no swap
  EXPECT_EQ(Leaf("pids.max"), "100");
  EXPECT_EQ(Leaf("cpuset.cpus"), "0-1");
  EXPECT_EQ(Leaf("cpuset.mems"), "0");
  EXPECT_EQ(Leaf("hugetlb.2MB.max"), "4194304");
  EXPECT_FALSE(t_.Exists("kubepods/pod1/c1/hugetlb.1GB.max"));
}

TEST_F(FakeV2Test, CpuMaxVariants) {
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  Resources period_only;
  period_only.cpu_period = 50000;
  ASSERT_TRUE(cg.Apply(period_only).ok());
  EXPECT_EQ(Leaf("cpu.max"), "max 50000");  // quota kept from the file
  t_.Put("kubepods/pod1/c1/cpu.max", "20000 100000\n");
  ASSERT_TRUE(cg.Apply(period_only).ok());
  EXPECT_EQ(Leaf("cpu.max"), "20000 50000");
  Resources unlimited;
  unlimited.cpu_quota = -1;
  ASSERT_TRUE(cg.Apply(unlimited).ok());
  EXPECT_EQ(Leaf("cpu.max"), "max");
}

TEST_F(FakeV2Test, SwapIsConvertedToSwapOnly) {
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  Resources r;
  r.memory_limit_bytes = 100 << 20;
  r.memory_swap_limit_bytes = 150 << 20;
  ASSERT_TRUE(cg.Apply(r).ok());
  EXPECT_EQ(Leaf("memory.swap.max"), std::to_string(50 << 20));
  r.memory_limit_bytes = -1;
  r.memory_swap_limit_bytes = 0;
  ASSERT_TRUE(cg.Apply(r).ok());
  EXPECT_EQ(Leaf("memory.max"), "max");
  EXPECT_EQ(Leaf("memory.swap.max"), "max");
}

TEST_F(FakeV2Test, UnifiedWrittenVerbatimAfterFieldsAndKeysValidated) {
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  Resources r;
  r.memory_limit_bytes = 1 << 20;
  r.unified = {{"memory.high", "524288"}, {"memory.max", "2097152"}};
  ASSERT_TRUE(cg.Apply(r).ok());
  EXPECT_EQ(Leaf("memory.high"), "524288");
  EXPECT_EQ(Leaf("memory.max"), "2097152");  // unified wins
  for (const char* key : {"../cgroup.procs", "a/b", "..", "cgroup.procs", "cgroup.kill", "nodot"}) {
    Resources bad;
    bad.unified = {{key, "1"}};
    EXPECT_EQ(cg.Apply(bad).code(), absl::StatusCode::kInvalidArgument) << key;
  }
  Resources missing;
  missing.unified = {{"io.weight", "100"}};  // the fake tree has no such file
  EXPECT_EQ(cg.Apply(missing).code(), absl::StatusCode::kNotFound);
}

TEST_F(FakeV2Test, StatsFromV2Files) {
  t_.Put("kubepods/pod1/c1/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  t_.Put("kubepods/pod1/c1/memory.current", "8388608\n");
  t_.Put("kubepods/pod1/c1/memory.max", "max\n");
  t_.Put("kubepods/pod1/c1/memory.stat",
         "anon 4194304\nfile 4194304\ninactive_file 1048576\npgfault 55\npgmajfault 2\n");
  t_.Put("kubepods/pod1/c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
  t_.Put("kubepods/pod1/c1/pids.current", "5\n");
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  absl::StatusOr<Stats> s = cg.ReadStats();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cpu_usage_ns, 2500000u);
  EXPECT_EQ(s->memory_usage_bytes, 8388608u);
  EXPECT_EQ(s->memory_working_set_bytes, 8388608u - 1048576u);
  EXPECT_EQ(s->memory_rss_bytes, 4194304u);
  EXPECT_EQ(s->memory_limit_bytes, 0u);
  EXPECT_EQ(s->page_faults, 55u);
  EXPECT_EQ(s->major_page_faults, 2u);
  EXPECT_EQ(s->oom_kills, 1u);
  EXPECT_EQ(s->pids_current, 5u);
  EXPECT_EQ(*cg.OomKillCount(), 1u);
  EXPECT_EQ(cg.OomCounterFile(), t_.root() + "/kubepods/pod1/c1/memory.events");
  t_.Put("kubepods/pod1/c1/memory.max", "1048576\n");
  EXPECT_EQ(cg.ReadStats()->memory_limit_bytes, 1048576u);
}

}  // namespace
}  // namespace ucr::runtime::cgroups
