// ROOT tests on this host's real cgroup hierarchy, under a test-owned parent
// (/ucr-test-<random>) removed in TearDown even when a test fails.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/ids.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {
namespace {

using ::testing::Contains;

class RootCgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    absl::StatusOr<Hierarchy> h = Hierarchy::Detect();
    ASSERT_TRUE(h.ok()) << h.status();
    hierarchy_ = *h;
    parent_ = absl::StrCat("/ucr-test-", RandomHex(4));
  }
  void TearDown() override {
    if (parent_.empty()) return;
    // Children first (deepest paths are longest), then the parent itself.
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      Cgroup cg = Cgroup::Open(hierarchy_, *it);
      (void)cg.KillAll(SIGKILL);
      absl::Status s = cg.Destroy();
      EXPECT_TRUE(s.ok()) << s;
    }
    Cgroup parent = Cgroup::Open(hierarchy_, parent_);
    absl::Status s = parent.Destroy();
    EXPECT_TRUE(s.ok()) << s;
    for (const std::string& dir : parent.Dirs()) {
      EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " left behind";
    }
  }
  Cgroup Make(const std::string& name) {
    std::string path = absl::StrCat(parent_, "/", name);
    made_.push_back(path);
    absl::StatusOr<Cgroup> cg = Cgroup::Create(hierarchy_, path);
    EXPECT_TRUE(cg.ok()) << cg.status();
    return cg.ok() ? *cg : Cgroup::Open(hierarchy_, path);
  }
  std::string Read(absl::string_view controller, const Cgroup& cg, const std::string& file) {
    std::string mount = hierarchy_.version() == Version::kV1 ? hierarchy_.MountFor(controller)
                                                             : hierarchy_.mounts().front().path;
    absl::StatusOr<std::string> s = ReadFile(absl::StrCat(mount, cg.path(), "/", file));
    return s.ok() ? std::string(absl::StripAsciiWhitespace(*s)) : s.status().ToString();
  }
  bool IsV1() const { return hierarchy_.version() == Version::kV1; }

  Hierarchy hierarchy_;
  std::string parent_;
  std::vector<std::string> made_;
};

// A child that waits on a pipe until the test has put it into a cgroup, then runs `body`.
template <typename Body>
pid_t ForkWaiting(int* release_fd, Body body) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    char c;
    ::close(p[1]);
    if (::read(p[0], &c, 1) != 1) ::_exit(100);
    body();
    ::_exit(0);
  }
  ::close(p[0]);
  *release_fd = p[1];
  return pid;
}

TEST_F(RootCgroupsTest, ROOT_CreateApplyAndReadKernelFilesBack) {
  if (!IsV1()) GTEST_SKIP() << "v1 file names checked here; v2 is covered on a fake tree";
  Cgroup cg = Make("c1");
  EXPECT_TRUE(cg.created());
  // A new cpuset cgroup inherited its parent's cpus/mems, so tasks can join it.
  EXPECT_EQ(Read("cpuset", cg, "cpuset.cpus"),
            absl::StripAsciiWhitespace(*ReadFile(hierarchy_.MountFor("cpuset") + "/cpuset.cpus")));
  EXPECT_NE(Read("cpuset", cg, "cpuset.mems"), "");

  Resources r;
  r.cpu_shares = 512;
  r.cpu_period = 50000;
  r.cpu_quota = 25000;
  r.memory_limit_bytes = 20 * 1024 * 1024 + 100;  // the kernel rounds down to pages
  r.pids_limit = 42;
  r.cpuset_cpus = "0";
  r.cpuset_mems = "0";
  absl::Status s = cg.Apply(r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("cpu", cg, "cpu.shares"), "512");
  EXPECT_EQ(Read("cpu", cg, "cpu.cfs_period_us"), "50000");
  EXPECT_EQ(Read("cpu", cg, "cpu.cfs_quota_us"), "25000");
  EXPECT_EQ(Read("memory", cg, "memory.limit_in_bytes"), "20971520");
  if (absl::StrContains(Read("memory", cg, "memory.memsw.limit_in_bytes"), "NOT_FOUND") == false) {
    EXPECT_EQ(Read("memory", cg, "memory.memsw.limit_in_bytes"), "20971520");
  }
  EXPECT_EQ(Read("pids", cg, "pids.max"), "42");
  EXPECT_EQ(Read("cpuset", cg, "cpuset.cpus"), "0");

  // Live updates both ways: memory+swap must stay >= memory, so the order flips.
  Resources up;
  up.memory_limit_bytes = 64 << 20;
  up.cpu_quota = -1;
  up.pids_limit = -1;
  s = cg.Apply(up);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("memory", cg, "memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(Read("cpu", cg, "cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(Read("pids", cg, "pids.max"), "max");
  Resources down;
  down.memory_limit_bytes = 30 << 20;
  s = cg.Apply(down);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("memory", cg, "memory.limit_in_bytes"), "31457280");
  Resources shorter_period;  // period and quota change together
  shorter_period.cpu_quota = 1000;
  shorter_period.cpu_period = 1000;
  s = cg.Apply(shorter_period);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Read("cpu", cg, "cpu.cfs_period_us"), "1000");
  // A value the kernel refuses is a clear error naming the file.
  Resources bad;
  bad.cpuset_cpus = "4095";
  s = cg.Apply(bad);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("cpuset.cpus"));
}

TEST_F(RootCgroupsTest, ROOT_ProcessJoinsIsListedKilledAndCgroupDestroyed) {
  Cgroup pod = Make("pod");
  Cgroup cg = Make("pod/c1");
  // The shell forks its two sleeps only once it reads a line, i.e. after joining the cgroup.
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  absl::StatusOr<ChildProcess> child = ChildProcess::Spawn(
      {.argv = {"/bin/sh", "-c", "read x; sleep 100 & sleep 100 & wait"}, .stdin_fd = go[0]});
  ::close(go[0]);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(cg.AddProcess(child->pid()).ok());
  ASSERT_EQ(::write(go[1], "\n", 1), 1);
  ::close(go[1]);
  // Everything it forks from now on lands in the cgroup too.
  absl::StatusOr<std::vector<pid_t>> pids;
  for (int i = 0; i < 200; ++i) {
    pids = cg.Pids();
    ASSERT_TRUE(pids.ok()) << pids.status();
    if (pids->size() >= 3) break;
    ::usleep(5000);
  }
  EXPECT_THAT(*pids, Contains(child->pid()));
  EXPECT_EQ(pids->size(), 3u);
  // The pod cgroup lists its containers' processes too.
  EXPECT_EQ(pod.Pids()->size(), 3u);
  std::string self_cgroup = *ReadFile(absl::StrCat("/proc/", child->pid(), "/cgroup"));
  EXPECT_THAT(self_cgroup, ::testing::HasSubstr(cg.path()));
  absl::StatusOr<Stats> stats = cg.ReadStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->memory_usage_bytes, 0u);
  EXPECT_GT(stats->cpu_usage_ns, 0u);
  if (hierarchy_.Has("pids")) {
    EXPECT_EQ(stats->pids_current, 3u);
  }

  EXPECT_EQ(pod.Destroy().code(), absl::StatusCode::kFailedPrecondition);  // has a child
  absl::Status s = cg.KillAll(SIGKILL);
  ASSERT_TRUE(s.ok()) << s;
  absl::StatusOr<int> status = child->Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  EXPECT_TRUE(cg.Pids()->empty());
  ASSERT_TRUE(cg.Destroy().ok());
  for (const std::string& dir : cg.Dirs()) EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir;
  EXPECT_TRUE(cg.Destroy().ok());  // idempotent
  EXPECT_EQ(cg.ReadStats().status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(cg.KillAll(SIGKILL).ok());  // nothing left to kill
}

TEST_F(RootCgroupsTest, ROOT_OomKillIsCounted) {
  Cgroup cg = Make("oom");
  Resources r;
  r.memory_limit_bytes = 20 << 20;
  ASSERT_TRUE(cg.Apply(r).ok());
  EXPECT_EQ(*cg.OomKillCount(), 0u);
  int release = -1;
  pid_t pid = ForkWaiting(&release, [] {
    size_t size = 200u << 20;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(101);
    std::memset(p, 1, size);  // touches every page: far beyond the limit
    ::_exit(102);
  });
  ASSERT_GT(pid, 0);
  ChildProcess guard(pid);  // killed and reaped if an assertion below fails
  ASSERT_TRUE(cg.AddProcess(pid).ok());
  ASSERT_EQ(::write(release, "x", 1), 1);
  ::close(release);
  absl::StatusOr<int> status = guard.Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
  absl::StatusOr<uint64_t> kills = cg.OomKillCount();
  ASSERT_TRUE(kills.ok()) << kills.status();
  EXPECT_EQ(*kills, 1u);
  EXPECT_EQ(cg.ReadStats()->oom_kills, 1u);
  EXPECT_EQ(cg.ReadStats()->memory_limit_bytes, 20u << 20);
}

TEST_F(RootCgroupsTest, ROOT_PodLimitOomIsCountedInTheContainer) {
  // kubelet limits the pod cgroup; the victim's container cgroup must still show the kill.
  Cgroup pod = Make("pod");
  Cgroup cg = Make("pod/c1");
  Resources r;
  r.memory_limit_bytes = 20 << 20;
  ASSERT_TRUE(pod.Apply(r).ok());
  int release = -1;
  pid_t pid = ForkWaiting(&release, [] {
    size_t size = 200u << 20;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(101);
    std::memset(p, 1, size);
    ::_exit(102);
  });
  ASSERT_GT(pid, 0);
  ChildProcess guard(pid);
  ASSERT_TRUE(cg.AddProcess(pid).ok());
  ASSERT_EQ(::write(release, "x", 1), 1);
  ::close(release);
  absl::StatusOr<int> status = guard.Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
  EXPECT_EQ(*cg.OomKillCount(), 1u);
}

TEST_F(RootCgroupsTest, ROOT_DevicesAreRestricted) {
  if (!IsV1() || !hierarchy_.Has("devices")) GTEST_SKIP() << "v1 devices controller needed";
  Cgroup cg = Make("dev");
  ASSERT_TRUE(cg.RestrictDevices(DefaultAllowedDevices()).ok());
  EXPECT_THAT(Read("devices", cg, "devices.list"), ::testing::HasSubstr("c 1:3 rwm"));
  EXPECT_THAT(Read("devices", cg, "devices.list"), ::testing::Not(::testing::HasSubstr("a *:*")));
  int release = -1;
  pid_t pid = ForkWaiting(&release, [] {
    int null_fd = ::open("/dev/null", O_WRONLY);
    int kmsg_fd = ::open("/dev/kmsg", O_RDONLY);  // c 1:11: not in the defaults
    ::_exit(null_fd >= 0 && kmsg_fd < 0 && errno == EPERM ? 0 : 1);
  });
  ASSERT_GT(pid, 0);
  ChildProcess guard(pid);
  ASSERT_TRUE(cg.AddProcess(pid).ok());
  ASSERT_EQ(::write(release, "x", 1), 1);
  ::close(release);
  absl::StatusOr<int> status = guard.Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

TEST_F(RootCgroupsTest, ROOT_KillAllEmptiesAForkingCgroup) {
  Cgroup cg = Make("forker");
  Resources r;
  // Bounds the fork loop if KillAll were broken, yet stays far above the ~20
  // processes the kill waits for: when dash reaches the limit its failed fork
  // ends the script with exit 2 before the kill (seen on an idle machine).
  r.pids_limit = 1024;
  ASSERT_TRUE(cg.Apply(r).ok());
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  absl::StatusOr<ChildProcess> child = ChildProcess::Spawn(
      {.argv = {"/bin/sh", "-c", "read x; while :; do sleep 100 & done"}, .stdin_fd = go[0]});
  ::close(go[0]);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(cg.AddProcess(child->pid()).ok());
  ASSERT_EQ(::write(go[1], "\n", 1), 1);
  ::close(go[1]);
  for (int i = 0; i < 400 && cg.Pids()->size() < 20; ++i) ::usleep(5000);
  EXPECT_GE(cg.Pids()->size(), 20u);
  absl::Status s = cg.KillAll(SIGKILL);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(cg.Pids()->empty());
  absl::StatusOr<int> status = child->Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  // The freeze that guarded the kill was undone.
  if (hierarchy_.Has("freezer")) {
    EXPECT_EQ(Read("freezer", cg, "freezer.state"), "THAWED");
  }
}

TEST_F(RootCgroupsTest, ROOT_SigtermReachesEveryProcessOnce) {
  Cgroup cg = Make("term");
  absl::StatusOr<ChildProcess> child = ChildProcess::Spawn({.argv = {"/bin/sleep", "100"}});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(cg.AddProcess(child->pid()).ok());
  ASSERT_TRUE(cg.KillAll(SIGTERM).ok());
  absl::StatusOr<int> status = child->Wait();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM);
}

}  // namespace
}  // namespace ucr::runtime::cgroups
