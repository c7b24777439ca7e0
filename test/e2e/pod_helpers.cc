#include "test/e2e/pod_helpers.h"

#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "nlohmann/json.hpp"

namespace ucr::test {

void PodTest::SetUp() {
  ASSERT_TRUE(ucrd_.Start());
  v1::PullImageRequest req;
  req.mutable_image()->set_image(kBusybox);
  v1::PullImageResponse resp;
  grpc::Status st = ucrd_.image().PullImage(Context(std::chrono::seconds(120)).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << "pull " << kBusybox << ": " << st.error_message();
}

void PodTest::TearDown() {
  // Leave no container or pod behind, even when the test failed half-way.
  if (ucrd_.running()) {
    v1::ListPodSandboxResponse pods;
    if (ucrd_.runtime().ListPodSandbox(Context().get(), {}, &pods).ok()) {
      for (const auto& pod : pods.items()) (void)RemovePod(pod.id());
    }
  }
  UcrdTest::TearDown();
}

v1::PodSandboxConfig PodTest::PodConfig(const std::string& name, v1::NamespaceMode pid) {
  v1::PodSandboxConfig c;
  c.mutable_metadata()->set_name(name);
  c.mutable_metadata()->set_namespace_("e2e");
  c.mutable_metadata()->set_uid(absl::StrCat(name, "-uid"));
  c.set_hostname(name);
  c.set_log_directory(log_dir());
  (*c.mutable_labels())["test"] = "pods";
  auto* ns = c.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  ns->set_network(v1::NODE);
  ns->set_pid(pid);
  ns->set_ipc(v1::POD);
  return c;
}

std::string PodTest::RunPod(const v1::PodSandboxConfig& config) {
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = config;
  v1::RunPodSandboxResponse resp;
  grpc::Status st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.pod_sandbox_id();
}

v1::ContainerConfig PodTest::ContainerConfig(const std::string& name, const std::vector<std::string>& command,
                                             const std::string& image) {
  v1::ContainerConfig c;
  c.mutable_metadata()->set_name(name);
  c.mutable_image()->set_image(image);
  for (const std::string& arg : command) c.add_command(arg);
  c.set_log_path(absl::StrCat(name, ".log"));
  return c;
}

grpc::Status PodTest::CreateContainer(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                                      const v1::ContainerConfig& config, std::string* id) {
  v1::CreateContainerRequest req;
  req.set_pod_sandbox_id(pod);
  *req.mutable_config() = config;
  *req.mutable_sandbox_config() = pod_config;
  v1::CreateContainerResponse resp;
  grpc::Status st = ucrd_.runtime().CreateContainer(Context().get(), req, &resp);
  if (id != nullptr) *id = resp.container_id();
  return st;
}

std::string PodTest::RunContainer(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                                  const v1::ContainerConfig& config) {
  std::string id;
  grpc::Status st = CreateContainer(pod, pod_config, config, &id);
  EXPECT_TRUE(st.ok()) << st.error_message();
  st = StartContainer(id);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return id;
}

grpc::Status PodTest::StartContainer(const std::string& id) {
  v1::StartContainerRequest req;
  req.set_container_id(id);
  v1::StartContainerResponse resp;
  return ucrd_.runtime().StartContainer(Context().get(), req, &resp);
}

grpc::Status PodTest::StopContainer(const std::string& id, int64_t timeout) {
  v1::StopContainerRequest req;
  req.set_container_id(id);
  req.set_timeout(timeout);
  v1::StopContainerResponse resp;
  return ucrd_.runtime().StopContainer(Context().get(), req, &resp);
}

grpc::Status PodTest::RemoveContainer(const std::string& id) {
  v1::RemoveContainerRequest req;
  req.set_container_id(id);
  v1::RemoveContainerResponse resp;
  return ucrd_.runtime().RemoveContainer(Context().get(), req, &resp);
}

grpc::Status PodTest::StopPod(const std::string& id) {
  v1::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(id);
  v1::StopPodSandboxResponse resp;
  return ucrd_.runtime().StopPodSandbox(Context().get(), req, &resp);
}

grpc::Status PodTest::RemovePod(const std::string& id) {
  v1::RemovePodSandboxRequest req;
  req.set_pod_sandbox_id(id);
  v1::RemovePodSandboxResponse resp;
  return ucrd_.runtime().RemovePodSandbox(Context().get(), req, &resp);
}

v1::ContainerStatus PodTest::ContainerStatus(const std::string& id) {
  v1::ContainerStatusRequest req;
  req.set_container_id(id);
  v1::ContainerStatusResponse resp;
  grpc::Status st = ucrd_.runtime().ContainerStatus(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.status();
}

v1::PodSandboxStatus PodTest::PodStatus(const std::string& id) {
  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(id);
  v1::PodSandboxStatusResponse resp;
  grpc::Status st = ucrd_.runtime().PodSandboxStatus(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.status();
}

pid_t PodTest::ContainerPid(const std::string& id) {
  v1::ContainerStatusRequest req;
  req.set_container_id(id);
  req.set_verbose(true);
  v1::ContainerStatusResponse resp;
  if (!ucrd_.runtime().ContainerStatus(Context().get(), req, &resp).ok()) return 0;
  nlohmann::json info = nlohmann::json::parse(resp.info().at("info"), nullptr, false);
  return info.is_object() ? info.value("pid", 0) : 0;
}

grpc::Status PodTest::ExecSync(const std::string& id, const std::vector<std::string>& cmd, int64_t timeout,
                               v1::ExecSyncResponse* resp) {
  v1::ExecSyncRequest req;
  req.set_container_id(id);
  for (const std::string& arg : cmd) req.add_cmd(arg);
  req.set_timeout(timeout);
  return ucrd_.runtime().ExecSync(Context().get(), req, resp);
}

v1::ContainerStatus PodTest::WaitForState(const std::string& id, v1::ContainerState state,
                                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  v1::ContainerStatus status;
  do {
    status = ContainerStatus(id);
    if (status.state() == state) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return status;
}

bool Alive(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return false;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
}

std::string NsId(pid_t pid, const std::string& type) {
  char buf[128] = {};
  std::string path = absl::StrCat("/proc/", pid, "/ns/", type);
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

}  // namespace ucr::test
