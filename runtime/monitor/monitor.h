// ucr-monitor: one per container, like conmon. Small and static on purpose:
// no threads, no iostreams, no NSS, no JSON library, no allocation after
// start-up. See runtime/launch/launcher.h for where it sits in the tree.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace ucr::monitor {

constexpr int kMaxOomFiles = 8;

struct Options {
  const char* state_dir = nullptr;    // chdir'ed into; all state files are relative
  const char* init_binary = nullptr;  // ucr-init
  const char* log_path = nullptr;     // CRI log, may be null
  bool tty = false;
  bool stdin_open = false;
  bool stdin_once = false;
  bool pidns_new = false;
  const char* pidns_join = nullptr;
  // memory.oom_control (v1) or memory.events (v2) files whose oom_kill
  // counter going up while the container ran means it was OOM-killed.
  const char* oom_files[kMaxOomFiles] = {};
  int oom_file_count = 0;
  // cgroup.procs of the container's cgroup, for a container without a PID
  // namespace of its own: when its main process exits, whatever it left
  // running there is SIGKILLed (as containerd's shim does), so that leftovers
  // holding the output pipes cannot delay the exit being recorded.
  const char* kill_procs_file = nullptr;
  int sync_fd = -1;  // lines for ucrd: "monitor <pid>", "pid <pid>", "error <code> <msg>"
  // Passed on to ucr-init, which reads its spec there: ucrd starts us while
  // it still prepares the container, and sends the spec when it is done.
  int spec_fd = -1;
  // --spare: started ahead of any container (runtime/launch/spare_monitors.h).
  // We make the stdio pipes and a new pid namespace, fork ucr-init, say
  // "spare <pid>" on the sync fd, then wait on assign_fd for the rest of our
  // arguments (--state-dir, --log, --oom-file) before going on as usual.
  bool spare = false;
  int assign_fd = -1;
};

// main.cc: parses our arguments (or an assignment's) into `o`.
bool ParseArgs(int argc, const char* const* argv, Options* o);

// spare.cc: what became of a spare monitor.
enum class Assignment {
  kAssigned,   // `o` now names the container's state dir, log, oom files
  kDiscarded,  // ucrd dropped us (EOF), or ucr-init died: exit quietly
  kBad,        // an unreadable assignment
};
// Waits for ucrd's assignment on o.assign_fd (closed afterwards), or for the
// SIGCHLD of ucr-init on signal_fd (left pending for the caller).
Assignment AwaitAssignment(Options& o, int signal_fd);

// The container's stdio as the monitor sees it.
struct Stdio {
  int out = -1;  // stdout pipe read end, or the pty master
  int err = -1;  // stderr pipe read end (-1 with a tty)
  int in = -1;   // stdin pipe write end, or the pty master (dup), -1 if none
  int child_in = -1, child_out = -1, child_err = -1;  // the container's ends
  int ctl_listen = -1;                                // ctl.sock
  int attach_listen = -1;                             // attach.sock
};

// state_files.cc
// "<pid> <starttime>\n" written atomically to `name` (relative to the cwd).
bool WritePidFile(const char* name, pid_t pid);
// The process start time (field 22 of /proc/<pid>/stat), 0 if unknown.
unsigned long long ProcessStartTime(pid_t pid);
// Sum of the "oom_kill" counters in the given files.
uint64_t ReadOomKills(const char* const* files, int count);
bool WriteExitFile(int wait_status, bool oom_killed);
// SIGKILLs every pid listed in a cgroup.procs file (no allocation).
void KillListedProcesses(const char* procs_file);
// Appends "<time> <message>\n" to monitor.log in the state dir (our cwd).
void LogMessage(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Writes a full line to the sync fd (ignored if it is closed).
void SyncLine(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// io_loop.cc: runs until the container exited and its output is drained.
// Returns the container's wait status.
int RunLoop(const Options& opts, Stdio& stdio, pid_t container, int signal_fd);

}  // namespace ucr::monitor
