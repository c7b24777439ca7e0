#include "common/child_process.h"

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ucr {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcessTest, RunCommandCapturesOutputAndExitCode) {
  absl::StatusOr<CommandResult> r =
      RunCommand({"/bin/sh", "-c", "read x; echo out:$x; echo err >&2; exit 3"}, std::nullopt, "hello\n", 10s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out:hello\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(ChildProcessTest, RunCommandUsesGivenEnvironment) {
  absl::StatusOr<CommandResult> r =
      RunCommand({"/bin/sh", "-c", "echo $UCR_X"}, std::vector<std::string>{"UCR_X=42"}, "", 10s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "42\n");
}

TEST(ChildProcessTest, RunCommandTimeoutKillsTheWholeGroup) {
  auto start = std::chrono::steady_clock::now();
  // The grandchild keeps the pipe open: only a group kill ends the wait.
  absl::StatusOr<CommandResult> r = RunCommand({"/bin/sh", "-c", "sleep 30 & sleep 30"}, std::nullopt, "", 300ms);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ChildProcessTest, MissingBinaryIsNotFound) {
  absl::StatusOr<CommandResult> r = RunCommand({"/nonexistent/bin"}, std::nullopt, "", 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("/nonexistent/bin"));
}

TEST(ChildProcessTest, DestructorKillsAndReaps) {
  pid_t pid;
  {
    absl::StatusOr<ChildProcess> c = ChildProcess::Spawn({.argv = {"/bin/sleep", "30"}});
    ASSERT_TRUE(c.ok());
    pid = c->pid();
  }
  EXPECT_NE(::kill(pid, 0), 0) << "child must be gone and reaped";
}

TEST(ChildProcessTest, WaitForTimesOutThenSucceeds) {
  absl::StatusOr<ChildProcess> c = ChildProcess::Spawn({.argv = {"/bin/sleep", "0.2"}});
  ASSERT_TRUE(c.ok());
  absl::StatusOr<std::optional<int>> w = c->WaitFor(10ms);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->has_value());
  w = c->WaitFor(5s);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->has_value());
  EXPECT_EQ(ExitCodeFromWaitStatus(**w), 0);
}

}  // namespace
}  // namespace ucr
