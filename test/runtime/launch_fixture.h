// Root-only fixture for the launcher tests: a busybox rootfs (Debian's
// busybox-static, applets as symlinks) as an overlay lowerdir, a fresh
// overlay mount, state dir and log path per test, and helpers to look at
// real processes.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "runtime/launch/launcher.h"

namespace ucr::test {

class LaunchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // A spec with new namespaces of every kind, the overlay rootfs, our log.
  runtime::ContainerSpec Spec(std::vector<std::string> args);
  // Create + Start, failing the test on error; returns the container pid.
  pid_t Run(const runtime::ContainerSpec& spec);
  // The exit status, waiting up to 10 s.
  runtime::ExitStatus WaitExit();
  // An ExecSpec for the container `pid` with default env/caps.
  runtime::ExecSpec Exec(pid_t pid, std::vector<std::string> args);
  // The log file's lines.
  std::vector<std::string> LogLines();
  // The "content" of each CRI log record, checking the format of every line.
  std::vector<std::string> LogContents(const std::string& stream);

  std::string dir_;     // the test's temp dir
  std::string rootfs_;  // overlay mount
  std::string upper_;
  std::string state_;
  std::string log_;
  runtime::Launcher launcher_;

  static std::string lower_;  // shared busybox tree
};

// Polls `pred` every 10 ms up to `timeout`.
bool WaitUntil(const std::function<bool()>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
// True once `pid` has exec'd away from ucr-init.
bool HasExeced(pid_t pid);
std::string ReadText(const std::string& path);
// A "Key:\tvalue" line of /proc/<pid>/status.
std::string StatusField(pid_t pid, const std::string& key);
ino_t NsInode(const std::string& path);
// Pids whose cmdline is exactly `args`.
std::vector<pid_t> FindProcesses(const std::vector<std::string>& args);

}  // namespace ucr::test
