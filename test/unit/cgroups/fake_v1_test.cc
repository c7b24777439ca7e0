// cgroup v1 code on a fake tree: the exact values written, cpuset inheritance, stats parsing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "runtime/cgroups/cgroups.h"
#include "test/unit/cgroups/fake_tree.h"

namespace ucr::runtime::cgroups {
namespace {

constexpr char kPath[] = "/pod1/c1";

class FakeV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"}) {
      t_.Put(std::string("cpu,cpuacct/pod1/c1/") + f, "");
    }
    t_.Put("cpu,cpuacct/pod1/c1/cpuacct.usage", "123456789\n");
    t_.Put("memory/pod1/c1/memory.limit_in_bytes", "9223372036854771712\n");
    t_.Put("memory/pod1/c1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
    t_.Put("memory/pod1/c1/memory.usage_in_bytes", "10485760\n");
    t_.Put("memory/pod1/c1/memory.stat",
           "cache 4096\nrss 8192\ninactive_file 1\ntotal_cache 3145728\ntotal_rss 6291456\n"
           "total_inactive_file 2097152\ntotal_pgfault 1000\ntotal_pgmajfault 7\n");
    t_.Put("memory/pod1/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    t_.Put("pids/pod1/c1/pids.max", "max\n");
    t_.Put("pids/pod1/c1/pids.current", "3\n");
    t_.Put("cpuset/cpuset.cpus", "0-1\n");
    t_.Put("cpuset/cpuset.mems", "0\n");
    t_.Put("cpuset/pod1/cpuset.cpus", "\n");  // fresh v1 cpuset dirs start empty
    t_.Put("cpuset/pod1/cpuset.mems", "\n");
    t_.Put("cpuset/pod1/c1/cpuset.cpus", "\n");
    t_.Put("cpuset/pod1/c1/cpuset.mems", "\n");
    t_.Put("devices/pod1/c1/devices.deny", "");
    t_.Put("devices/pod1/c1/devices.allow", "");
    std::string mountinfo = t_.MountLine(31, "cpu,cpuacct", "cgroup", "rw,cpu,cpuacct") +
                            t_.MountLine(32, "memory", "cgroup", "rw,memory") +
                            t_.MountLine(33, "pids", "cgroup", "rw,pids") +
                            t_.MountLine(34, "cpuset", "cgroup", "rw,cpuset") +
                            t_.MountLine(35, "devices", "cgroup", "rw,devices");
    absl::StatusOr<Hierarchy> h = Hierarchy::FromMountInfo(mountinfo, t_.root());
    ASSERT_TRUE(h.ok()) << h.status();
    hierarchy_ = *h;
  }
  FakeTree t_;
  Hierarchy hierarchy_;
};

TEST_F(FakeV1Test, CreateCopiesCpusetFromParentAtEveryLevel) {
  absl::StatusOr<Cgroup> cg = Cgroup::Create(hierarchy_, kPath);
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_FALSE(cg->created());  // the fake tree pre-created the leaf
  EXPECT_EQ(t_.Get("cpuset/pod1/cpuset.cpus"), "0-1");
  EXPECT_EQ(t_.Get("cpuset/pod1/cpuset.mems"), "0");
  EXPECT_EQ(t_.Get("cpuset/pod1/c1/cpuset.cpus"), "0-1");
  EXPECT_EQ(t_.Get("cpuset/pod1/c1/cpuset.mems"), "0");
}

TEST_F(FakeV1Test, CreateMakesNewDirsInEveryHierarchy) {
  t_.Put("cpuset/pod2/cpuset.cpus", "");  // cpuset needs its files; others are plain mkdir
  t_.Put("cpuset/pod2/cpuset.mems", "");
  t_.Put("cpuset/pod2/new/cpuset.cpus", "");
  t_.Put("cpuset/pod2/new/cpuset.mems", "");
  absl::StatusOr<Cgroup> cg = Cgroup::Create(hierarchy_, "/pod2/new");
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_TRUE(cg->created());
  for (const std::string& dir : cg->Dirs()) {
    struct stat st;
    EXPECT_EQ(::stat(dir.c_str(), &st), 0) << dir;
  }
  EXPECT_EQ(Cgroup::Create(hierarchy_, "/pod1/../etc").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FakeV1Test, ApplyWritesV1Files) {
  Resources r;
  r.cpu_shares = 512;
  r.cpu_period = 100000;
  r.cpu_quota = 50000;
  r.memory_limit_bytes = 64 << 20;
  r.pids_limit = -1;
  r.cpuset_cpus = "1";
  r.cpuset_mems = "0";
  r.hugepage_limits = {{"2MB", 0}};  // hugetlb not mounted: skipped, not an error
  absl::Status s = Cgroup::Open(hierarchy_, kPath).Apply(r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.shares"), "512");
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(t_.Get("memory/pod1/c1/memory.limit_in_bytes"), "67108864");
  // No swap asked: memory+swap equals memory, as containerd does.
  EXPECT_EQ(t_.Get("memory/pod1/c1/memory.memsw.limit_in_bytes"), "67108864");
  EXPECT_EQ(t_.Get("pids/pod1/c1/pids.max"), "max");
  EXPECT_EQ(t_.Get("cpuset/pod1/c1/cpuset.cpus"), "1");
  EXPECT_EQ(t_.Get("cpuset/pod1/c1/cpuset.mems"), "0");
}

TEST_F(FakeV1Test, ApplyLeavesUnsetFieldsAlone) {
  Resources r;
  r.cpu_quota = -1;
  ASSERT_TRUE(Cgroup::Open(hierarchy_, kPath).Apply(r).ok());
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.shares"), "");
  EXPECT_EQ(t_.Get("memory/pod1/c1/memory.limit_in_bytes"), "9223372036854771712\n");
}

TEST_F(FakeV1Test, ExplicitSwapAndMissingMemswFile) {
  Resources r;
  r.memory_limit_bytes = 100 << 20;
  r.memory_swap_limit_bytes = 200 << 20;
  ASSERT_TRUE(Cgroup::Open(hierarchy_, kPath).Apply(r).ok());
  EXPECT_EQ(t_.Get("memory/pod1/c1/memory.memsw.limit_in_bytes"), "209715200");
  // Without swap accounting the memsw file is absent: swap is ignored, memory still set.
  ASSERT_EQ(::unlink((t_.root() + "/memory/pod1/c1/memory.memsw.limit_in_bytes").c_str()), 0);
  r.memory_limit_bytes = 50 << 20;
  absl::Status s = Cgroup::Open(hierarchy_, kPath).Apply(r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(t_.Get("memory/pod1/c1/memory.limit_in_bytes"), "52428800");
}

TEST_F(FakeV1Test, BadValuesAreRejectedBeforeAnyWrite) {
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  auto expect_invalid = [&](Resources r) {
    EXPECT_EQ(cg.Apply(r).code(), absl::StatusCode::kInvalidArgument);
  };
  Resources r;
  r.cpu_shares = 100;  // valid, must not be written when another field is bad
  Resources bad = r;
  bad.memory_limit_bytes = -5;
  expect_invalid(bad);
  bad = r;
  bad.cpuset_cpus = "0;echo";
  expect_invalid(bad);
  bad = r;
  bad.hugepage_limits = {{"../2MB", 1}};
  expect_invalid(bad);
  bad = r;
  bad.memory_limit_bytes = 100;
  bad.memory_swap_limit_bytes = 50;
  expect_invalid(bad);
  bad = r;
  bad.unified = {{"memory.high", "1"}};  // v2 only
  expect_invalid(bad);
  EXPECT_EQ(t_.Get("cpu,cpuacct/pod1/c1/cpu.shares"), "");
}

TEST_F(FakeV1Test, StatsFromV1Files) {
  absl::StatusOr<Stats> s = Cgroup::Open(hierarchy_, kPath).ReadStats();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_GT(s->timestamp_ns, 0u);
  EXPECT_EQ(s->cpu_usage_ns, 123456789u);
  EXPECT_EQ(s->memory_usage_bytes, 10485760u);
  EXPECT_EQ(s->memory_working_set_bytes, 10485760u - 2097152u);
  EXPECT_EQ(s->memory_rss_bytes, 6291456u);
  EXPECT_EQ(s->memory_limit_bytes, 0u);  // unlimited
  EXPECT_EQ(s->page_faults, 1000u);
  EXPECT_EQ(s->major_page_faults, 7u);
  EXPECT_EQ(s->oom_kills, 2u);
  EXPECT_EQ(s->pids_current, 3u);
  EXPECT_EQ(*Cgroup::Open(hierarchy_, kPath).OomKillCount(), 2u);
  EXPECT_EQ(Cgroup::Open(hierarchy_, kPath).OomCounterFile(),
            t_.root() + "/memory/pod1/c1/memory.oom_control");
  EXPECT_EQ(Cgroup::Open(hierarchy_, "/pod1/gone").ReadStats().status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FakeV1Test, OomCounterMissingOnOldKernels) {
  t_.Put("memory/pod1/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
  EXPECT_EQ(Cgroup::Open(hierarchy_, kPath).OomKillCount().status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST_F(FakeV1Test, DevicesDenyAllThenAllow) {
  Cgroup cg = Cgroup::Open(hierarchy_, kPath);
  ASSERT_TRUE(cg.RestrictDevices({"c 1:3 rwm", "c 136:* rw"}).ok());
  EXPECT_EQ(t_.Get("devices/pod1/c1/devices.deny"), "a");
  EXPECT_EQ(t_.Get("devices/pod1/c1/devices.allow"), "c 136:* rw");  // the last of the writes
  for (const char* bad : {"c 1:3", "x 1:3 r", "c 1:3 rx", "c a:3 r", "c 1:3 rwm\na", ""}) {
    EXPECT_EQ(cg.RestrictDevices({bad}).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  for (const std::string& rule : DefaultAllowedDevices()) {
    EXPECT_TRUE(cg.RestrictDevices({rule}).ok()) << rule;
  }
}

TEST_F(FakeV1Test, DeviceRuleForHostNodes) {
  EXPECT_EQ(*DeviceRuleForPath("/dev/null", "rw"), "c 1:3 rw");
  EXPECT_EQ(DeviceRuleForPath("/etc/passwd", "r").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceRuleForPath("/dev/null", "rx").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceRuleForPath("/dev/no-such", "r").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FakeV1Test, ChildrenListsChildCgroups) {
  t_.Put("pids/pod1/c2/pids.max", "max");
  absl::StatusOr<std::vector<std::string>> children = Cgroup::Open(hierarchy_, "/pod1").Children();
  ASSERT_TRUE(children.ok()) << children.status();
  EXPECT_THAT(*children, ::testing::ElementsAre("/pod1/c1", "/pod1/c2"));
  EXPECT_THAT(*Cgroup::Open(hierarchy_, "/").Children(), ::testing::ElementsAre("/pod1"));
}

}  // namespace
}  // namespace ucr::runtime::cgroups
