// launch_bench (ROOT): the launcher's own latencies on a busybox rootfs.
//   create+start of a trivial container (until Start returns), the same until
//   its exit status is recorded, ExecSync of `true` into a running container,
//   and the VmRSS of one ucr-monitor. 50 rounds; prints p50/p90 in ms.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_split.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/scoped_mount.h"
#include "runtime/launch/launcher.h"

namespace {

using Clock = std::chrono::steady_clock;
const size_t kRounds = getenv("BENCH_ROUNDS") ? strtoul(getenv("BENCH_ROUNDS"), nullptr, 10) : 50;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-34s p50 %7.2f ms   p90 %7.2f ms   (n=%zu)\n", what, v[v.size() / 2],
              v[v.size() * 9 / 10], v.size());
}

bool Check(const absl::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return s.ok();
}

// A busybox tree (Debian's busybox-static) as lowerdir, mounted as overlay.
bool MakeRootfs(const std::string& dir, std::string* rootfs) {
  std::string lower = dir + "/lower";
  for (const char* d : {"/lower/bin", "/lower/proc", "/lower/sys", "/lower/dev", "/lower/tmp",
                        "/upper", "/work", "/rootfs", "/logs"})
    if (!Check(ucr::MakeDirs(dir + d), "mkdir")) return false;
  auto cp = ucr::RunCommand({"/bin/cp", "/bin/busybox", lower + "/bin/busybox"}, std::nullopt, "",
                            std::chrono::seconds(10));
  if (!cp.ok() || cp->exit_code != 0) return false;
  for (const char* a : {"sh", "true", "sleep", "echo"})
    (void)!::symlink("busybox", absl::StrCat(lower, "/bin/", a).c_str());
  *rootfs = dir + "/rootfs";
  std::string data =
      absl::StrCat("lowerdir=", lower, ",upperdir=", dir, "/upper,workdir=", dir, "/work");
  return ::mount("overlay", rootfs->c_str(), "overlay", 0, data.c_str()) == 0;
}

ucr::runtime::ContainerSpec Spec(const std::string& dir, const std::string& rootfs, size_t round,
                                 std::vector<std::string> args) {
  ucr::runtime::ContainerSpec s;
  s.id = absl::StrCat("bench", round);
  s.rootfs = rootfs;
  s.hostname = "bench";
  s.process.args = std::move(args);
  s.process.env = {"PATH=/bin"};
  s.log_path = absl::StrCat(dir, "/logs/", round, ".log");
  s.state_dir = absl::StrCat(dir, "/state/", round);
  if (getenv("BENCH_HOSTNET")) s.net.mode = ucr::runtime::NsMode::kHost;
  return s;
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/ucr-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  std::string dir = tmpl, rootfs;
  ucr::runtime::Launcher launcher;
  int rc = 1;
  if (MakeRootfs(dir, &rootfs)) {
    std::vector<double> start, exit;
    for (size_t i = 0; i < kRounds; ++i) {
      auto spec = Spec(dir, rootfs, i, {"true"});
      auto t0 = Clock::now();
      auto created = launcher.Create(spec);
      if (!Check(created.status(), "create") || !Check(launcher.Start(spec.state_dir), "start"))
        break;
      start.push_back(Ms(Clock::now() - t0));
      auto e = launcher.WaitExit(spec.state_dir, std::chrono::seconds(10));
      if (!Check(e.status(), "wait")) break;
      exit.push_back(Ms(Clock::now() - t0));
    }
    auto spec = Spec(dir, rootfs, kRounds, {"sleep", "1000"});
    auto created = launcher.Create(spec);
    std::vector<double> exec;
    if (Check(created.status(), "create") && Check(launcher.Start(spec.state_dir), "start")) {
      ucr::runtime::ExecSpec e;
      e.target_pid = created->pid;
      e.process.args = {"true"};
      e.process.env = {"PATH=/bin"};
      for (size_t i = 0; i < kRounds; ++i) {
        auto t0 = Clock::now();
        auto r = launcher.ExecSync(e, std::chrono::seconds(10));
        if (!Check(r.status(), "exec")) break;
        exec.push_back(Ms(Clock::now() - t0));
      }
      ::usleep(200000);
      std::string rss = "?";
      if (auto m = launcher.MonitorPid(spec.state_dir)) {
        auto st = ucr::ReadFile(absl::StrCat("/proc/", *m, "/status"));
        for (absl::string_view l : absl::StrSplit(st.ok() ? *st : "", '\n'))
          if (absl::StartsWith(l, "VmRSS:"))
            rss = std::string(absl::StripAsciiWhitespace(l.substr(6)));
      }
      if (start.size() == kRounds) Report("create+start (Start returned)", start);
      if (exit.size() == kRounds) Report("create+start+exit recorded", exit);
      if (exec.size() == kRounds) Report("ExecSync true", exec);
      std::printf("%-34s %s\n", "ucr-monitor VmRSS (running)", rss.c_str());
      rc = start.size() == kRounds && exec.size() == kRounds ? 0 : 1;
      (void)launcher.Destroy(spec.state_dir);
    }
  }
  (void)ucr::UnmountAllUnder(dir);
  (void)ucr::RemoveTree(dir);
  return rc;
}
