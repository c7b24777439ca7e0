// Talking to a created container through its state_dir: signals, exit
// status, log reopening, teardown. Nothing here needs ucrd's memory.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "runtime/launch/launcher.h"
#include "runtime/launch/proc_util.h"
#include "runtime/monitor/attach_protocol.h"

namespace ucr::runtime {
namespace {

std::string StatePath(const std::string& dir, const char* name) {
  return absl::StrCat(dir, "/", name);
}

// Connects to a socket in `dir`; long paths go through /proc/self/fd/<dirfd>
// since sun_path holds only 108 bytes.
absl::StatusOr<UniqueFd> ConnectSeqpacket(const std::string& dir, const char* name) {
  UniqueFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) return LastErrnoError(absl::StrCat("open ", dir));
  std::string path = absl::StrCat(dir, "/", name);
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    path = absl::StrCat("/proc/self/fd/", dirfd.get(), "/", name);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return LastErrnoError("socket");
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return LastErrnoError(absl::StrCat("connect ", dir, "/", name));
  return fd;
}

}  // namespace

std::optional<pid_t> Launcher::MonitorPid(const std::string& state_dir) {
  return ReadLivePidFile(StatePath(state_dir, StateFiles::kMonitorPid));
}

bool Launcher::MonitorAlive(const std::string& state_dir) {
  return MonitorPid(state_dir).has_value();
}

std::optional<pid_t> Launcher::ContainerPid(const std::string& state_dir) {
  if (::access(StatePath(state_dir, StateFiles::kExit).c_str(), F_OK) == 0) return std::nullopt;
  return ReadLivePidFile(StatePath(state_dir, StateFiles::kContainerPid));
}

absl::Status Launcher::Signal(const std::string& state_dir, int sig) {
  std::optional<pid_t> pid = ContainerPid(state_dir);
  if (!pid) return absl::OkStatus();
  if (::kill(*pid, sig) != 0 && errno != ESRCH)
    return LastErrnoError(absl::StrCat("kill ", *pid, " with signal ", sig));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ExitStatus>> Launcher::ReadExit(const std::string& state_dir) {
  std::string path = StatePath(state_dir, StateFiles::kExit);
  if (::access(path.c_str(), F_OK) != 0) return std::optional<ExitStatus>();
  UCR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    ExitStatus e;
    e.exit_code = j.at("exit_code").get<int>();
    e.signal = j.value("signal", 0);
    e.finished_at_ns = j.at("finished_at_ns").get<int64_t>();
    e.oom_killed = j.value("oom_killed", false);
    return std::optional<ExitStatus>(e);
  } catch (const std::exception& ex) {
    return absl::DataLossError(absl::StrCat("parse ", path, ": ", ex.what()));
  }
}

absl::StatusOr<std::optional<ExitStatus>> Launcher::WaitExit(const std::string& state_dir,
                                                             std::chrono::milliseconds timeout) {
  if (std::optional<pid_t> monitor = MonitorPid(state_dir)) {
    if (!WaitGone(*monitor, timeout)) return std::optional<ExitStatus>();
  }
  UCR_ASSIGN_OR_RETURN(std::optional<ExitStatus> exit, ReadExit(state_dir));
  if (!exit) {
    return absl::UnavailableError(
        absl::StrCat("the monitor of ", state_dir, " is gone without recording an exit status"));
  }
  return exit;
}

absl::Status Launcher::ReopenLog(const std::string& state_dir) {
  auto fd = ConnectSeqpacket(state_dir, StateFiles::kControlSocket);
  if (!fd.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container is not running (", fd.status().message(), ")"));
  }
  struct timeval tv = {5, 0};
  ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const char* req = monitor::kReopenRequest;
  if (::send(fd->get(), req, strlen(req), MSG_NOSIGNAL) < 0) return LastErrnoError("send reopen");
  char reply[64] = {};
  ssize_t n = ::recv(fd->get(), reply, sizeof reply - 1, 0);
  if (n <= 0) return LastErrnoError("no reply from the monitor to reopen");
  if (strcmp(reply, "ok") == 0) return absl::OkStatus();
  int err = 0;
  if (sscanf(reply, "error %d", &err) == 1) return ErrnoError(err, "monitor reopening the log");
  return absl::InternalError(absl::StrCat("monitor: ", reply));
}

absl::Status Launcher::Destroy(const std::string& state_dir) {
  if (std::optional<pid_t> pid = ContainerPid(state_dir)) ::kill(*pid, SIGKILL);
  std::optional<pid_t> monitor = MonitorPid(state_dir);
  if (!monitor) return absl::OkStatus();
  // The monitor exits by itself once it has reaped the container.
  if (WaitGone(*monitor, std::chrono::seconds(2))) return absl::OkStatus();
  ::kill(*monitor, SIGKILL);
  if (!WaitGone(*monitor, std::chrono::seconds(2)))
    return absl::DeadlineExceededError(absl::StrCat("monitor ", *monitor, " did not die"));
  return absl::OkStatus();
}

}  // namespace ucr::runtime
