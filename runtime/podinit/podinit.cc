// ucr-podinit: pid 1 of a pod's shared PID namespace (namespace_options.pid ==
// POD). It only reaps the zombies that the pod's orphaned processes leave and
// exits on SIGTERM/SIGINT. No allocation, no stdio: linked statically it stays
// at a few pages of RSS.
#include <signal.h>
#include <sys/wait.h>

int main() {
  sigset_t all;
  sigfillset(&all);
  // Blocked signals are queued even for a namespace init (which otherwise
  // drops signals it has no handler for), so sigwaitinfo sees them.
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig == SIGCHLD) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    } else if (sig == SIGTERM || sig == SIGINT) {
      return 0;
    }
  }
}
