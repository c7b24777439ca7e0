// ucrd: the ucr CRI runtime daemon.
#include <signal.h>

#include <cstdio>

#include "common/config.h"
#include "ucrd/flags.h"
#include "ucrd/server.h"

int main(int argc, char** argv) {
  // A peer that goes away mid-write must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
  // Stop signals are taken by sigwait() in the main thread; block them before
  // gRPC starts its threads so that they all inherit the mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  absl::StatusOr<ucr::daemon::Invocation> inv = ucr::daemon::ParseInvocation(argc, argv);
  if (!inv.ok()) {
    std::fprintf(stderr, "ucrd: %.*s\n", static_cast<int>(inv.status().message().size()),
                 inv.status().message().data());
    return 1;
  }
  if (inv->command == "config") {
    std::fputs(ucr::ConfigToToml(inv->config).c_str(), stdout);
    return 0;
  }
  return ucr::daemon::Serve(inv->config);
}
