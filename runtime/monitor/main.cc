// ucr-monitor: started by ucrd in a session of its own; starts the container (ucr-init) as its
// child in the right pid namespace, then serves its stdio, log and sockets
// until it exits, and records the exit status.
//
// ucr-monitor --state-dir D --init BIN [--log PATH] [--tty]
//   [--stdin] [--stdin-once] [--pidns-new | --pidns-join NSFILE]
//   [--oom-file F]... [--kill-on-exit CGROUP_PROCS] --sync-fd N --spec-fd M
// (M: where ucrd will send ucr-init its spec; passed on to ucr-init)
// ucr-monitor --spare --init BIN --pidns-new --sync-fd N --spec-fd M --assign-fd A
// (a spare: the container-specific arguments come later on A, see monitor.h)
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/monitor/monitor.h"

namespace ucr::monitor {

bool ParseArgs(int argc, const char* const* argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    auto take = [&](const char** dst) {
      if (!next) return false;
      *dst = next;
      ++i;
      return true;
    };
    bool ok = true;
    if (!strcmp(a, "--state-dir"))
      ok = take(&o->state_dir);
    else if (!strcmp(a, "--init"))
      ok = take(&o->init_binary);
    else if (!strcmp(a, "--log"))
      ok = take(&o->log_path);
    else if (!strcmp(a, "--pidns-join"))
      ok = take(&o->pidns_join);
    else if (!strcmp(a, "--tty"))
      o->tty = true;
    else if (!strcmp(a, "--stdin"))
      o->stdin_open = true;
    else if (!strcmp(a, "--stdin-once"))
      o->stdin_once = true;
    else if (!strcmp(a, "--pidns-new"))
      o->pidns_new = true;
    else if (!strcmp(a, "--kill-on-exit"))
      ok = take(&o->kill_procs_file);
    else if (!strcmp(a, "--oom-file") && o->oom_file_count < kMaxOomFiles)
      ok = take(&o->oom_files[o->oom_file_count++]);
    else if (!strcmp(a, "--sync-fd") && next)
      o->sync_fd = atoi(argv[++i]);
    else if (!strcmp(a, "--spec-fd") && next)
      o->spec_fd = atoi(argv[++i]);
    else if (!strcmp(a, "--spare"))
      o->spare = true;
    else if (!strcmp(a, "--assign-fd") && next)
      o->assign_fd = atoi(argv[++i]);
    else
      ok = false;
    if (!ok) return false;
  }
  if (!o->init_binary || o->sync_fd < 0 || o->spec_fd < 0) return false;
  // A spare learns its state dir later; it only serves plain containers.
  if (o->spare) return o->assign_fd >= 0 && o->pidns_new && !o->tty && !o->stdin_open;
  return o->state_dir != nullptr;
}

namespace {

int Listen(const char* name) {
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, name, sizeof addr.sun_path - 1);
  unlink(name);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  chmod(name, 0600);
  return fd;
}

// Pipes, or a pty, for the container's stdio.
bool MakeStdio(const Options& o, Stdio* s) {
  if (o.tty) {
    int master, slave;
    if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return false;
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    s->out = master;
    s->in = o.stdin_open ? fcntl(master, F_DUPFD_CLOEXEC, 3) : -1;
    s->child_in = s->child_out = s->child_err = slave;
    return true;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  s->out = p[0], s->child_out = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  s->err = p[0], s->child_err = p[1];
  if (o.stdin_open) {
    if (pipe2(p, O_CLOEXEC) != 0) return false;
    s->child_in = p[0], s->in = p[1];
  } else {
    s->child_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  return true;
}

bool EnterPidNamespace(const Options& o) {
  if (o.pidns_new) return unshare(CLONE_NEWPID) == 0;
  if (!o.pidns_join) return true;
  int fd = open(o.pidns_join, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = setns(fd, CLONE_NEWPID) == 0;
  close(fd);
  return ok;
}

// In the child: becomes ucr-init with the container's stdio.
[[noreturn]] void ExecInit(const Options& o, const Stdio& s, pid_t monitor) {
  // Should the monitor die before it has told ucrd about us, nobody would
  // know to kill us: die with it (ucr-init clears this before the user's
  // command runs). The parent may have died before the prctl: check. In a pid
  // namespace of our own the parent shows as 0.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != monitor && getppid() != 0) _exit(1);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < 32; ++sig) signal(sig, SIG_DFL);  // ignored ones survive exec
  setsid();
  if (o.tty) ioctl(s.child_out, TIOCSCTTY, 0);
  if (dup2(s.child_in, 0) < 0 || dup2(s.child_out, 1) < 0 || dup2(s.child_err, 2) < 0) {
    SyncLine(o.sync_fd, "error 13 monitor: dup2 stdio: %s", strerror(errno));
    _exit(127);
  }
  char fd_arg[16], spec_arg[16];
  snprintf(fd_arg, sizeof fd_arg, "%d", o.sync_fd);
  snprintf(spec_arg, sizeof spec_arg, "%d", o.spec_fd);
  const char* argv[] = {o.init_binary, "create", "--sync-fd", fd_arg, "--spec-fd", spec_arg, nullptr};
  execv(o.init_binary, const_cast<char**>(argv));
  SyncLine(o.sync_fd, "error 13 monitor: exec %s: %s", o.init_binary, strerror(errno));
  _exit(127);
}

void CloseChildEnds(Stdio* s) {
  // With a tty all three are the same pty slave: close it once.
  if (s->child_in >= 0) close(s->child_in);
  if (s->child_out >= 0 && s->child_out != s->child_in) close(s->child_out);
  if (s->child_err >= 0 && s->child_err != s->child_in && s->child_err != s->child_out)
    close(s->child_err);
  s->child_in = s->child_out = s->child_err = -1;
}

// Undoes a half-started monitor: the container process has not run anything
// of the user's yet (ucr-init waits for its spec), so killing it is safe.
void KillAndReap(pid_t child) {
  kill(child, SIGKILL);
  int st;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
}

int Abandon(Options& o, pid_t child, const char* what) {
  SyncLine(o.sync_fd, "error 13 monitor: %s in %s: %s", what, o.state_dir ? o.state_dir : "a spare",
           strerror(errno));
  KillAndReap(child);
  return 1;
}

// A spare waits here, its ucr-init forked, until ucrd gives it a container.
// False: it is done (discarded, or it could not take the container).
bool BecomeAssigned(Options& o, pid_t child, int signal_fd) {
  SyncLine(o.sync_fd, "spare %d", child);
  Assignment a = AwaitAssignment(o, signal_fd);
  if (a == Assignment::kAssigned && chdir(o.state_dir) == 0) return true;
  if (a == Assignment::kBad) SyncLine(o.sync_fd, "error 3 monitor: bad assignment");
  if (a == Assignment::kAssigned)
    SyncLine(o.sync_fd, "error 5 monitor: chdir %s: %s", o.state_dir, strerror(errno));
  KillAndReap(child);
  return false;
}

int Run(Options& o) {
  // Our files' modes are ours to say, whatever umask ucrd had when it spawned
  // us (it narrows its own for a moment while it makes its socket).
  umask(022);
  if (!o.spare && chdir(o.state_dir) != 0) {
    SyncLine(o.sync_fd, "error 5 monitor: chdir %s: %s", o.state_dir, strerror(errno));
    return 1;
  }
  // ucrd spawned us in a session of our own and reaps us when we exit; its
  // death never reaches us (we go to init, like any orphan).
  setsid();  // in case we were not started that way
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  // Blocked before the fork: a SIGCHLD that comes early waits for the signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, nullptr);

  // The container's process comes first: it is on the create's critical path
  // (ucr-init's exec and set-up), our own files and sockets are not.
  Stdio stdio;
  if (!MakeStdio(o, &stdio)) {
    SyncLine(o.sync_fd, "error 13 monitor: stdio: %s", strerror(errno));
    return 1;
  }
  if (!EnterPidNamespace(o)) {
    SyncLine(o.sync_fd, "error 13 monitor: pid namespace: %s", strerror(errno));
    return 1;
  }
  const pid_t monitor = getpid();
  pid_t child = fork();
  if (child < 0) {
    SyncLine(o.sync_fd, "error 13 monitor: fork: %s", strerror(errno));
    return 1;
  }
  if (child == 0) ExecInit(o, stdio, monitor);
  CloseChildEnds(&stdio);

  int null = open("/dev/null", O_RDWR | O_CLOEXEC);  // our messages go to monitor.log (LogMessage)
  dup2(null, 0), dup2(null, 1), dup2(null, 2);
  if (null > 2) close(null);
  int signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) return Abandon(o, child, "signalfd");
  if (o.spare && !BecomeAssigned(o, child, signal_fd)) return 0;
  // All of this exists before ucrd hears from us (and so before Create returns).
  if (!WritePidFile("monitor.pid", getpid()) || !WritePidFile("container.pid", child))
    return Abandon(o, child, "write pid files");
  stdio.ctl_listen = Listen("ctl.sock");
  stdio.attach_listen = Listen("attach.sock");
  if (stdio.ctl_listen < 0 || stdio.attach_listen < 0) return Abandon(o, child, "listen");
  SyncLine(o.sync_fd, "monitor %d", getpid());
  SyncLine(o.sync_fd, "pid %d", child);
  close(o.sync_fd);  // ucrd now waits only for ucr-init's verdict
  o.sync_fd = -1;
  close(o.spec_fd);  // ucr-init's, not ours
  o.spec_fd = -1;
  uint64_t ooms_before = ReadOomKills(o.oom_files, o.oom_file_count);
  int status = RunLoop(o, stdio, child, signal_fd);
  bool oom = ReadOomKills(o.oom_files, o.oom_file_count) > ooms_before;
  if (!WriteExitFile(status, oom)) LogMessage("writing exit.json: %s", strerror(errno));
  unlink("ctl.sock");
  unlink("attach.sock");
  return 0;
}

}  // namespace
}  // namespace ucr::monitor

int main(int argc, char** argv) {
  ucr::monitor::Options opts;
  if (!ucr::monitor::ParseArgs(argc, const_cast<const char* const*>(argv), &opts)) {
    ucr::monitor::SyncLine(opts.sync_fd, "error 3 monitor: bad arguments");
    fprintf(stderr, "usage: ucr-monitor --state-dir D --init BIN --sync-fd N --spec-fd M ...\n");
    return 2;
  }
  return ucr::monitor::Run(opts);
}
