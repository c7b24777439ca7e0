#include "runtime/monitor/cri_log.h"

#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ucr::monitor {

size_t FormatNow(char* out, size_t cap) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

void CriLog::Append(int stream, const char* data, size_t len) {
  while (len > 0) {
    const char* nl = static_cast<const char*>(memchr(data, '\n', len));
    size_t take = nl ? static_cast<size_t>(nl - data) : len;
    size_t room = kMaxLine - len_[stream];
    if (take >= room) {
      // The line does not fit: fill the buffer and emit it as a partial record.
      memcpy(buf_[stream] + len_[stream], data, room);
      len_[stream] += room;
      data += room;
      len -= room;
      // An exact fit followed by the newline is a full line, not a partial one.
      if (len > 0 && data[0] == '\n') {
        Emit(stream, false);
        data++;
        len--;
      } else {
        Emit(stream, true);
      }
      continue;
    }
    memcpy(buf_[stream] + len_[stream], data, take);
    len_[stream] += take;
    data += take;
    len -= take;
    if (nl) {
      Emit(stream, false);
      data++;
      len--;
    }
  }
}

void CriLog::Flush() {
  for (int s = 0; s < 2; ++s) {
    if (len_[s] > 0) Emit(s, false);
  }
}

void CriLog::Emit(int stream, bool partial) {
  if (fd_ >= 0) {
    char head[64];
    size_t n = FormatNow(head, sizeof head);
    const char* tail = stream == 0 ? " stdout " : " stderr ";
    memcpy(head + n, tail, 8);
    n += 8;
    head[n++] = partial ? 'P' : 'F';
    head[n++] = ' ';
    char newline = '\n';
    struct iovec iov[3] = {{head, n}, {buf_[stream], len_[stream]}, {&newline, 1}};
    // O_APPEND: one writev per record keeps records whole. A full disk drops
    // the record rather than blocking the container.
    ssize_t r;
    do {
      r = writev(fd_, iov, 3);
    } while (r < 0 && errno == EINTR);
  }
  len_[stream] = 0;
}

}  // namespace ucr::monitor
