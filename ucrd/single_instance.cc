#include "ucrd/single_instance.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr::daemon {

absl::StatusOr<UniqueFd> LockRootDir(const std::string& lock_path) {
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return LastErrnoError(absl::StrCat("open lock file ", lock_path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return LastErrnoError(absl::StrCat("lock ", lock_path));
    std::string holder = "another process";
    if (absl::StatusOr<std::string> pid = ReadFile(lock_path); pid.ok() && !pid->empty()) {
      holder = absl::StrCat("ucrd (pid ", absl::StripAsciiWhitespace(*pid), ")");
    }
    return absl::FailedPreconditionError(
        absl::StrCat(holder, " already holds the lock ", lock_path, "; is another ucrd running?"));
  }
  std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    return LastErrnoError(absl::StrCat("write pid to ", lock_path));
  }
  return fd;
}

absl::Status ClearStaleSocket(const std::string& socket_path) {
  struct stat st;
  if (::lstat(socket_path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return LastErrnoError(absl::StrCat("stat ", socket_path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(socket_path, " exists and is not a socket; refusing to replace it"));
  }
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", socket_path));
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe) return LastErrnoError("socket");
  if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("another process is serving on ", socket_path));
  }
  if (::unlink(socket_path.c_str()) != 0 && errno != ENOENT) {
    return LastErrnoError(absl::StrCat("remove stale socket ", socket_path));
  }
  return absl::OkStatus();
}

}  // namespace ucr::daemon
