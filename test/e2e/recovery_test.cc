// ucrd killed with SIGKILL and restarted: containers keep running and stay
// managed; exits that happened meanwhile are reported with real exit codes; a
// container whose monitor died is EXITED (255), never RUNNING forever.
#include <signal.h>

#include <filesystem>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "test/e2e/pod_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class RecoveryTest : public PodTest {};

// Spare monitors of `ucrd` not yet given a container (spare_monitors.h):
// its children started with --spare whose working directory is not a
// container's state dir.
std::vector<pid_t> IdleSpares(pid_t ucrd, const std::string& state_dir) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    if (!stat.ok()) continue;
    std::vector<std::string> f = absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
    if (f.size() < 2 || f[1] != std::to_string(ucrd)) continue;  // field 4: the parent
    absl::StatusOr<std::string> cmd = ReadFile(absl::StrCat("/proc/", pid, "/cmdline"));
    std::error_code ec;
    std::string cwd = std::filesystem::read_symlink(absl::StrCat("/proc/", pid, "/cwd"), ec).string();
    if (cmd.ok() && cmd->find(std::string("\0--spare\0", 9)) != std::string::npos && !cwd.starts_with(state_dir))
      found.push_back(pid);
  }
  return found;
}

TEST_F(RecoveryTest, ContainersSurviveUcrdSigkillAndStayManaged) {
  v1::PodSandboxConfig pc = PodConfig("survivor");
  std::string pod = RunPod(pc);
  std::string runner = RunContainer(pod, pc, ContainerConfig("runner", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  std::string quitter = RunContainer(pod, pc, ContainerConfig("quitter", {"sh", "-c", "sleep 1; exit 5"}));
  pid_t pid = ContainerPid(runner);
  ASSERT_GT(pid, 0);
  // The spare ucrd keeps ready (launcher.spare_monitors, 1 by default).
  std::vector<pid_t> spares;
  for (int i = 0; i < 100 && spares.empty(); ++i) {
    spares = IdleSpares(ucrd_.pid(), ucrd_.state_dir());
    if (spares.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(spares.size(), 1u);

  ucrd_.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1800));  // the quitter exits meanwhile
  EXPECT_TRUE(Alive(pid)) << "container died with ucrd";
  for (pid_t spare : spares) EXPECT_FALSE(Alive(spare)) << "a spare outlived its ucrd";
  ASSERT_TRUE(ucrd_.Start());

  EXPECT_EQ(PodStatus(pod).state(), v1::SANDBOX_READY);
  v1::ContainerStatus st = ContainerStatus(runner);
  EXPECT_EQ(st.state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(ContainerPid(runner), pid);
  v1::ContainerStatus q = ContainerStatus(quitter);
  EXPECT_EQ(q.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(q.exit_code(), 5);
  EXPECT_EQ(q.reason(), "Error");

  v1::ExecSyncResponse out;
  ASSERT_TRUE(ExecSync(runner, {"echo", "still here"}, 10, &out).ok());
  EXPECT_EQ(out.stdout(), "still here\n");
  ASSERT_TRUE(StopContainer(runner, 10).ok());
  st = ContainerStatus(runner);
  EXPECT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.exit_code(), 0);
  EXPECT_TRUE(RemovePod(pod).ok());
}

TEST_F(RecoveryTest, KilledMonitorMeansExited255NotRunningForever) {
  v1::PodSandboxConfig pc = PodConfig("orphan");
  std::string pod = RunPod(pc);
  std::string id = RunContainer(pod, pc, ContainerConfig("victim", {"sh", "-c", "while true; do sleep 0.1; done"}));
  pid_t pid = ContainerPid(id);
  ASSERT_GT(pid, 0);
  std::string pidfile = *ReadFile(absl::StrCat(ucrd_.state_dir(), "/containers/", id, "/monitor.pid"));
  std::vector<std::string> fields = absl::StrSplit(pidfile, ' ');
  pid_t monitor = 0;
  ASSERT_TRUE(absl::SimpleAtoi(fields[0], &monitor)) << pidfile;
  ucrd_.Kill();
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(ucrd_.Start());
  v1::ContainerStatus st = ContainerStatus(id);
  EXPECT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.exit_code(), 255);
  EXPECT_THAT(st.message(), HasSubstr("monitor"));
  // And what was left of the container does not run on unmanaged.
  for (int i = 0; i < 100 && Alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(Alive(pid));
  EXPECT_TRUE(RemovePod(pod).ok());
}

}  // namespace
}  // namespace ucr::test
