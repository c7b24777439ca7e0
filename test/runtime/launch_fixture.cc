#include "test/runtime/launch_fixture.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_split.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/scoped_mount.h"

namespace ucr::test {

std::string LaunchTest::lower_;

void LaunchTest::SetUpTestSuite() {
  char tmpl[] = "/tmp/ucr-bb-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  lower_ = tmpl;
  for (const char* d : {"bin", "proc", "sys", "dev", "etc", "tmp", "root", "data"})
    ASSERT_TRUE(MakeDirs(absl::StrCat(lower_, "/", d)).ok());
  auto copy = RunCommand({"/bin/cp", "/bin/busybox", lower_ + "/bin/busybox"}, std::nullopt, "",
                         std::chrono::seconds(10));
  ASSERT_TRUE(copy.ok() && copy->exit_code == 0) << "needs Debian's busybox-static";
  auto list = RunCommand({"/bin/busybox", "--list"}, std::nullopt, "", std::chrono::seconds(10));
  ASSERT_TRUE(list.ok());
  for (absl::string_view applet : absl::StrSplit(list->out, '\n', absl::SkipEmpty())) {
    if (applet == "busybox") continue;
    std::string link = absl::StrCat(lower_, "/bin/", applet);
    ASSERT_EQ(::symlink("busybox", link.c_str()), 0) << link;
  }
  ASSERT_TRUE(WriteFileAtomic(lower_ + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").ok());
}

void LaunchTest::TearDownTestSuite() { (void)RemoveTree(lower_); }

void LaunchTest::SetUp() {
  char tmpl[] = "/tmp/ucr-lt-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  rootfs_ = dir_ + "/rootfs";
  upper_ = dir_ + "/upper";
  state_ = dir_ + "/state";
  log_ = dir_ + "/logs/c.log";
  for (const std::string& d : {rootfs_, upper_, dir_ + "/work", state_, dir_ + "/logs"})
    ASSERT_TRUE(MakeDirs(d).ok());
  std::string data =
      absl::StrCat("lowerdir=", lower_, ",upperdir=", upper_, ",workdir=", dir_, "/work");
  ASSERT_EQ(::mount("overlay", rootfs_.c_str(), "overlay", 0, data.c_str()), 0) << strerror(errno);
}

void LaunchTest::TearDown() {
  (void)launcher_.Destroy(state_);
  (void)UnmountAllUnder(dir_);
  (void)RemoveTree(dir_);
}

runtime::ContainerSpec LaunchTest::Spec(std::vector<std::string> args) {
  runtime::ContainerSpec s;
  s.id = "test";
  s.rootfs = rootfs_;
  s.hostname = "ucr-test";
  s.process.args = std::move(args);
  s.process.env = {"PATH=/bin", "HOME=/root"};
  s.log_path = log_;
  s.state_dir = state_;
  return s;
}

pid_t LaunchTest::Run(const runtime::ContainerSpec& spec) {
  auto created = launcher_.Create(spec);
  EXPECT_TRUE(created.ok()) << created.status();
  if (!created.ok()) return 0;
  EXPECT_TRUE(launcher_.Start(spec.state_dir).ok());
  return created->pid;
}

runtime::ExitStatus LaunchTest::WaitExit() {
  auto exit = launcher_.WaitExit(state_, std::chrono::seconds(10));
  EXPECT_TRUE(exit.ok()) << exit.status();
  if (!exit.ok() || !*exit) {
    ADD_FAILURE() << "container did not exit in time";
    return {};
  }
  return **exit;
}

runtime::ExecSpec LaunchTest::Exec(pid_t pid, std::vector<std::string> args) {
  runtime::ExecSpec e;
  e.target_pid = pid;
  e.process.args = std::move(args);
  e.process.env = {"PATH=/bin"};
  return e;
}

std::vector<std::string> LaunchTest::LogLines() {
  return absl::StrSplit(ReadText(log_), '\n', absl::SkipEmpty());
}

std::vector<std::string> LaunchTest::LogContents(const std::string& stream) {
  static const std::regex kLine(
      R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) (P|F) ([^\n]*)$)");
  std::vector<std::string> out;
  for (const std::string& line : LogLines()) {
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kLine)) << "bad CRI log line: " << line;
    if (m.size() == 5 && m[2] == stream) out.push_back(absl::StrCat(m[3].str(), " ", m[4].str()));
  }
  return out;
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

bool HasExeced(pid_t pid) {
  char buf[4096];
  ssize_t n = ::readlink(absl::StrCat("/proc/", pid, "/exe").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  return std::string(buf, static_cast<size_t>(n)).find("ucr-init") == std::string::npos;
}

std::string ReadText(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : "";
}

std::string StatusField(pid_t pid, const std::string& key) {
  for (absl::string_view line :
       absl::StrSplit(ReadText(absl::StrCat("/proc/", pid, "/status")), '\n')) {
    if (absl::StartsWith(line, key + ":")) {
      return std::string(absl::StripAsciiWhitespace(line.substr(key.size() + 1)));
    }
  }
  return "";
}

ino_t NsInode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::vector<pid_t> FindProcesses(const std::vector<std::string>& args) {
  std::string want;
  for (const auto& a : args) want += a + '\0';
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  while (struct dirent* e = ::readdir(d)) {
    pid_t pid = atoi(e->d_name);
    if (pid > 0 && ReadText(absl::StrCat("/proc/", pid, "/cmdline")) == want) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

}  // namespace ucr::test
