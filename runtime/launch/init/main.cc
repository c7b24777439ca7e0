// ucr-init: the set-up helper that becomes the container process.
//
//   ucr-init create --sync-fd N --spec-fd M
//     Run by ucr-monitor as its child, already in the container's pid
//     namespace. First reads the spec (JSON) from M up to EOF: ucrd sends it
//     once the rootfs and cgroups are ready; EOF with nothing read means the
//     create was abandoned, and we exit. Enters the namespaces, builds the rootfs, drops privileges,
//     reports "ok" (or the error) on the sync fd, waits for a byte on
//     start.fifo, then execve()s the user's command.
//   ucr-init exec --spec-fd N --status-fd M [--timeout-ms T] [--keep-orphans 1]
//     Run by ucrd for ExecSync/SpawnExec, in a session of its own. Joins the
//     target's namespaces and cgroups and forks a reaper inside them (pid
//     namespaces only apply to children; a subreaper must live in the same
//     namespace as the orphans it adopts), which forks the command. Reports
//     on the status fd: "exit <code>" | "timeout" | "error <code> <msg>".
//     After T ms, or on SIGTERM, the command's process group is SIGKILLed;
//     unless --keep-orphans, whatever it left running is killed when it ends.
//
// Process tree of an exec: ucrd ── ucr-init exec (host pid ns)
//                                    └── reaper (container pid ns, subreaper)
//                                         └── the command (own process group)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/launch/init/exec_child.h"
#include "runtime/launch/init/mounts.h"
#include "runtime/launch/init/namespaces.h"
#include "runtime/launch/init/process.h"
#include "runtime/launch/init/report.h"
#include "runtime/launch/spec_json.h"

namespace ucr::runtime::init {
namespace {

struct Prepared {
  ContainerSpec spec;
  std::string executable;
  UniqueFd start;  // start.fifo, opened read-write so opening never blocks
};

absl::Status Prepare(const std::string& spec_text, Reporter& report, Prepared& p) {
  UCR_ASSIGN_OR_RETURN(p.spec, ContainerSpecFromJson(spec_text));
  const ContainerSpec& s = p.spec;
  std::string fifo = absl::StrCat(s.state_dir, "/start.fifo");
  p.start.reset(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
  if (!p.start) return LastErrnoError(absl::StrCat("open ", fifo));
  report.Phase("spec");
  UCR_RETURN_IF_ERROR(JoinCgroups(s.cgroup_dirs));
  UCR_RETURN_IF_ERROR(ApplyOomScoreAdj(s.process.oom_score_adj, report));
  report.Phase("cgroups");
  UCR_ASSIGN_OR_RETURN(SharedSources shared, CloneSharedSources(s));
  UCR_RETURN_IF_ERROR(EnterContainerNamespaces(s));
  report.Phase("namespaces");
  UCR_RETURN_IF_ERROR(EnterRootfs(s, shared));
  report.Phase("rootfs");
  if (s.uts.mode == NsMode::kNew && !s.hostname.empty() &&
      ::sethostname(s.hostname.data(), s.hostname.size()) != 0)
    return LastErrnoError(absl::StrCat("sethostname ", s.hostname));
  UCR_RETURN_IF_ERROR(ApplySysctls(s.sysctls));
  UCR_RETURN_IF_ERROR(LockDownRootfs(s));
  UCR_RETURN_IF_ERROR(ApplyRlimits(s.process.rlimits));
  UCR_RETURN_IF_ERROR(EnterCwd(s.process.cwd, /*create=*/true));
  UCR_ASSIGN_OR_RETURN(p.executable, FindExecutable(s.process));
  ::umask(022);
  UCR_RETURN_IF_ERROR(DropPrivileges(s.process));
  report.Phase("privileges");
  return absl::OkStatus();
}

void ExitOnSignal(int sig) { _exit(128 + sig); }

// A spare (runtime/launch/spare_monitors.h) starts at idle CPU priority and
// ucrd raises it when it takes it; should that not have happened, the user's
// command must still not inherit SCHED_IDLE.
absl::Status LeaveIdlePriority() {
  if (::sched_getscheduler(0) != SCHED_IDLE) return absl::OkStatus();
  struct sched_param normal = {};
  if (::sched_setscheduler(0, SCHED_OTHER, &normal) != 0)
    return LastErrnoError("leave the spare's idle CPU priority");
  return absl::OkStatus();
}

int RunCreate(int sync_fd, int spec_fd) {
  // ucrd started us before the spec was complete: it sends the spec when it
  // is, then closes its end. Nothing at all means the create was abandoned.
  absl::StatusOr<std::string> spec_text = ReadToEnd(spec_fd, "the spec from ucrd");
  ::close(spec_fd);
  if (spec_text.ok() && spec_text->empty()) return 1;
  Reporter report(sync_fd);
  Prepared p;
  absl::Status s = spec_text.status();
  if (s.ok()) s = LeaveIdlePriority();
  if (s.ok()) s = Prepare(*spec_text, report, p);
  if (!s.ok()) {
    report.Error(s);
    return 1;
  }
  // As pid 1 of its namespace we would ignore SIGTERM from a StopContainer
  // of a never-started container; exit on it instead (exec resets this).
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, ExitOnSignal);
  report.Ok();
  report.Close();
  char byte;
  ssize_t n;
  do {
    n = ::read(p.start.get(), &byte, 1);
  } while (n < 0 && errno == EINTR);
  p.start.reset();
  // Set by the monitor for the set-up only: the user's command outlives a dead
  // monitor as before (ucrd then reports it exited and kills what is left).
  ::prctl(PR_SET_PDEATHSIG, 0);
  ExecCommand(p.executable, p.spec.process);  // returns only on failure
  return 127;
}

}  // namespace
}  // namespace ucr::runtime::init

int main(int argc, char** argv) {
  using namespace ucr::runtime::init;
  // Nothing of ours may leak into the container: every inherited fd above
  // stdio is closed at exec (the sync/status fds are closed explicitly).
  ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::umask(0);
  std::string mode = argc > 1 ? argv[1] : "";
  int sync_fd = -1, spec_fd = -1, timeout_ms = 0;
  bool reap_all = true;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--sync-fd" || flag == "--status-fd")
      sync_fd = atoi(v);
    else if (flag == "--spec-fd")
      spec_fd = atoi(v);
    else if (flag == "--timeout-ms")
      timeout_ms = atoi(v);
    else if (flag == "--keep-orphans")
      reap_all = false;
  }
  if (mode == "create" && spec_fd >= 0 && sync_fd >= 0) return RunCreate(sync_fd, spec_fd);
  if (mode == "exec" && spec_fd >= 0 && sync_fd >= 0)
    return RunExec(spec_fd, sync_fd, timeout_ms, reap_all);
  fprintf(stderr,
          "usage: ucr-init create --sync-fd N --spec-fd M\n"
          "       ucr-init exec --spec-fd N --status-fd M [--timeout-ms T] [--keep-orphans 1]\n");
  return 2;
}
