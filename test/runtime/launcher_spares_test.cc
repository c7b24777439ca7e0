// ROOT: spare monitors (runtime/launch/spare_monitors.h): a create takes a
// monitor + ucr-init pair started ahead at idle priority; what does not fit
// starts its own; spares go with their launcher and leave nothing behind.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "runtime/launch/proc_util.h"
#include "test/runtime/launch_fixture.h"

namespace ucr::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

runtime::LauncherOptions WithSpares(int n) {
  runtime::LauncherOptions o = runtime::LauncherOptions::Defaults();
  o.spare_monitors = n;
  return o;
}

// Our children started as spare monitors (their cmdline has "--spare", also
// once they have a container).
std::vector<pid_t> SpareMonitors() {
  std::vector<pid_t> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = std::atoi(e.path().filename().c_str());
    if (pid <= 0) continue;
    std::string cmd = ReadText(absl::StrCat("/proc/", pid, "/cmdline"));
    if (cmd.find(std::string("\0--spare\0", 9)) != std::string::npos &&
        StatusField(pid, "PPid") == std::to_string(::getpid()))
      found.push_back(pid);
  }
  return found;
}

// The only child of `pid` (a spare's ucr-init).
pid_t ChildOf(pid_t pid) {
  absl::StatusOr<std::string> kids = ReadFile(absl::StrCat("/proc/", pid, "/task/", pid, "/children"));
  return kids.ok() ? std::atoi(kids->c_str()) : 0;
}

bool Gone(pid_t pid) {
  return WaitUntil([&] { return !runtime::ProcessStartTime(pid).has_value(); });
}

TEST_F(LaunchTest, CreateTakesTheReadySpareAtNormalPriorityAndARefillFollows) {
  runtime::Launcher spares(WithSpares(1));
  ASSERT_TRUE(WaitUntil([&] { return spares.SparesReady() == 1; })) << "no spare started";
  std::vector<pid_t> ready = SpareMonitors();
  ASSERT_EQ(ready.size(), 1u);
  const pid_t spare = ready[0], spare_init = ChildOf(spare);
  ASSERT_GT(spare_init, 0);
  // Started idle: a refill never competes with the creates.
  EXPECT_EQ(::sched_getscheduler(spare), SCHED_IDLE);
  EXPECT_EQ(::sched_getscheduler(spare_init), SCHED_IDLE);

  runtime::ContainerSpec spec = Spec({"sh", "-c", "echo from a spare; read x < /dev/zero; sleep 100"});
  auto created = spares.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->monitor_pid, spare);
  EXPECT_EQ(created->pid, spare_init);
  EXPECT_EQ(::sched_getscheduler(spare), SCHED_OTHER);
  ASSERT_TRUE(spares.Start(state_).ok());
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(created->pid); }));
  EXPECT_EQ(::sched_getscheduler(created->pid), SCHED_OTHER) << "the user's command must not run idle";
  EXPECT_EQ(ReadText(state_ + "/monitor.pid").substr(0, std::to_string(spare).size() + 1),
            absl::StrCat(spare, " "));
  EXPECT_TRUE(WaitUntil([&] { return LogContents("stdout").size() == 1; }));
  EXPECT_THAT(LogContents("stdout"), ElementsAre("F from a spare"));
  // Its own pid namespace, as a monitor started at create gives.
  EXPECT_NE(NsInode(absl::StrCat("/proc/", created->pid, "/ns/pid")), NsInode("/proc/self/ns/pid"));

  ASSERT_TRUE(WaitUntil([&] { return spares.SparesReady() == 1; })) << "no refill";
  EXPECT_EQ(SpareMonitors().size(), 2u) << "the one taken and its replacement";
  ASSERT_TRUE(spares.Signal(state_, SIGKILL).ok());
  EXPECT_EQ(WaitExit().signal, SIGKILL);
}

TEST_F(LaunchTest, ContainersThatDoNotFitASpareStartTheirOwnMonitor) {
  runtime::Launcher spares(WithSpares(1));
  ASSERT_TRUE(WaitUntil([&] { return spares.SparesReady() == 1; }));
  const pid_t spare = SpareMonitors().at(0);
  runtime::ContainerSpec spec = Spec({"sh", "-c", "tty"});
  spec.process.tty = true;
  auto created = spares.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_NE(created->monitor_pid, spare);
  EXPECT_EQ(spares.SparesReady(), 1u);
  ASSERT_TRUE(spares.Start(state_).ok());
  EXPECT_EQ(WaitExit().exit_code, 0);
  EXPECT_THAT(LogContents("stdout"), ElementsAre(HasSubstr("F /dev/console")));
}

TEST_F(LaunchTest, SparesEndWithTheirLauncherAndLeaveNothing) {
  pid_t spare = 0, init = 0;
  {
    runtime::Launcher spares(WithSpares(2));
    ASSERT_TRUE(WaitUntil([&] { return spares.SparesReady() == 2; }));
    spare = SpareMonitors().at(0);
    init = ChildOf(spare);
  }
  EXPECT_TRUE(Gone(spare));
  EXPECT_TRUE(Gone(init));
  EXPECT_TRUE(WaitUntil([] { return SpareMonitors().empty(); }));
}

TEST_F(LaunchTest, AKilledSpareIsPassedOver) {
  runtime::Launcher spares(WithSpares(1));
  ASSERT_TRUE(WaitUntil([&] { return spares.SparesReady() == 1; }));
  const pid_t spare = SpareMonitors().at(0), init = ChildOf(spare);
  ASSERT_EQ(::kill(spare, SIGKILL), 0);
  EXPECT_TRUE(Gone(spare));
  EXPECT_TRUE(Gone(init)) << "ucr-init dies with its monitor until it has a spec";
  auto created = spares.Create(Spec({"sh", "-c", "exit 3"}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_NE(created->monitor_pid, spare);
  ASSERT_TRUE(spares.Start(state_).ok());
  EXPECT_EQ(WaitExit().exit_code, 3);
}

// A spare told nonsense says so on its sync pipe and ends, with its ucr-init.
TEST_F(LaunchTest, ASpareRefusesABadAssignment) {
  int sync[2], spec[2], assign[2];
  ASSERT_EQ(::pipe2(sync, O_CLOEXEC), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spec), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, assign), 0);
  const runtime::LauncherOptions o = runtime::LauncherOptions::Defaults();
  auto monitor = runtime::SpawnHelper({o.monitor_binary, "--spare", "--init", o.init_binary, "--pidns-new",
                                       "--sync-fd", "3", "--spec-fd", "4", "--assign-fd", "5"},
                                      {{3, sync[1]}, {4, spec[1]}, {5, assign[1]}});
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  for (int fd : {sync[1], spec[1], assign[1]}) ::close(fd);
  const char bad[] = "--log\0/tmp/x.log";  // no --state-dir, and not NUL-terminated
  ASSERT_EQ(::send(assign[0], bad, sizeof bad - 1, 0), static_cast<ssize_t>(sizeof bad - 1));
  std::string said;
  char buf[256];
  ssize_t n;
  while ((n = ::read(sync[0], buf, sizeof buf)) > 0) said.append(buf, static_cast<size_t>(n));
  EXPECT_THAT(said, HasSubstr("spare "));
  EXPECT_THAT(said, HasSubstr("error 3 monitor: bad assignment"));
  int status = 0;
  ASSERT_EQ(::waitpid(*monitor, &status, 0), *monitor);
  EXPECT_TRUE(WIFEXITED(status));
  for (int fd : {sync[0], spec[0], assign[0]}) ::close(fd);
}

}  // namespace
}  // namespace ucr::test
