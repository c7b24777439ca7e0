#include "runtime/sandbox/pin_namespaces.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::runtime {
namespace {

constexpr const char* kNsTypes[] = {"net", "ipc", "uts"};

// What the child reports through the pipe: the failed step and its errno, or
// step 0 with the pod init's pid.
struct ChildReport {
  int step = 0;
  int err = 0;
  pid_t init_pid = 0;
};

enum Step { kOk = 0, kUnshare, kHostname, kLoopback, kBindMount, kForkInit };

const char* StepName(int step) {
  switch (step) {
    case kUnshare: return "unshare";
    case kHostname: return "sethostname";
    case kLoopback: return "bring up loopback";
    case kBindMount: return "bind-mount namespace file";
    case kForkInit: return "fork pod init";
    default: return "pin namespaces";
  }
}

// Runs in the pinner child, which shares ucrd's memory: syscalls only, no allocation.
void BringUpLoopback() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  struct ifreq ifr = {};
  std::memcpy(ifr.ifr_name, "lo", 3);
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    (void)::ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  ::close(fd);
}

[[noreturn]] void Report(int fd, int step, int err, pid_t init_pid) {
  ChildReport report{step, err, init_pid};
  (void)!::write(fd, &report, sizeof report);
  ::_exit(step == kOk ? 0 : 1);
}

// Pid 1 of the new PID namespace (a forked copy, not sharing ucrd's memory):
// detach from everything of ucrd's and exec.
[[noreturn]] void ExecPodInit(const char* path) {
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
  }
  ::syscall(SYS_close_range, 3, ~0U, 0);
  char* const argv[] = {const_cast<char*>(path), nullptr};
  char* const envp[] = {nullptr};
  ::execve(path, argv, envp);
  ::_exit(127);
}

struct ChildPlan {
  int flags = 0;
  const char* hostname = nullptr;
  size_t hostname_len = 0;
  const char* sources[3] = {};
  const char* targets[3] = {};
  int count = 0;
  const char* podinit = nullptr;
};

[[noreturn]] void RunPinChild(const ChildPlan& plan, int report_fd) {
  if (::unshare(plan.flags) != 0) Report(report_fd, kUnshare, errno, 0);
  if (plan.hostname != nullptr && ::sethostname(plan.hostname, plan.hostname_len) != 0) {
    Report(report_fd, kHostname, errno, 0);
  }
  if (plan.flags & CLONE_NEWNET) BringUpLoopback();
  for (int i = 0; i < plan.count; ++i) {
    if (::mount(plan.sources[i], plan.targets[i], nullptr, MS_BIND, nullptr) != 0) {
      Report(report_fd, kBindMount, errno, 0);
    }
  }
  pid_t init_pid = 0;
  if (plan.podinit != nullptr) {
    // A plain fork syscall: glibc's fork() would run its atfork handlers on
    // the memory this child shares with ucrd.
    init_pid = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (init_pid < 0) Report(report_fd, kForkInit, errno, 0);
    if (init_pid == 0) ExecPodInit(plan.podinit);
  }
  Report(report_fd, kOk, 0, init_pid);
}

struct PinChildArgs {
  const ChildPlan* plan;
  int report_fd;
};

int PinChildMain(void* arg) {
  auto* args = static_cast<PinChildArgs*>(arg);
  RunPinChild(*args->plan, args->report_fd);
}

// The pinner as a vfork-like child (CLONE_VM|CLONE_VFORK): it lives for a
// millisecond, so copying ucrd's page tables for it (fork) would cost more
// than its work. This thread waits until the child has exited; all signals
// stay blocked in the child, which never returns to ucrd code.
absl::StatusOr<pid_t> StartPinChild(const ChildPlan& plan, int report_fd) {
  constexpr size_t kStackSize = 64 * 1024;
  std::vector<char> stack(kStackSize);
  PinChildArgs args{&plan, report_fd};
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t child = ::clone(PinChildMain, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (child < 0) return ErrnoError(clone_errno, "start the namespace pinner");
  return child;
}

}  // namespace

std::string PinnedNsPath(const std::string& ns_dir, const char* type) {
  return absl::StrCat(ns_dir, "/", type);
}

bool IsPinnedNamespace(const std::string& path) {
  struct statfs fs;
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

absl::StatusOr<PinResult> PinNamespaces(const PinRequest& request) {
  UCR_RETURN_IF_ERROR(MakeDirs(request.ns_dir, 0755));
  // Everything the child needs is computed here: after fork() in a threaded
  // process the child may only make syscalls.
  std::vector<std::string> sources, targets;
  ChildPlan plan;
  const bool wanted[3] = {request.net, request.ipc, request.uts};
  const int clone_flags[3] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS};
  for (int i = 0; i < 3; ++i) {
    if (!wanted[i]) continue;
    plan.flags |= clone_flags[i];
    std::string target = PinnedNsPath(request.ns_dir, kNsTypes[i]);
    UniqueFd file(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!file) return LastErrnoError(absl::StrCat("create namespace pin file ", target));
    sources.push_back(absl::StrCat("/proc/self/ns/", kNsTypes[i]));
    targets.push_back(std::move(target));
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    plan.sources[i] = sources[i].c_str();
    plan.targets[i] = targets[i].c_str();
  }
  plan.count = static_cast<int>(sources.size());
  if (request.uts && !request.hostname.empty()) {
    plan.hostname = request.hostname.c_str();
    plan.hostname_len = request.hostname.size();
  }
  if (!request.podinit_path.empty()) {
    plan.flags |= CLONE_NEWPID;
    plan.podinit = request.podinit_path.c_str();
  }

  if (plan.flags == 0) return PinResult{0};  // host network, IPC and PID: nothing to create
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return LastErrnoError("pipe for the namespace pinner");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  absl::StatusOr<pid_t> started = StartPinChild(plan, write_end.get());
  if (!started.ok()) {
    (void)UnpinNamespaces(request.ns_dir);
    return started.status();
  }
  pid_t child = *started;
  write_end.reset();

  ChildReport report;
  ssize_t n;
  do {
    n = ::read(read_end.get(), &report, sizeof report);
  } while (n < 0 && errno == EINTR);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof report)) {
    (void)UnpinNamespaces(request.ns_dir);
    return absl::InternalError(absl::StrCat("namespace pinner died (wait status ", status, ")"));
  }
  if (report.step != kOk) {
    (void)UnpinNamespaces(request.ns_dir);
    return ErrnoError(report.err, absl::StrCat("pin pod namespaces in ", request.ns_dir, ": ",
                                               StepName(report.step)));
  }
  return PinResult{report.init_pid};
}

absl::Status UnpinNamespaces(const std::string& ns_dir) {
  absl::Status result;
  for (const char* type : kNsTypes) {
    std::string path = PinnedNsPath(ns_dir, type);
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      result.Update(LastErrnoError(absl::StrCat("unmount pinned namespace ", path)));
      continue;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      result.Update(LastErrnoError(absl::StrCat("remove ", path)));
    }
  }
  if (::rmdir(ns_dir.c_str()) != 0 && errno != ENOENT) {
    result.Update(LastErrnoError(absl::StrCat("remove ", ns_dir)));
  }
  return result;
}

}  // namespace ucr::runtime
