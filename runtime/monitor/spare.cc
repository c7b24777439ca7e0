// A spare monitor's wait for its container (see monitor.h, --spare).
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/monitor/monitor.h"

namespace ucr::monitor {
namespace {

// The assignment's text and the argv made of it: Options keeps pointers
// into them for the rest of our life (no allocation, as everywhere here).
char g_assignment[16384];
const char* g_argv[64];

}  // namespace

Assignment AwaitAssignment(Options& o, int signal_fd) {
  struct pollfd p[2] = {{o.assign_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
  for (;;) {
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || p[1].revents) return Assignment::kDiscarded;  // ucr-init died first
    if (p[0].revents) break;
  }
  // One SOCK_SEQPACKET message of NUL-terminated arguments; MSG_TRUNC gives
  // its real length, so one that does not fit is refused, not cut.
  ssize_t n;
  do {
    n = recv(o.assign_fd, g_assignment, sizeof g_assignment, MSG_TRUNC);
  } while (n < 0 && errno == EINTR);
  close(o.assign_fd);
  o.assign_fd = -1;
  if (n <= 0) return Assignment::kDiscarded;  // ucrd dropped us, or died
  if (static_cast<size_t>(n) >= sizeof g_assignment || g_assignment[n - 1] != '\0')
    return Assignment::kBad;
  int argc = 0;
  g_argv[argc++] = "assignment";
  for (const char* a = g_assignment; a < g_assignment + n; a += strlen(a) + 1) {
    if (argc + 1 >= static_cast<int>(sizeof g_argv / sizeof *g_argv)) return Assignment::kBad;
    g_argv[argc++] = a;
  }
  g_argv[argc] = nullptr;
  o.spare = false;  // from here on, an ordinary monitor: its state dir is required
  return ParseArgs(argc, g_argv, &o) ? Assignment::kAssigned : Assignment::kBad;
}

}  // namespace ucr::monitor
