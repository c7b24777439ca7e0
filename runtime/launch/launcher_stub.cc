// Placeholder bodies so the API can be merged early; replaced file by file.
#include "runtime/launch/launcher.h"

namespace ucr::runtime {

const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",   "CAP_AUDIT_WRITE"};
  return caps;
}

LauncherOptions LauncherOptions::Defaults() { return {}; }
Launcher::Launcher(LauncherOptions options) : options_(std::move(options)) {}
absl::StatusOr<CreatedContainer> Launcher::Create(const ContainerSpec&) {
  return absl::UnimplementedError("launcher: not yet");
}
absl::Status Launcher::Start(const std::string&) { return absl::UnimplementedError("not yet"); }
absl::Status Launcher::Signal(const std::string&, int) { return absl::UnimplementedError("not yet"); }
absl::StatusOr<std::optional<ExitStatus>> Launcher::ReadExit(const std::string&) {
  return absl::UnimplementedError("not yet");
}
absl::StatusOr<std::optional<ExitStatus>> Launcher::WaitExit(const std::string&,
                                                             std::chrono::milliseconds) {
  return absl::UnimplementedError("not yet");
}
bool Launcher::MonitorAlive(const std::string&) { return false; }
std::optional<pid_t> Launcher::ContainerPid(const std::string&) { return std::nullopt; }
std::optional<pid_t> Launcher::MonitorPid(const std::string&) { return std::nullopt; }
absl::Status Launcher::ReopenLog(const std::string&) { return absl::UnimplementedError("not yet"); }
absl::Status Launcher::Destroy(const std::string&) { return absl::UnimplementedError("not yet"); }
absl::StatusOr<ExecResult> Launcher::ExecSync(const ExecSpec&, std::chrono::milliseconds, size_t) {
  return absl::UnimplementedError("not yet");
}
absl::StatusOr<ExecProcess> Launcher::SpawnExec(const ExecSpec&, int, int, int) {
  return absl::UnimplementedError("not yet");
}

}  // namespace ucr::runtime
