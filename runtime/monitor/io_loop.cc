// The monitor's single poll() loop: container output → CRI log and attach
// clients; attach clients → container stdin; ctl requests; SIGCHLD → reap.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/monitor/attach_protocol.h"
#include "runtime/monitor/cri_log.h"
#include "runtime/monitor/monitor.h"

namespace ucr::monitor {
namespace {

constexpr int kMaxClients = 16;
// After the container exits, output still in flight is read for this long
// (descendants outside its pid namespace may hold the pipes open forever).
constexpr int kDrainMs = 200;

long long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int OpenLog(const char* path) {
  if (!path || !*path) return -1;
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

class Loop {
 public:
  Loop(const Options& o, Stdio& s, pid_t container)
      : o_(o), s_(s), container_(container), log_(OpenLog(o.log_path)) {
    if (o.log_path && *o.log_path && log_.fd() < 0)
      LogMessage("open log %s: %s", o.log_path, strerror(errno));
    if (s_.in >= 0) fcntl(s_.in, F_SETFL, O_NONBLOCK);
    for (int& c : clients_) c = -1;
  }

  int Run(int signal_fd);

 private:
  void ReadOutput(int* fd, int stream);
  void Broadcast(int stream, const char* data, size_t len);
  void HandleControl();
  void AcceptClient();
  void ReadClient(int i);
  void DropClient(int i);
  void CloseStdin();
  bool Reap(int signal_fd);  // true once the container has been reaped

  const Options& o_;
  Stdio& s_;
  pid_t container_;
  CriLog log_;
  int status_ = 0;
  int clients_[kMaxClients];
  char buf_[kMaxPacket + 1];
  char pending_[kMaxPacket];  // stdin bytes the container has not taken yet
  size_t pending_len_ = 0;
};

void Loop::Broadcast(int stream, const char* data, size_t len) {
  char packet[kMaxPacket];
  while (len > 0) {
    size_t n = len < sizeof packet - 1 ? len : sizeof packet - 1;
    packet[0] = static_cast<char>(stream == 0 ? kStdout : kStderr);
    memcpy(packet + 1, data, n);
    for (int i = 0; i < kMaxClients; ++i) {
      if (clients_[i] < 0) continue;
      if (send(clients_[i], packet, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
        DropClient(i);
    }
    data += n;
    len -= n;
  }
}

void Loop::ReadOutput(int* fd, int stream) {
  ssize_t n = read(*fd, buf_, sizeof buf_ - 1);
  if (n > 0) {
    log_.Append(stream, buf_, static_cast<size_t>(n));
    Broadcast(stream, buf_, static_cast<size_t>(n));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // EOF, or EIO from a pty master whose slave side is all closed.
  if (*fd != s_.in) close(*fd);
  *fd = -1;
}

void Loop::HandleControl() {
  int c = accept4(s_.ctl_listen, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  struct timeval tv = {2, 0};
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char req[64];
  ssize_t n = recv(c, req, sizeof req - 1, 0);
  if (n > 0) {
    req[n] = '\0';
    char reply[64] = "error unknown request";
    if (!strcmp(req, kReopenRequest)) {
      int fd = OpenLog(o_.log_path);
      if (fd >= 0 || !o_.log_path || !*o_.log_path) {
        if (log_.fd() >= 0) close(log_.fd());
        log_.set_fd(fd);
        strcpy(reply, "ok");
      } else {
        snprintf(reply, sizeof reply, "error %d", errno);
      }
    }
    send(c, reply, strlen(reply), MSG_NOSIGNAL);
  }
  close(c);
}

void Loop::AcceptClient() {
  int c = accept4(s_.attach_listen, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return;
  for (int& slot : clients_) {
    if (slot < 0) {
      slot = c;
      return;
    }
  }
  close(c);  // full
}

void Loop::DropClient(int i) {
  close(clients_[i]);
  clients_[i] = -1;
  if (o_.stdin_once) CloseStdin();
}

void Loop::CloseStdin() {
  if (s_.in < 0) return;
  if (o_.tty) {
    char eof = 4;  // ^D: a pty has no half-close
    ssize_t w = write(s_.in, &eof, 1);
    (void)w;
  }
  close(s_.in);
  s_.in = -1;
  pending_len_ = 0;
}

void Loop::ReadClient(int i) {
  ssize_t n = recv(clients_[i], buf_, sizeof buf_, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    DropClient(i);
    return;
  }
  switch (static_cast<uint8_t>(buf_[0])) {
    case kStdin:
      if (s_.in >= 0 && n > 1) {
        ssize_t w = write(s_.in, buf_ + 1, static_cast<size_t>(n - 1));
        if (w < 0) w = (errno == EAGAIN) ? 0 : n - 1;
        pending_len_ = static_cast<size_t>(n - 1 - w);
        memcpy(pending_, buf_ + 1 + w, pending_len_);
      }
      break;
    case kCloseStdin:
      CloseStdin();
      break;
    case kResize:
      if (o_.tty && n >= 5 && s_.out >= 0) {
        struct winsize ws = {};
        memcpy(&ws.ws_row, buf_ + 1, 2);
        memcpy(&ws.ws_col, buf_ + 3, 2);
        ioctl(s_.out, TIOCSWINSZ, &ws);
      }
      break;
  }
}

bool Loop::Reap(int signal_fd) {
  struct signalfd_siginfo si;
  while (read(signal_fd, &si, sizeof si) > 0) {
  }
  bool reaped = false;
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0) break;
    if (p == container_) {
      status_ = st;
      reaped = true;
    }
  }
  return reaped;
}

int Loop::Run(int signal_fd) {
  bool exited = false;
  long long drain_until = 0;
  for (;;) {
    if (exited && ((s_.out < 0 && s_.err < 0) || NowMs() >= drain_until)) break;
    struct pollfd p[6 + kMaxClients];
    int n = 0;
    auto add = [&](int fd, short ev) {
      p[n] = {fd, ev, 0};
      return n++;
    };
    int i_sig = add(signal_fd, POLLIN);
    int i_out = add(s_.out, POLLIN);
    int i_err = add(s_.err, POLLIN);
    int i_ctl = add(s_.ctl_listen, POLLIN);
    int i_att = add(exited ? -1 : s_.attach_listen, POLLIN);
    int i_in = add(pending_len_ ? s_.in : -1, POLLOUT);
    int i_cl = n;
    for (int c : clients_) add(pending_len_ ? -1 : c, POLLIN);
    int timeout = exited ? static_cast<int>(drain_until - NowMs()) : -1;
    if (poll(p, n, timeout < 0 && exited ? 0 : timeout) < 0 && errno != EINTR) break;
    if (p[i_sig].revents && Reap(signal_fd) && !exited) {
      exited = true;
      if (o_.kill_procs_file) KillListedProcesses(o_.kill_procs_file);
      drain_until = NowMs() + kDrainMs;
    }
    if (p[i_out].revents) ReadOutput(&s_.out, 0);
    if (p[i_err].revents) ReadOutput(&s_.err, 1);
    if (p[i_ctl].revents) HandleControl();
    if (p[i_att].revents) AcceptClient();
    if (p[i_in].revents && s_.in >= 0) {
      ssize_t w = write(s_.in, pending_, pending_len_);
      if (w > 0) {
        memmove(pending_, pending_ + w, pending_len_ - static_cast<size_t>(w));
        pending_len_ -= static_cast<size_t>(w);
      } else if (errno != EAGAIN) {
        pending_len_ = 0;
      }
    }
    for (int i = 0; i < kMaxClients; ++i) {
      if (clients_[i] >= 0 && p[i_cl + i].revents) ReadClient(i);
    }
  }
  log_.Flush();
  for (int i = 0; i < kMaxClients; ++i) {
    if (clients_[i] >= 0) close(clients_[i]);
  }
  return status_;
}

}  // namespace

int RunLoop(const Options& opts, Stdio& stdio, pid_t container, int signal_fd) {
  static Loop loop(opts, stdio, container);  // static: ~100 KiB of buffers off the stack
  return loop.Run(signal_fd);
}

}  // namespace ucr::monitor
