#include "network/loopback.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::network {
namespace {

// Runs on a thread of its own, which ends right after: the thread's netns
// never leaks into the rest of ucrd.
absl::Status LoopbackUpInCurrentThread(int netns_fd, const std::string& netns_path) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) return LastErrnoError(absl::StrCat("setns ", netns_path));
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return LastErrnoError(absl::StrCat("socket in ", netns_path));
  struct ifreq req = {};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return LastErrnoError("SIOCGIFFLAGS lo");
  if (req.ifr_flags & IFF_UP) return absl::OkStatus();
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return LastErrnoError("SIOCSIFFLAGS lo up");
  return absl::OkStatus();
}

}  // namespace

absl::Status BringUpLoopback(const std::string& netns_path) {
  UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return LastErrnoError(absl::StrCat("open netns ", netns_path));
  absl::Status status;
  std::thread worker([&] { status = LoopbackUpInCurrentThread(ns.get(), netns_path); });
  worker.join();
  return Annotate(status, "bring up lo");
}

}  // namespace ucr::network
