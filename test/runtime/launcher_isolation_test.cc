// ROOT: namespaces, mounts, users, capabilities, cgroups, oom_score_adj,
// seccomp — each checked on the real process.
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/ids.h"
#include "test/runtime/launch_fixture.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

// Runs `args` in the container and returns its stdout (exit code must be 0).
std::string MustExec(runtime::Launcher& l, const runtime::ExecSpec& e) {
  auto r = l.ExecSync(e, std::chrono::seconds(10));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;
  return r->stdout_data;
}

// Pins fresh net, ipc and uts namespaces on files under `dir`, as a pod does.
void PinNamespaces(const std::string& dir) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t child = ::fork();
  if (child == 0) {
    char c = ::unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) == 0 ? 'y' : 'n';
    (void)!::write(go[1], &c, 1);
    ::pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(go[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  for (const char* ns : {"net", "ipc", "uts"}) {
    std::string pin = absl::StrCat(dir, "/", ns);
    ASSERT_TRUE(WriteFileAtomic(pin, "").ok());
    std::string src = absl::StrCat("/proc/", child, "/ns/", ns);
    ASSERT_EQ(::mount(src.c_str(), pin.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST_F(LaunchTest, OwnMountAndPidNamespacesJoinedPodNamespaces) {
  std::string pins = dir_ + "/pod-ns";
  ASSERT_TRUE(MakeDirs(pins).ok());
  PinNamespaces(pins);
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  for (auto [ns, name] : {std::pair{&spec.net, "net"}, {&spec.ipc, "ipc"}, {&spec.uts, "uts"}})
    *ns = {runtime::NsMode::kJoin, absl::StrCat(pins, "/", name)};
  pid_t pid = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  for (const char* ns : {"mnt", "pid"}) {
    EXPECT_NE(NsInode(absl::StrCat("/proc/", pid, "/ns/", ns)),
              NsInode(absl::StrCat("/proc/self/ns/", ns)))
        << ns;
  }
  for (const char* ns : {"net", "ipc", "uts"}) {
    EXPECT_EQ(NsInode(absl::StrCat("/proc/", pid, "/ns/", ns)),
              NsInode(absl::StrCat(pins, "/", ns)))
        << ns;
  }
  EXPECT_EQ(StatusField(pid, "NSpid"), absl::StrCat(pid, "\t1")) << "pid 1 of its namespace";
  // A joined UTS namespace keeps the pod's hostname: ours is not applied.
  EXPECT_NE(MustExec(launcher_, Exec(pid, {"hostname"})), "ucr-test\n");
}

TEST_F(LaunchTest, SysctlsAndRlimits) {
  std::string host_forward = ReadText("/proc/sys/net/ipv4/ip_forward");
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.sysctls = {{"net.ipv4.ip_forward", host_forward == "1\n" ? "0" : "1"}};
  spec.process.rlimits = {{"RLIMIT_NOFILE", 1000, 2000}};
  pid_t pid = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"cat", "/proc/sys/net/ipv4/ip_forward"})),
            host_forward == "1\n" ? "0\n" : "1\n");
  EXPECT_EQ(ReadText("/proc/sys/net/ipv4/ip_forward"), host_forward) << "the host's was touched";
  EXPECT_THAT(ReadText(absl::StrCat("/proc/", pid, "/limits")),
              ::testing::ContainsRegex("Max open files +1000 +2000 +files"));
  ASSERT_TRUE(launcher_.Destroy(state_).ok());
  ASSERT_TRUE(RemoveTree(state_).ok());
  spec.sysctls = {{"../../etc/x", "1"}};
  EXPECT_FALSE(launcher_.Create(spec).ok());
}

// Every mount of the container is made in its own mount namespace: the
// host's keeps only the rootfs (its table, which every create copies and
// kubelet and cAdvisor read, does not grow with the mounts of containers).
TEST_F(LaunchTest, ContainerMountsStayOutOfTheHostNamespace) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/hostfile", "from the host\n").ok());
  ASSERT_TRUE(MakeDirs(dir_ + "/optdir").ok());
  runtime::ContainerSpec spec = Spec({"sh", "-c", "cat /etc/bound /opt/inner; ls /dev/null /dev/pts"});
  spec.mounts.push_back({dir_ + "/hostfile", "/etc/bound", "bind", {"bind", "ro"}});
  spec.mounts.push_back({dir_ + "/optdir", "/opt", "bind", {"rbind", "rprivate"}});
  spec.mounts.push_back({dir_ + "/hostfile", "/opt/inner", "bind", {"bind"}});
  auto created = launcher_.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  int under_rootfs = 0;
  for (absl::string_view line : absl::StrSplit(ReadText("/proc/self/mountinfo"), '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() > 4 && (f[4] == rootfs_ || absl::StartsWith(f[4], rootfs_ + "/"))) ++under_rootfs;
  }
  EXPECT_EQ(under_rootfs, 1) << "only the rootfs itself";
  ASSERT_TRUE(launcher_.Start(state_).ok());
  EXPECT_EQ(WaitExit().exit_code, 0);
  EXPECT_THAT(LogContents("stdout"), ::testing::ElementsAre("F from the host", "F from the host", "F /dev/null", "F ",
                                                           "F /dev/pts:", "F ptmx"));
}

TEST_F(LaunchTest, HostnameAndDefaultFilesystems) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"hostname"})), "ucr-test\n");
  std::string mounts = MustExec(launcher_, Exec(pid, {"cat", "/proc/mounts"}));
  EXPECT_THAT(mounts, HasSubstr("proc /proc proc rw,nosuid,nodev,noexec"));
  EXPECT_THAT(mounts, HasSubstr("tmpfs /dev tmpfs rw,nosuid"));
  EXPECT_THAT(mounts, HasSubstr("devpts /dev/pts devpts rw,nosuid,noexec"));
  EXPECT_THAT(mounts, HasSubstr("shm /dev/shm tmpfs rw,nosuid,nodev,noexec"));
  EXPECT_THAT(mounts, HasSubstr("mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec"));
  EXPECT_THAT(mounts, HasSubstr("sysfs /sys sysfs ro,nosuid,nodev,noexec"));
  EXPECT_THAT(mounts, HasSubstr("/sys/fs/cgroup/pids cgroup ro,"));
  std::string devs = MustExec(launcher_, Exec(pid, {"ls", "-l", "/dev"}));
  for (const char* d : {"null", "zero", "full", "random", "urandom", "tty"})
    EXPECT_THAT(devs, HasSubstr(absl::StrCat(" ", d, "\n"))) << devs;
  EXPECT_THAT(devs, HasSubstr("ptmx -> pts/ptmx"));
  EXPECT_THAT(devs, HasSubstr("fd -> /proc/self/fd"));
  EXPECT_EQ(MustExec(launcher_,
                     Exec(pid, {"sh", "-c", "echo x > /dev/null && head -c 3 /dev/zero | wc -c"})),
            "3\n");
  // Only the container's processes are visible.
  std::vector<std::string> procs = absl::StrSplit(
      MustExec(launcher_, Exec(pid, {"sh", "-c", "ls -d /proc/[0-9]*"})), '\n', absl::SkipEmpty());
  EXPECT_THAT(procs, ::testing::Contains("/proc/1"));
  EXPECT_LE(procs.size(), 4u);
}

TEST_F(LaunchTest, ReadonlyRootfsAndMounts) {
  std::string ro_src = dir_ + "/ro-data", rw_src = dir_ + "/rw-data";
  ASSERT_TRUE(MakeDirs(ro_src).ok() && MakeDirs(rw_src).ok());
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.readonly_rootfs = true;
  spec.mounts.push_back({ro_src, "/ro", "bind", {"rbind", "ro", "rprivate"}});
  spec.mounts.push_back({rw_src, "/mnt/rw", "bind", {"rbind", "rslave"}});
  // A file bind over an image's dangling symlink, and over an absolute
  // symlink that would leave the rootfs if followed on the host.
  std::string file_src = dir_ + "/resolv.conf";
  ASSERT_TRUE(WriteFileAtomic(file_src, "nameserver 198.18.0.1\n").ok());
  ASSERT_TRUE(MakeDirs(upper_ + "/etc").ok());
  ASSERT_EQ(::symlink("../run/resolve/stub.conf", (upper_ + "/etc/resolv.conf").c_str()), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (upper_ + "/etc/hosts").c_str()), 0);
  spec.mounts.push_back({file_src, "/etc/resolv.conf", "bind", {"rbind", "ro"}});
  spec.mounts.push_back({file_src, "/etc/hosts", "bind", {"rbind", "ro"}});
  spec.masked_paths = {"/proc/uptime", "/sys/kernel", "/proc/no-such-file"};
  spec.readonly_paths = {"/proc/sys"};
  pid_t pid = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  auto run = [&](std::vector<std::string> args) {
    auto r = launcher_.ExecSync(Exec(pid, std::move(args)), std::chrono::seconds(10));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->exit_code : -1;
  };
  EXPECT_NE(run({"touch", "/newfile"}), 0) << "read-only rootfs";
  EXPECT_NE(run({"touch", "/ro/x"}), 0) << "ro bind mount";
  EXPECT_EQ(run({"sh", "-c", "echo hi > /mnt/rw/x"}), 0);
  EXPECT_EQ(ReadText(rw_src + "/x"), "hi\n");
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"wc", "-c", "/proc/uptime"})), "0 /proc/uptime\n");
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"ls", "/sys/kernel"})), "");
  EXPECT_NE(run({"sh", "-c", "echo 1 > /proc/sys/kernel/domainname"}), 0);
  EXPECT_EQ(::access((upper_ + "/newfile").c_str(), F_OK), -1);
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"cat", "/etc/resolv.conf"})), "nameserver 198.18.0.1\n");
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"cat", "/etc/hosts"})), "nameserver 198.18.0.1\n");
  // /etc/hosts → /etc/passwd was resolved inside the rootfs: the container's
  // own /etc/passwd is what got covered.
  EXPECT_EQ(MustExec(launcher_, Exec(pid, {"cat", "/etc/passwd"})), "nameserver 198.18.0.1\n");
}

TEST_F(LaunchTest, DefaultCapabilitiesAndUser) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  // Docker's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
  // SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
  EXPECT_EQ(StatusField(pid, "CapEff"), "00000000a80425fb");
  EXPECT_EQ(StatusField(pid, "CapBnd"), "00000000a80425fb");
  EXPECT_EQ(StatusField(pid, "CapInh"), "0000000000000000");
  EXPECT_EQ(StatusField(pid, "CapAmb"), "0000000000000000");
  // Nothing of ours leaks in: stdio only.
  std::vector<std::string> fds;
  DIR* d = ::opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  ASSERT_NE(d, nullptr);
  while (struct dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') fds.push_back(e->d_name);
  ::closedir(d);
  EXPECT_THAT(fds, ::testing::UnorderedElementsAre("0", "1", "2"));
  ASSERT_TRUE(launcher_.Destroy(state_).ok());

  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.process.uid = 1000;
  spec.process.gid = 1001;
  spec.process.additional_gids = {10, 20};
  spec.process.no_new_privs = true;
  ASSERT_TRUE(RemoveTree(state_).ok());
  pid = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  EXPECT_EQ(StatusField(pid, "Uid"), "1000\t1000\t1000\t1000");
  EXPECT_EQ(StatusField(pid, "Gid"), "1001\t1001\t1001\t1001");
  EXPECT_EQ(StatusField(pid, "Groups"), "10 20");
  EXPECT_EQ(StatusField(pid, "CapEff"), "0000000000000000");
  EXPECT_EQ(StatusField(pid, "NoNewPrivs"), "1");
}

TEST_F(LaunchTest, JoinsCgroupsBeforeExec) {
  std::string cg = absl::StrCat("/sys/fs/cgroup/pids/ucr-test-", NewId().substr(0, 12));
  ASSERT_EQ(::mkdir(cg.c_str(), 0755), 0) << strerror(errno);
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.cgroup_dirs = {cg};
  auto created = launcher_.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(ReadText(cg + "/cgroup.procs"), absl::StrCat(created->pid, "\n"));
  ASSERT_TRUE(launcher_.Destroy(state_).ok());
  WaitUntil([&] { return ReadText(cg + "/cgroup.procs").empty(); });
  EXPECT_EQ(::rmdir(cg.c_str()), 0) << strerror(errno);
}

TEST_F(LaunchTest, OomKillIsReported) {
  std::string cg = absl::StrCat("/sys/fs/cgroup/memory/ucr-test-", NewId().substr(0, 12));
  ASSERT_EQ(::mkdir(cg.c_str(), 0755), 0) << strerror(errno);
  int fd = ::open((cg + "/memory.limit_in_bytes").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_GT(::write(fd, "16777216", 8), 0);
  ::close(fd);
  runtime::ContainerSpec spec = Spec({"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
  spec.cgroup_dirs = {cg};
  Run(spec);
  runtime::ExitStatus exit = WaitExit();
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_TRUE(exit.oom_killed);
  WaitUntil([&] { return ReadText(cg + "/cgroup.procs").empty(); });
  EXPECT_EQ(::rmdir(cg.c_str()), 0) << strerror(errno);
}

TEST_F(LaunchTest, JoinsAnotherContainersPidNamespace) {
  pid_t first = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(first); }));
  runtime::ContainerSpec spec = Spec({"sleep", "99"});
  spec.state_dir = dir_ + "/state2";
  spec.pid = {runtime::NsMode::kJoin, absl::StrCat("/proc/", first, "/ns/pid")};
  pid_t second = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(second); }));
  EXPECT_EQ(NsInode(absl::StrCat("/proc/", second, "/ns/pid")),
            NsInode(absl::StrCat("/proc/", first, "/ns/pid")));
  // The second one sees the first one's processes as in a shared-pid pod.
  std::string ps =
      MustExec(launcher_, Exec(second, {"sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"}));
  EXPECT_THAT(ps, HasSubstr("sleep 100"));
  EXPECT_THAT(ps, HasSubstr("sleep 99"));
  EXPECT_TRUE(launcher_.Destroy(spec.state_dir).ok());
}

TEST_F(LaunchTest, OomScoreAdjAppliedOrClamped) {
  std::string ours = ReadText("/proc/self/oom_score_adj");
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.process.oom_score_adj = 500;
  pid_t pid = Run(spec);
  EXPECT_EQ(ReadText(absl::StrCat("/proc/", pid, "/oom_score_adj")), "500\n");
  ASSERT_TRUE(launcher_.Destroy(state_).ok());
  ASSERT_TRUE(RemoveTree(state_).ok());
  // Negative: applied where the host allows it, else kept at the floor we
  // inherited — never a failed container.
  spec.process.oom_score_adj = -998;
  pid = Run(spec);
  ASSERT_GT(pid, 0);
  std::string got = ReadText(absl::StrCat("/proc/", pid, "/oom_score_adj"));
  EXPECT_TRUE(got == "-998\n" || got == ours) << got;
}

TEST_F(LaunchTest, SeccompProfileApplied) {
  runtime::ContainerSpec spec = Spec({"sh", "-c", "mkdir /tmp/x; echo rc=$?"});
  spec.process.seccomp_profile_json = R"({"defaultAction":"SCMP_ACT_ALLOW",
      "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})";
  Run(spec);
  EXPECT_EQ(WaitExit().exit_code, 0);
  EXPECT_THAT(LogContents("stdout"), ::testing::Contains("F rc=1"));
  EXPECT_THAT(ReadText(log_), HasSubstr("Operation not permitted"));
}

}  // namespace
}  // namespace ucr::test
