// Helpers for the pod and container end-to-end tests: a fixture ucrd with
// busybox pulled from the local registry, and short CRI calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "test/e2e/ucrd_fixture.h"

namespace ucr::test {

inline constexpr char kBusybox[] = "127.0.0.1:5100/ucr-test/busybox:1";

class PodTest : public UcrdTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A host-network pod (no CNI needed) with the given PID mode and a log dir.
  v1::PodSandboxConfig PodConfig(const std::string& name, v1::NamespaceMode pid = v1::POD);
  std::string RunPod(const v1::PodSandboxConfig& config);
  v1::ContainerConfig ContainerConfig(const std::string& name, const std::vector<std::string>& command,
                                      const std::string& image = kBusybox);
  grpc::Status CreateContainer(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                               const v1::ContainerConfig& config, std::string* id);
  // Create + Start; fails the test on error.
  std::string RunContainer(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                           const v1::ContainerConfig& config);
  grpc::Status StartContainer(const std::string& id);
  grpc::Status StopContainer(const std::string& id, int64_t timeout);
  grpc::Status RemoveContainer(const std::string& id);
  grpc::Status StopPod(const std::string& id);
  grpc::Status RemovePod(const std::string& id);
  v1::ContainerStatus ContainerStatus(const std::string& id);
  v1::PodSandboxStatus PodStatus(const std::string& id);
  // The container's pid from the verbose status (0 when not running).
  pid_t ContainerPid(const std::string& id);
  grpc::Status ExecSync(const std::string& id, const std::vector<std::string>& cmd, int64_t timeout,
                        v1::ExecSyncResponse* resp);
  // Polls ContainerStatus until `state` (or the deadline); returns the last status.
  v1::ContainerStatus WaitForState(const std::string& id, v1::ContainerState state,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::string log_dir() const { return dir_.path() + "/logs"; }
};

// True while `pid` exists and is not a zombie.
bool Alive(pid_t pid);

// readlink /proc/<pid>/ns/<type>, e.g. "net:[4026531992]".
std::string NsId(pid_t pid, const std::string& type);

}  // namespace ucr::test
