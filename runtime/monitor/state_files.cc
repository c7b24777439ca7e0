#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/monitor/cri_log.h"
#include "runtime/monitor/monitor.h"

namespace ucr::monitor {
namespace {

// tmp + rename: readers see the old or the new file, never a torn one. No
// fsync: these files describe live processes, which a power loss ends too.
bool WriteAtomic(const char* name, const char* data, size_t len) {
  char tmp[256];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write(fd, data, len) == static_cast<ssize_t>(len);
  close(fd);
  if (!ok || rename(tmp, name) != 0) {
    unlink(tmp);
    return false;
  }
  return true;
}

// Reads a small file into `buf` (NUL-terminated); returns its length or -1.
ssize_t ReadSmall(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  return n;
}

}  // namespace

unsigned long long ProcessStartTime(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (ReadSmall(path, buf, sizeof buf) <= 0) return 0;
  // The command name may hold spaces and parentheses: count fields after the last ')'.
  const char* p = strrchr(buf, ')');
  if (!p) return 0;
  int field = 2;
  while (*p && field < 22) {
    if (*p == ' ') ++field;
    ++p;
  }
  return strtoull(p, nullptr, 10);
}

bool WritePidFile(const char* name, pid_t pid) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%d %llu\n", pid, ProcessStartTime(pid));
  // Written once, before the monitor tells ucrd it exists, so no reader can
  // see it half-written: no tmp file and rename needed (each a new inode).
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write(fd, buf, static_cast<size_t>(n)) == n;
  close(fd);
  return ok;
}

uint64_t ReadOomKills(const char* const* files, int count) {
  uint64_t total = 0;
  char buf[1024];
  for (int i = 0; i < count; ++i) {
    if (ReadSmall(files[i], buf, sizeof buf) <= 0) continue;
    const char* p = strstr(buf, "oom_kill ");
    if (p) total += strtoull(p + 9, nullptr, 10);
  }
  return total;
}

bool WriteExitFile(int wait_status, bool oom_killed) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long now_ns = static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  int code = -1, sig = 0;
  if (WIFEXITED(wait_status)) code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) {
    sig = WTERMSIG(wait_status);
    code = 128 + sig;
  }
  char buf[256];
  int n = snprintf(buf, sizeof buf,
                   "{\"exit_code\":%d,\"signal\":%d,\"finished_at_ns\":%lld,\"oom_killed\":%s}\n",
                   code, sig, now_ns, oom_killed ? "true" : "false");
  return WriteAtomic("exit.json", buf, static_cast<size_t>(n));
}

void LogMessage(const char* fmt, ...) {
  char buf[512];
  size_t n = FormatNow(buf, sizeof buf);
  buf[n++] = ' ';
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
  va_end(ap);
  if (m < 0) return;
  n += static_cast<size_t>(m) < sizeof buf - n - 1 ? static_cast<size_t>(m) : sizeof buf - n - 2;
  buf[n++] = '\n';
  // Opened per message, which is rare: a monitor with nothing to say creates no file.
  int fd = open("monitor.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, buf, n);
  (void)w;
  close(fd);
}

void SyncLine(int fd, const char* fmt, ...) {
  if (fd < 0) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (m < 0) return;
  size_t n = static_cast<size_t>(m) < sizeof buf - 1 ? static_cast<size_t>(m) : sizeof buf - 2;
  buf[n++] = '\n';
  ssize_t w = write(fd, buf, n);
  (void)w;
}

void KillListedProcesses(const char* procs_file) {
  int fd = open(procs_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  pid_t pid = 0;
  bool in_number = false;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] >= '0' && buf[i] <= '9') {
        pid = pid * 10 + (buf[i] - '0');
        in_number = true;
      } else {
        if (in_number && pid > 1 && pid != getpid()) kill(pid, SIGKILL);
        pid = 0;
        in_number = false;
      }
    }
  }
  if (in_number && pid > 1 && pid != getpid()) kill(pid, SIGKILL);
  close(fd);
}

}  // namespace ucr::monitor
