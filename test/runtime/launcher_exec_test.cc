// ROOT: ExecSync (output, exit code, env/cwd/user, timeout and cleanup,
// output bound, errors) and the monitor's attach socket.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/monitor/attach_protocol.h"
#include "test/runtime/launch_fixture.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

TEST_F(LaunchTest, ExecSyncOutputAndExitCode) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  runtime::ExecSpec e = Exec(pid, {"sh", "-c", "echo out $FOO $(pwd); echo err >&2; exit 7"});
  e.process.env.push_back("FOO=bar");
  e.process.cwd = "/tmp";
  auto r = launcher_.ExecSync(e, std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->stdout_data, "out bar /tmp\n");
  EXPECT_EQ(r->stderr_data, "err\n");
  // It ran inside: same mount and pid namespaces as the container.
  r = launcher_.ExecSync(Exec(pid, {"readlink", "/proc/1/exe"}), std::chrono::seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "/bin/busybox\n");
}

TEST_F(LaunchTest, ExecSyncUserAndCapabilities) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  runtime::ExecSpec e = Exec(pid, {"sh", "-c", "id -u; id -g; grep CapEff /proc/self/status"});
  e.process.uid = 1234;
  e.process.gid = 4321;
  auto r = launcher_.ExecSync(e, std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout_data, "1234\n4321\nCapEff:\t0000000000000000\n");
  r = launcher_.ExecSync(Exec(pid, {"grep", "CapBnd", "/proc/self/status"}),
                         std::chrono::seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "CapBnd:\t00000000a80425fb\n");
}

TEST_F(LaunchTest, ExecSyncTimeoutKillsEverything) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  auto start = std::chrono::steady_clock::now();
  auto r =
      launcher_.ExecSync(Exec(pid, {"sh", "-c", "sleep 101; echo never"}), std::chrono::seconds(1));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->stdout_data, "");
  EXPECT_GE(took, std::chrono::milliseconds(950));
  EXPECT_LT(took, std::chrono::milliseconds(2500));  // ~1 s; slack for a loaded CI VM
  EXPECT_TRUE(WaitUntil(
      [] {
        return FindProcesses({"sleep", "101"}).empty();
      },
      std::chrono::seconds(1)))
      << "the exec'd command survived its timeout";
  // Not even as zombies under the container's init.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ReadText(absl::StrCat("/proc/", pid, "/task/", pid, "/children")), "");
  // A probe that leaves something behind does not pile up either.
  r = launcher_.ExecSync(Exec(pid, {"sh", "-c", "sleep 102 & echo started"}),
                         std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout_data, "started\n");
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(FindProcesses({"sleep", "102"}).empty());
  EXPECT_EQ(ReadText(absl::StrCat("/proc/", pid, "/task/", pid, "/children")), "");
}

TEST_F(LaunchTest, ExecSyncBoundsOutputAndReportsErrors) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  auto r = launcher_.ExecSync(Exec(pid, {"head", "-c", "100000", "/dev/zero"}),
                              std::chrono::seconds(10), 1000);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stdout_data.size(), 1000u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;
  r = launcher_.ExecSync(Exec(pid, {"nosuchcmd"}), std::chrono::seconds(10));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("executable file not found in $PATH"));
  r = launcher_.ExecSync(Exec(999999, {"true"}), std::chrono::seconds(10));
  EXPECT_FALSE(r.ok());
}

TEST_F(LaunchTest, SpawnExecStreamsThroughGivenFds) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  int in[2], out[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  auto p = launcher_.SpawnExec(Exec(pid, {"sh", "-c", "read x; echo got $x; exit 4"}), in[0],
                               out[1], out[1]);
  ASSERT_TRUE(p.ok()) << p.status();
  ::close(in[0]);
  ::close(out[1]);
  ASSERT_EQ(::write(in[1], "ping\n", 5), 5);
  ::close(in[1]);
  char buf[64] = {};
  ASSERT_GT(::read(out[0], buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "got ping\n");
  int st;
  ASSERT_EQ(::waitpid(p->pid, &st, 0), p->pid);
  EXPECT_EQ(WEXITSTATUS(st), 4);
  char status[64] = {};
  ASSERT_GT(::read(p->status_fd, status, sizeof status - 1), 0);
  EXPECT_STREQ(status, "exit 4\n");
  ::close(p->status_fd);
  ::close(out[0]);
}

TEST_F(LaunchTest, AttachSocketForwardsStdinAndOutput) {
  runtime::ContainerSpec spec = Spec({"sh", "-c", "read line; echo got $line"});
  spec.process.stdin = true;
  spec.process.stdin_once = true;
  pid_t pid = Run(spec);
  ASSERT_GT(pid, 0);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::string path = state_ + "/attach.sock";
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << strerror(errno);
  std::string in = std::string(1, monitor::kStdin) + "hello\n";
  ASSERT_EQ(::send(fd, in.data(), in.size(), 0), static_cast<ssize_t>(in.size()));
  char buf[256];
  struct timeval tv = {5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(buf[0], monitor::kStdout);
  EXPECT_EQ(std::string(buf + 1, static_cast<size_t>(n - 1)), "got hello\n");
  EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 0) << "closed once the container exited";
  ::close(fd);
  EXPECT_EQ(WaitExit().exit_code, 0);
  EXPECT_THAT(LogContents("stdout"), ::testing::ElementsAre("F got hello"));
}

}  // namespace
}  // namespace ucr::test
