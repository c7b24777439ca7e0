// ROOT: create/start semantics, the CRI log, exit statuses, errors, the
// monitor's independence from its parent, log reopening.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "test/runtime/launch_fixture.h"

namespace ucr::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(LaunchTest, CreateWaitsAndStartExecs) {
  auto created = launcher_.Create(Spec({"sh", "-c", "echo hello; echo oops >&2; exit 3"}));
  ASSERT_TRUE(created.ok()) << created.status();
  // Created: the process exists, still ucr-init, nothing logged.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(HasExeced(created->pid));
  EXPECT_EQ(::kill(created->pid, 0), 0);
  EXPECT_EQ(ReadText(log_), "");
  EXPECT_EQ(launcher_.ContainerPid(state_), created->pid);
  EXPECT_EQ(launcher_.MonitorPid(state_), created->monitor_pid);
  ASSERT_TRUE(launcher_.Start(state_).ok());
  runtime::ExitStatus exit = WaitExit();
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.signal, 0);
  EXPECT_GT(exit.finished_at_ns, 0);
  EXPECT_THAT(LogContents("stdout"), ElementsAre("F hello"));
  EXPECT_THAT(LogContents("stderr"), ElementsAre("F oops"));
  // Not waiting any more: a second start fails cleanly.
  EXPECT_EQ(launcher_.Start(state_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(launcher_.MonitorAlive(state_));
}

// The monitor is the launcher's child (no detaching fork) and is reaped when
// it exits after its container: nothing is left behind, not even a zombie.
TEST_F(LaunchTest, MonitorIsOurChildAndIsReapedAfterItsContainer) {
  auto created = launcher_.Create(Spec({"true"}));
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", created->monitor_pid, "/stat"));
  ASSERT_TRUE(stat.ok()) << stat.status();
  std::vector<std::string> fields = absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
  EXPECT_EQ(fields[1], std::to_string(::getpid()));  // field 4: the parent
  ASSERT_TRUE(launcher_.Start(state_).ok());
  EXPECT_EQ(WaitExit().exit_code, 0);
  const std::string proc = absl::StrCat("/proc/", created->monitor_pid);
  EXPECT_TRUE(WaitUntil([&] { return ::access(proc.c_str(), F_OK) != 0; })) << "monitor not reaped";
}

TEST_F(LaunchTest, LongLinesSplitAndLastPartialLineFlushed) {
  Run(Spec({"sh", "-c", "head -c 40960 /dev/zero | tr '\\0' a; echo; printf tail"}));
  EXPECT_EQ(WaitExit().exit_code, 0);
  std::vector<std::string> recs = LogContents("stdout");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0], "P " + std::string(16384, 'a'));
  EXPECT_EQ(recs[1], "P " + std::string(16384, 'a'));
  EXPECT_EQ(recs[2], "F " + std::string(40960 - 2 * 16384, 'a'));
  EXPECT_EQ(recs[3], "F tail");
}

TEST_F(LaunchTest, SignalIsRecorded) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  ASSERT_TRUE(launcher_.Signal(state_, SIGKILL).ok());
  runtime::ExitStatus exit = WaitExit();
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_EQ(exit.exit_code, 128 + SIGKILL);
  EXPECT_FALSE(launcher_.ContainerPid(state_).has_value());
  EXPECT_TRUE(launcher_.Signal(state_, SIGTERM).ok())
      << "signalling an exited container is a no-op";
}

TEST_F(LaunchTest, BadCommandIsAClearErrorAndLeavesNothing) {
  auto created = launcher_.Create(Spec({"nosuchcmd"}));
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.status().message(),
              HasSubstr("exec: \"nosuchcmd\": executable file not found in $PATH"));
  EXPECT_FALSE(launcher_.MonitorAlive(state_));
  EXPECT_FALSE(launcher_.ContainerPid(state_).has_value());
}

TEST_F(LaunchTest, MissingBindSourceIsAClearError) {
  runtime::ContainerSpec spec = Spec({"true"});
  spec.mounts.push_back({dir_ + "/nonexistent", "/data", "bind", {"rbind"}});
  auto created = launcher_.Create(spec);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kNotFound) << created.status();
  EXPECT_THAT(created.status().message(),
              HasSubstr(absl::StrCat("mount ", dir_, "/nonexistent → /data")));
  EXPECT_THAT(created.status().message(), HasSubstr("ENOENT"));
  EXPECT_FALSE(launcher_.MonitorAlive(state_));
}

TEST_F(LaunchTest, ACreatedContainerStopsOnSigterm) {
  auto created = launcher_.Create(Spec({"sleep", "100"}));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(launcher_.Signal(state_, SIGTERM).ok());
  auto exit = launcher_.WaitExit(state_, std::chrono::seconds(5));
  ASSERT_TRUE(exit.ok() && *exit) << "SIGTERM ignored before start";
  EXPECT_EQ((*exit)->exit_code, 128 + SIGTERM);
}

TEST_F(LaunchTest, DestroyingACreatedContainerLeavesNothing) {
  auto created = launcher_.Create(Spec({"sleep", "100"}));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(launcher_.Destroy(state_).ok());
  EXPECT_NE(::kill(created->monitor_pid, 0) == 0 && launcher_.MonitorAlive(state_), true);
  auto exit = launcher_.ReadExit(state_);
  ASSERT_TRUE(exit.ok() && *exit);
  EXPECT_EQ((*exit)->signal, SIGKILL);
}

// Begin starts the monitor and ucr-init before the spec exists; ucr-init
// waits for it. Finish gives the spec: the same container as Create's.
TEST_F(LaunchTest, BeginThenFinishCreatesTheContainer) {
  runtime::ContainerSpec spec = Spec({"sh", "-c", "echo begun; exit 4"});
  auto launch = launcher_.Begin(spec);
  ASSERT_TRUE(launch.ok()) << launch.status();
  ASSERT_TRUE(WaitUntil([&] { return launcher_.ContainerPid(state_).has_value(); }));
  // ucr-init (the monitor writes the pid right after its fork, maybe before
  // the exec), waiting for its spec: nothing of the user's has run.
  const std::string comm = absl::StrCat("/proc/", *launcher_.ContainerPid(state_), "/comm");
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(comm).value_or("") == "ucr-init\n"; }))
      << ReadFile(comm).value_or("gone");
  EXPECT_FALSE(*launcher_.ReadExit(state_));
  auto created = launcher_.Finish(std::move(*launch), spec);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(launcher_.Start(state_).ok());
  EXPECT_EQ(WaitExit().exit_code, 4);
  EXPECT_THAT(LogContents("stdout"), ElementsAre("F begun"));
}

// A launch dropped before Finish (the caller's preparation failed) runs
// nothing of the user's: ucr-init exits, the monitor records it and goes.
TEST_F(LaunchTest, AbandonedLaunchRunsNothingAndEnds) {
  std::optional<pid_t> monitor;
  {
    auto launch = launcher_.Begin(Spec({"sh", "-c", "echo never"}));
    ASSERT_TRUE(launch.ok()) << launch.status();
    ASSERT_TRUE(WaitUntil([&] { return launcher_.ContainerPid(state_).has_value(); }));
    monitor = launcher_.MonitorPid(state_);
    ASSERT_TRUE(monitor.has_value());
  }
  ASSERT_TRUE(WaitUntil([&] { return !launcher_.MonitorAlive(state_); }));
  auto exit = launcher_.ReadExit(state_);
  ASSERT_TRUE(exit.ok() && *exit) << exit.status();
  EXPECT_EQ((*exit)->exit_code, 1);
  EXPECT_EQ(ReadText(log_), "");
  EXPECT_TRUE(launcher_.Destroy(state_).ok());
}

// Dropped at once, before the monitor has even reported: when the drop
// returns the monitor has finished (its exit recorded), so the caller's
// clean-up of the state dir right after cannot race its last files.
TEST_F(LaunchTest, DroppedLaunchWaitsForItsMonitorToFinish) {
  {
    auto launch = launcher_.Begin(Spec({"true"}));
    ASSERT_TRUE(launch.ok()) << launch.status();
  }
  auto exit = launcher_.ReadExit(state_);  // no waiting here
  ASSERT_TRUE(exit.ok() && *exit) << exit.status();
  EXPECT_EQ((*exit)->exit_code, 1);
  EXPECT_FALSE(launcher_.MonitorAlive(state_));
  EXPECT_TRUE(launcher_.Destroy(state_).ok());
}

// The monitor fails before ucr-init exists: the create's error is the
// monitor's reason, not the failed hand-over of the spec.
TEST_F(LaunchTest, MonitorFailureIsTheCreateError) {
  runtime::ContainerSpec spec = Spec({"true"});
  spec.pid = runtime::Namespace{runtime::NsMode::kJoin, "/proc/999999999/ns/pid"};
  auto created = launcher_.Create(spec);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(std::string(created.status().message()), ::testing::HasSubstr("pid namespace"));
}

TEST_F(LaunchTest, MonitorSurvivesItsParentAndStartWorksFromAnotherProcess) {
  runtime::ContainerSpec spec = Spec({"sh", "-c", "echo started; sleep 100"});
  // A stand-in for ucrd: creates, then is SIGKILLed before starting.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t parent = ::fork();
  if (parent == 0) {
    runtime::Launcher l;
    char c = l.Create(spec).ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(launcher_.MonitorAlive(state_));
  std::optional<pid_t> pid = launcher_.ContainerPid(state_);
  ASSERT_TRUE(pid.has_value());
  EXPECT_FALSE(HasExeced(*pid));
  // A "restarted ucrd" (another Launcher, another process) starts it.
  ASSERT_TRUE(launcher_.Start(state_).ok());
  ASSERT_TRUE(WaitUntil([&] { return LogContents("stdout").size() == 1; }));
  EXPECT_THAT(LogContents("stdout"), ElementsAre("F started"));
  EXPECT_EQ(StatusField(*launcher_.MonitorPid(state_), "PPid") == absl::StrCat(parent), false);
  // pid 1 of a namespace ignores unhandled SIGTERM: kill it.
  ASSERT_TRUE(launcher_.Signal(state_, SIGKILL).ok());
  EXPECT_EQ(WaitExit().signal, SIGKILL);
}

TEST_F(LaunchTest, ReopenLogSwitchesFilesSynchronously) {
  pid_t pid = Run(Spec({"sh", "-c", "while true; do echo tick; usleep 20000; done"}));
  ASSERT_TRUE(WaitUntil([&] { return LogLines().size() >= 3; }));
  std::string rotated = log_ + ".1";
  ASSERT_EQ(::rename(log_.c_str(), rotated.c_str()), 0);
  ASSERT_TRUE(launcher_.ReopenLog(state_).ok());
  std::string frozen = ReadText(rotated);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ReadText(rotated), frozen) << "output went to the old file after ReopenLog returned";
  EXPECT_GE(LogContents("stdout").size(), 3u);
  for (const std::string& rec : LogContents("stdout")) EXPECT_EQ(rec, "F tick");
  ASSERT_TRUE(launcher_.Signal(state_, SIGKILL).ok());
  WaitExit();
  (void)pid;
  EXPECT_EQ(launcher_.ReopenLog(state_).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LaunchTest, TtyContainer) {
  runtime::ContainerSpec spec = Spec({"sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty"});
  spec.process.tty = true;
  Run(spec);
  EXPECT_EQ(WaitExit().exit_code, 0);
  std::vector<std::string> recs = LogContents("stdout");
  ASSERT_FALSE(recs.empty());
  // A pty turns \n into \r\n; like containerd we log what the container wrote.
  EXPECT_EQ(recs[0], "F is-a-tty\r");
}

TEST_F(LaunchTest, MonitorStaysSmall) {
  pid_t pid = Run(Spec({"sleep", "100"}));
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));
  std::optional<pid_t> monitor = launcher_.MonitorPid(state_);
  ASSERT_TRUE(monitor);
  std::string rss = StatusField(*monitor, "VmRSS");
  std::printf("monitor VmRSS: %s\n", rss.c_str());
  EXPECT_LT(std::stol(rss), 4096) << "kB";
}

}  // namespace
}  // namespace ucr::test
