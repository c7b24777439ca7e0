// Containers end to end: namespaces, overlay rootfs, cgroup limits, the CRI
// log file, exit codes, OOM kills, ExecSync, StopContainer, names and retries.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/paths.h"
#include "test/e2e/pod_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class ContainerTest : public PodTest {
 protected:
  const std::vector<std::string> kSleep = {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"};
  std::string CgroupFile(const std::string& pod, const std::string& id, const std::string& file) {
    return absl::StrCat("/sys/fs/cgroup/", file.substr(0, file.find('.')), "/ucr/", pod, "/", id, "/", file);
  }
};

TEST_F(ContainerTest, ContainersOfOnePodShareIpcUtsNetAndPidButNotMnt) {
  v1::PodSandboxConfig pc = PodConfig("ns-pod");
  std::string pod = RunPod(pc);
  std::string a = RunContainer(pod, pc, ContainerConfig("a", kSleep));
  std::string b = RunContainer(pod, pc, ContainerConfig("b", kSleep));
  pid_t pa = ContainerPid(a), pb = ContainerPid(b);
  ASSERT_GT(pa, 0);
  ASSERT_GT(pb, 0);
  for (const char* type : {"net", "ipc", "uts", "pid"}) {
    EXPECT_EQ(NsId(pa, type), NsId(pb, type)) << type;
  }
  EXPECT_NE(NsId(pa, "mnt"), NsId(pb, "mnt"));
  EXPECT_NE(NsId(pa, "ipc"), NsId(::getpid(), "ipc"));
  EXPECT_NE(NsId(pa, "pid"), NsId(::getpid(), "pid"));
  EXPECT_EQ(NsId(pa, "net"), NsId(::getpid(), "net"));  // host network pod
  // Shared PID namespace: each container sees the other's processes.
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(a, {"sh", "-c", "ls /proc | grep -c '^[0-9]'"}, 10, &out).ok());
  EXPECT_GE(std::stoi(out.stdout()), 4);  // init, a, b, the exec
}

// As critest's "Multiple Containers ... should support container exec": an
// ExecSync right after StartContainer, while the command may still be
// starting, runs in the container like any other.
TEST_F(ContainerTest, ExecSyncRightAfterStartRuns) {
  v1::PodSandboxConfig pc = PodConfig("exec-at-once");
  std::string pod = RunPod(pc);
  for (int i = 0; i < 20; ++i) {
    // Half of them in a pid namespace of their own, as critest's ContainerPID.
    v1::ContainerConfig ca = ContainerConfig(absl::StrCat("a", i), kSleep);
    if (i % 2) ca.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(v1::CONTAINER);
    std::string a = RunContainer(pod, pc, ca);
    std::string b = RunContainer(pod, pc, ContainerConfig(absl::StrCat("b", i), kSleep));
    for (const std::string& id : {a, b}) {
      v1::ExecSyncResponse out;
      ASSERT_TRUE(ExecSync(id, {"echo", "hi"}, 10, &out).ok());
      EXPECT_EQ(out.exit_code(), 0) << "round " << i << ": " << out.stderr();
      EXPECT_EQ(out.stdout(), "hi\n");
    }
  }
}

TEST_F(ContainerTest, PidModeContainerGivesEachContainerItsOwnPidNamespace) {
  v1::PodSandboxConfig pc = PodConfig("pid-ctr", v1::CONTAINER);
  std::string pod = RunPod(pc);
  v1::ContainerConfig ca = ContainerConfig("a", kSleep), cb = ContainerConfig("b", kSleep);
  for (auto* c : {&ca, &cb}) {
    c->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(v1::CONTAINER);
  }
  std::string a = RunContainer(pod, pc, ca), b = RunContainer(pod, pc, cb);
  EXPECT_NE(NsId(ContainerPid(a), "pid"), NsId(ContainerPid(b), "pid"));
  EXPECT_EQ(NsId(ContainerPid(a), "ipc"), NsId(ContainerPid(b), "ipc"));
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(a, {"cat", "/proc/1/cmdline"}, 10, &out).ok());
  EXPECT_THAT(out.stdout(), HasSubstr("sh"));
}

// The mount points (/etc/hostname, hosts, resolv.conf, /dev, /proc, /sys)
// come from ucrd's shared layer: a create writes nothing to its upper dir,
// and the image's /etc is still all there, merged.
TEST_F(ContainerTest, MountPointsComeFromTheSharedLayerNotTheUpperDir) {
  v1::PodSandboxConfig pc = PodConfig("mountpoints");
  std::string pod = RunPod(pc);
  std::string id = RunContainer(pod, pc, ContainerConfig("m", kSleep));
  const std::string upper = Paths(ucrd_.root_dir(), ucrd_.state_dir()).ContainerUpperDir(id);
  absl::StatusOr<std::vector<std::string>> entries = ListDir(upper);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_THAT(*entries, ::testing::IsEmpty());
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "cat /etc/hostname; ls /etc; grep -c root /etc/passwd"}, 10, &out).ok());
  EXPECT_EQ(out.exit_code(), 0) << out.stderr();
  EXPECT_THAT(out.stdout(), HasSubstr("mountpoints\n"));
  EXPECT_THAT(out.stdout(), HasSubstr("passwd"));
  EXPECT_THAT(out.stdout(), HasSubstr("resolv.conf"));
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "echo new > /etc/new-file"}, 10, &out).ok());
  EXPECT_EQ(out.exit_code(), 0) << out.stderr();
  EXPECT_EQ(*ReadFile(upper + "/etc/new-file"), "new\n");
  struct stat st;
  const std::string layer = ucrd_.root_dir() + "/mountpoints/etc/hosts";
  ASSERT_EQ(::stat(layer.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0) << "the shared layer stays untouched";
}

TEST_F(ContainerTest, RootfsWritesLandInTheUpperDir) {
  v1::PodSandboxConfig pc = PodConfig("overlay");
  std::string pod = RunPod(pc);
  std::string id = RunContainer(pod, pc, ContainerConfig("w", kSleep));
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "echo written > /newfile && rm /bin/true"}, 10, &out).ok());
  EXPECT_EQ(out.exit_code(), 0) << out.stderr();
  const std::string upper = Paths(ucrd_.root_dir(), ucrd_.state_dir()).ContainerUpperDir(id);
  EXPECT_EQ(*ReadFile(upper + "/newfile"), "written\n");
  struct stat st;
  ASSERT_EQ(::lstat((upper + "/bin/true").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "a deletion is a whiteout in the upper dir";
  // The image layer itself is untouched: a second container still has /bin/true.
  std::string other = RunContainer(pod, pc, ContainerConfig("r", kSleep));
  ASSERT_TRUE(ExecSync(other, {"/bin/true"}, 10, &out).ok());
  EXPECT_EQ(out.exit_code(), 0);

  v1::ContainerStatsRequest sreq;
  sreq.set_container_id(id);
  v1::ContainerStatsResponse stats;
  ASSERT_TRUE(ucrd_.runtime().ContainerStats(Context().get(), sreq, &stats).ok());
  EXPECT_GT(stats.stats().writable_layer().used_bytes().value(), 0u);
  EXPECT_GE(stats.stats().writable_layer().inodes_used().value(), 2u);
  EXPECT_GT(stats.stats().memory().working_set_bytes().value(), 0u);
  EXPECT_GT(stats.stats().cpu().usage_core_nano_seconds().value(), 0u);
}

TEST_F(ContainerTest, CgroupFilesHoldTheLimitsAndUpdatesApplyLive) {
  v1::PodSandboxConfig pc = PodConfig("limits");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("limited", kSleep);
  c.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(64 << 20);
  c.mutable_linux()->mutable_resources()->set_cpu_shares(512);
  c.mutable_linux()->mutable_resources()->set_cpu_quota(50000);
  c.mutable_linux()->mutable_resources()->set_cpu_period(100000);
  std::string id = RunContainer(pod, pc, c);
  EXPECT_EQ(*ReadFile(CgroupFile(pod, id, "memory.limit_in_bytes")), absl::StrCat(64 << 20, "\n"));
  EXPECT_EQ(*ReadFile(CgroupFile(pod, id, "cpu.shares")), "512\n");
  EXPECT_EQ(*ReadFile(CgroupFile(pod, id, "cpu.cfs_quota_us")), "50000\n");
  std::string procs = *ReadFile(absl::StrCat("/sys/fs/cgroup/memory/ucr/", pod, "/", id, "/cgroup.procs"));
  EXPECT_THAT(procs, HasSubstr(std::to_string(ContainerPid(id))));

  v1::UpdateContainerResourcesRequest up;
  up.set_container_id(id);
  up.mutable_linux()->set_memory_limit_in_bytes(96 << 20);
  v1::UpdateContainerResourcesResponse up_resp;
  ASSERT_TRUE(ucrd_.runtime().UpdateContainerResources(Context().get(), up, &up_resp).ok());
  EXPECT_EQ(*ReadFile(CgroupFile(pod, id, "memory.limit_in_bytes")), absl::StrCat(96 << 20, "\n"));
  EXPECT_EQ(ContainerStatus(id).resources().linux().memory_limit_in_bytes(), 96 << 20);
}


// The kubelet's cgroup_parent (cgroupfs driver): the pod and its containers
// live under it; what ucrd created for the pod goes with the pod.
TEST_F(ContainerTest, KubeletCgroupParentHoldsThePodAndItsContainers) {
  const std::string top = absl::StrCat("/ucr-e2e-kubepods-", NewId().substr(0, 8));
  const std::string parent = absl::StrCat(top, "/besteffort/pod-cgparent");
  v1::PodSandboxConfig pc = PodConfig("cgparent");
  pc.mutable_linux()->set_cgroup_parent(parent);
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("inparent", kSleep);
  c.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(40 << 20);
  std::string id = RunContainer(pod, pc, c);
  const std::string memory = absl::StrCat("/sys/fs/cgroup/memory", parent, "/", id);
  EXPECT_EQ(*ReadFile(memory + "/memory.limit_in_bytes"), absl::StrCat(40 << 20, "\n"));
  EXPECT_THAT(*ReadFile(absl::StrCat("/sys/fs/cgroup/pids", parent, "/", id, "/cgroup.procs")),
              HasSubstr(std::to_string(ContainerPid(id))));
  // Every new level got the root's CPUs; below a root that balances them all,
  // none asks for load balancing of its own (no scheduling-domain rebuilds).
  const std::string cpuset = absl::StrCat("/sys/fs/cgroup/cpuset", parent, "/", id);
  EXPECT_EQ(*ReadFile(cpuset + "/cpuset.cpus"), *ReadFile("/sys/fs/cgroup/cpuset/cpuset.cpus"));
  if (*ReadFile("/sys/fs/cgroup/cpuset/cpuset.sched_load_balance") == "1\n") {
    EXPECT_EQ(*ReadFile(cpuset + "/cpuset.sched_load_balance"), "0\n");
    EXPECT_EQ(*ReadFile(absl::StrCat("/sys/fs/cgroup/cpuset", top, "/cpuset.sched_load_balance")), "0\n");
  }
  ASSERT_TRUE(StopPod(pod).ok());
  ASSERT_TRUE(RemovePod(pod).ok());
  struct stat st;
  EXPECT_NE(::stat(memory.c_str(), &st), 0);
  EXPECT_NE(::stat(absl::StrCat("/sys/fs/cgroup/memory", parent).c_str(), &st), 0);  // ucrd made it
  // The levels above the pod's (mkdir -p) are the node's to clean up.
  for (const char* h : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd"}) {
    for (const std::string& d : {absl::StrCat(top, "/besteffort"), top}) {
      ::rmdir(absl::StrCat("/sys/fs/cgroup/", h, d).c_str());
    }
  }
}

// Inside, /sys/fs/cgroup/<controller> is the container's own cgroup, read-only
// (as with runc on v1): the limit is at the top and no other cgroup shows.
TEST_F(ContainerTest, ContainerSeesItsOwnCgroupsReadOnly) {
  v1::PodSandboxConfig pc = PodConfig("cgview");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("viewer", kSleep);
  c.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(48 << 20);
  std::string id = RunContainer(pod, pc, c);
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(id, {"cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), absl::StrCat(48 << 20, "\n"));
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "ls -d /sys/fs/cgroup/memory/*/ /sys/fs/cgroup/pids/*/ 2>/dev/null | wc -l"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "0\n");  // no child cgroups: not the host's tree
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "grep -qx $$ /sys/fs/cgroup/pids/cgroup.procs && echo mine"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "mine\n");  // the exec runs in the cgroup shown
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes || echo refused; "
                                        "mkdir /sys/fs/cgroup/x || echo refused"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "refused\nrefused\n") << out.stderr();
  EXPECT_EQ(*ReadFile(CgroupFile(pod, id, "memory.limit_in_bytes")), absl::StrCat(48 << 20, "\n"));
}
TEST_F(ContainerTest, LogFileHasTheCriFormat) {
  v1::PodSandboxConfig pc = PodConfig("logs");
  std::string pod = RunPod(pc);
  std::string id = RunContainer(pod, pc, ContainerConfig("talker", {"sh", "-c", "echo line one; echo oops >&2; echo line two"}));
  v1::ContainerStatus st = WaitForState(id, v1::CONTAINER_EXITED);
  ASSERT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.log_path(), log_dir() + "/talker.log");
  std::string log = *ReadFile(st.log_path());
  std::vector<std::string> lines = absl::StrSplit(absl::StripSuffix(log, "\n"), '\n');
  ASSERT_EQ(lines.size(), 3u) << log;
  std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z (stdout|stderr) [PF] .*$)");
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, format)) << line;
  EXPECT_THAT(log, HasSubstr(" stdout F line one\n"));
  EXPECT_THAT(log, HasSubstr(" stderr F oops\n"));
  EXPECT_THAT(log, HasSubstr(" stdout F line two\n"));
}

TEST_F(ContainerTest, ExitCodesAndReasons) {
  v1::PodSandboxConfig pc = PodConfig("exits");
  std::string pod = RunPod(pc);
  std::string ok = RunContainer(pod, pc, ContainerConfig("ok", {"true"}));
  std::string bad = RunContainer(pod, pc, ContainerConfig("bad", {"sh", "-c", "exit 3"}));
  v1::ContainerStatus s_ok = WaitForState(ok, v1::CONTAINER_EXITED);
  v1::ContainerStatus s_bad = WaitForState(bad, v1::CONTAINER_EXITED);
  EXPECT_EQ(s_ok.exit_code(), 0);
  EXPECT_EQ(s_ok.reason(), "Completed");
  EXPECT_EQ(s_bad.exit_code(), 3);
  EXPECT_EQ(s_bad.reason(), "Error");
  EXPECT_GE(s_bad.finished_at(), s_bad.started_at());
  EXPECT_GE(s_bad.started_at(), s_bad.created_at());
  EXPECT_GT(s_bad.created_at(), 0);
}

TEST_F(ContainerTest, MemoryHogIsOomKilled) {
  v1::PodSandboxConfig pc = PodConfig("oom");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("hog", {"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
  c.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(20 << 20);
  std::string id = RunContainer(pod, pc, c);
  v1::ContainerStatus st = WaitForState(id, v1::CONTAINER_EXITED);
  ASSERT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.reason(), "OOMKilled");
  EXPECT_EQ(st.exit_code(), 137);
}

TEST_F(ContainerTest, ExecSyncReturnsOutputExitCodeAndEnforcesTimeout) {
  v1::PodSandboxConfig pc = PodConfig("exec");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("target", kSleep);
  auto* env = c.add_envs();
  env->set_key("GREETING");
  env->set_value("hi");
  std::string id = RunContainer(pod, pc, c);
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "echo $GREETING; echo err >&2; exit 7"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "hi\n");
  EXPECT_EQ(out.stderr(), "err\n");
  EXPECT_EQ(out.exit_code(), 7);

  auto start = std::chrono::steady_clock::now();
  grpc::Status st = ExecSync(id, {"sh", "-c", "sleep 30 & sleep 30"}, 1, &out);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  EXPECT_LT(took, std::chrono::seconds(4));
  // The exec's whole process group is gone: only the container's own processes remain.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(ExecSync(id, {"sh", "-c", "ps -o args | grep -c '^sleep 30$' || true"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "0\n");

  // Not running / unknown: clear errors.
  ASSERT_TRUE(StopContainer(id, 0).ok());
  st = ExecSync(id, {"true"}, 5, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("not running"));
  st = ExecSync("0000000000000000000000000000000000000000000000000000000000000000", {"true"}, 5, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ContainerTest, StopHonorsTheStopSignalAndTheTimeout) {
  v1::PodSandboxConfig pc = PodConfig("stop");
  std::string pod = RunPod(pc);
  std::string polite = RunContainer(pod, pc, ContainerConfig("polite", kSleep));
  std::string stubborn = RunContainer(pod, pc, ContainerConfig("stubborn", {"sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"}));
  v1::ContainerConfig usr1 = ContainerConfig("usr1", {"sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done"});
  usr1.set_stop_signal(v1::SIGNAL_SIGUSR1);
  std::string custom = RunContainer(pod, pc, usr1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the traps be set

  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(StopContainer(polite, 10).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(ContainerStatus(polite).exit_code(), 0);

  ASSERT_TRUE(StopContainer(custom, 10).ok());
  EXPECT_EQ(ContainerStatus(custom).exit_code(), 42);

  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(StopContainer(stubborn, 2).ok());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(5));
  v1::ContainerStatus st = ContainerStatus(stubborn);
  EXPECT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.exit_code(), 137);
  // Stopping again is fine.
  EXPECT_TRUE(StopContainer(stubborn, 2).ok());
}

// Regression: in a shared PID namespace a background child kept the output
// pipes open, and the exit was only recorded after the monitor's 200 ms drain.
// Like containerd's shim, the monitor now kills what the main process left in
// the container's cgroup, so the stop is quick and nothing is left running.
TEST_F(ContainerTest, StopInSharedPidNamespaceKillsLeftoversPromptly) {
  v1::PodSandboxConfig pc = PodConfig("shared-stop");  // PID mode POD
  std::string pod = RunPod(pc);
  std::string id = RunContainer(
      pod, pc, ContainerConfig("bg", {"sh", "-c", "sleep 1000 & trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the trap be set
  pid_t main_pid = ContainerPid(id);
  ASSERT_GT(main_pid, 0);
  std::string procs = absl::StrCat("/sys/fs/cgroup/pids/ucr/", pod, "/", id, "/cgroup.procs");
  absl::StatusOr<std::string> before = ReadFile(procs);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_GE(std::count(before->begin(), before->end(), '\n'), 2) << *before;  // sh + sleep (+ loop sleep)

  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(StopContainer(id, 10).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(ContainerStatus(id).exit_code(), 0);
  // The background sleep died with the container.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::string after;
  do {
    absl::StatusOr<std::string> now = ReadFile(procs);
    after = now.ok() ? *now : "";
    if (after.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(after, "");
}

TEST_F(ContainerTest, NameReuseIsAlreadyExistsButARetryGetsTheSameContainer) {
  v1::PodSandboxConfig pc = PodConfig("names");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("app", kSleep);
  std::string first, again, other;
  ASSERT_TRUE(CreateContainer(pod, pc, c, &first).ok());
  ASSERT_TRUE(CreateContainer(pod, pc, c, &again).ok());
  EXPECT_EQ(first, again);
  c.add_args("different");
  grpc::Status st = CreateContainer(pod, pc, c, &other);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(st.error_message(), HasSubstr(first));
  c.mutable_metadata()->set_attempt(1);
  ASSERT_TRUE(CreateContainer(pod, pc, c, &other).ok());
  EXPECT_NE(other, first);
}

TEST_F(ContainerTest, BadInputsGetClearErrorsAndRemoveIsIdempotent) {
  v1::PodSandboxConfig pc = PodConfig("bad");
  std::string pod = RunPod(pc);
  std::string id;
  grpc::Status st = CreateContainer(pod, pc, ContainerConfig("noimage", kSleep, "127.0.0.1:5100/ucr-test/absent:1"), &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("absent"));

  v1::ContainerConfig c = ContainerConfig("badmount", kSleep);
  v1::Mount* m = c.add_mounts();
  m->set_host_path(dir_.path() + "/does-not-exist");
  m->set_container_path("/data");
  st = CreateContainer(pod, pc, c, &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("does-not-exist"));

  st = CreateContainer("feedfacefeedface", pc, ContainerConfig("nopod", kSleep), &id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("feedfacefeedface"));

  const std::string unknown = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  st = StartContainer(unknown);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr(unknown));
  EXPECT_EQ(StopContainer(unknown, 1).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ContainerStatusRequest sreq;
  sreq.set_container_id(unknown);
  v1::ContainerStatusResponse sresp;
  EXPECT_EQ(ucrd_.runtime().ContainerStatus(Context().get(), sreq, &sresp).error_code(), grpc::StatusCode::NOT_FOUND);

  // A bind mount that exists works, read-only as asked.
  c = ContainerConfig("goodmount", kSleep);
  m = c.add_mounts();
  m->set_host_path(dir_.path());
  m->set_container_path("/data");
  m->set_readonly(true);
  std::string good = RunContainer(pod, pc, c);
  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(good.substr(0, 12), {"sh", "-c", "touch /data/x"}, 10, &out).ok());
  EXPECT_NE(out.exit_code(), 0);
  EXPECT_THAT(out.stderr(), HasSubstr("Read-only"));

  // Remove a running container (stopped first), then again: both OK.
  EXPECT_TRUE(RemoveContainer(good).ok());
  EXPECT_TRUE(RemoveContainer(good).ok());
  struct stat sb;
  EXPECT_NE(::stat(Paths(ucrd_.root_dir(), ucrd_.state_dir()).ContainerDir(good).c_str(), &sb), 0);
  EXPECT_NE(::stat(absl::StrCat(ucrd_.state_dir(), "/containers/", good).c_str(), &sb), 0);
}

TEST_F(ContainerTest, ListFiltersByStatePodAndLabel) {
  v1::PodSandboxConfig pc = PodConfig("clist");
  std::string pod = RunPod(pc);
  v1::ContainerConfig c = ContainerConfig("labelled", kSleep);
  (*c.mutable_labels())["tier"] = "web";
  std::string running = RunContainer(pod, pc, c);
  std::string created;
  ASSERT_TRUE(CreateContainer(pod, pc, ContainerConfig("created", kSleep), &created).ok());
  auto list = [&](const v1::ContainerFilter& f) {
    v1::ListContainersRequest req;
    *req.mutable_filter() = f;
    v1::ListContainersResponse resp;
    EXPECT_TRUE(ucrd_.runtime().ListContainers(Context().get(), req, &resp).ok());
    std::vector<std::string> ids;
    for (const auto& x : resp.containers()) ids.push_back(x.id());
    return ids;
  };
  v1::ContainerFilter f;
  EXPECT_EQ(list(f).size(), 2u);
  f.mutable_state()->set_state(v1::CONTAINER_RUNNING);
  EXPECT_EQ(list(f), std::vector<std::string>{running});
  f.Clear();
  f.mutable_state()->set_state(v1::CONTAINER_CREATED);
  EXPECT_EQ(list(f), std::vector<std::string>{created});
  f.Clear();
  (*f.mutable_label_selector())["tier"] = "web";
  EXPECT_EQ(list(f), std::vector<std::string>{running});
  f.Clear();
  f.set_pod_sandbox_id(pod);
  EXPECT_EQ(list(f).size(), 2u);
  f.set_pod_sandbox_id("ffffffff");
  EXPECT_TRUE(list(f).empty());

  // RemovePodSandbox takes its containers with it.
  ASSERT_TRUE(RemovePod(pod).ok());
  EXPECT_TRUE(list(v1::ContainerFilter()).empty());
}

}  // namespace
}  // namespace ucr::test
