// The monitor's sockets, shared by ucr-monitor and its clients in ucrd.
//
// attach.sock (SOCK_SEQPACKET): every packet starts with one type byte.
//   monitor → client: kStdout/kStderr + the bytes the container wrote. A client
//     that cannot keep up loses packets (the log file keeps everything). The
//     connection closes when the container has exited.
//   client → monitor: kStdin + bytes for the container's stdin (when it has
//     one); kCloseStdin; kResize + uint16 rows + uint16 cols (host order, tty).
//
// ctl.sock (SOCK_SEQPACKET): one request, one reply, then close.
//   "reopen" → "ok" once the log file has been reopened, or "error <errno>".
#pragma once

#include <cstdint>

namespace ucr::monitor {

enum AttachPacket : uint8_t {
  kStdin = 0,
  kStdout = 1,
  kStderr = 2,
  kCloseStdin = 3,
  kResize = 4,
};

constexpr int kMaxPacket = 32 * 1024;
constexpr const char kReopenRequest[] = "reopen";

}  // namespace ucr::monitor
