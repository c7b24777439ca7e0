// Pod networking through the real daemon: pods on the fixture's e2e network
// (test/e2e/test_network.h: bridge ucre2e0, 198.18.1.0/24) get distinct IPs,
// reach each other, publish a hostPort reachable from the host via 127.0.0.1,
// report their IP in PodSandboxStatus and find it in /etc/hosts; removing
// them releases everything.
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/sharded_dirs.h"
#include "test/e2e/test_network.h"
#include "test/e2e/pod_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Pods on the fixture's e2e network (PodTest's pods are host-network).
class PodNetworkTest : public PodTest {
 protected:
  v1::PodSandboxConfig NetworkPodConfig(const std::string& name, int host_port = 0) {
    v1::PodSandboxConfig c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_namespace_("pod-net-e2e");
    c.mutable_metadata()->set_uid(absl::StrCat("uid-", name, "-", RandomHex(4)));
    c.set_hostname(name);
    c.set_log_directory(dir_.path() + "/logs/" + name);
    if (host_port > 0) {
      v1::PortMapping* p = c.add_port_mappings();
      p->set_protocol(v1::TCP);
      p->set_container_port(8080);
      p->set_host_port(host_port);
    }
    return c;
  }

  // Stops and removes every pod, each of which must succeed.
  void RemovePods() {
    v1::ListPodSandboxResponse pods;
    ASSERT_TRUE(ucrd_.runtime().ListPodSandbox(Context().get(), {}, &pods).ok());
    for (const auto& pod : pods.items()) {
      (void)StopPod(pod.id());
      grpc::Status st = RemovePod(pod.id());
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
  }

  // ExecSync, retried while a server in another pod starts; returns stdout.
  std::string Exec(const std::string& container, const std::vector<std::string>& cmd, int attempts = 1) {
    v1::ExecSyncResponse resp;
    for (int i = 0; i < attempts; ++i) {
      resp.Clear();
      grpc::Status st = ExecSync(container, cmd, 10, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (resp.exit_code() == 0) return resp.stdout();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "exec failed with " << resp.exit_code() << ": " << resp.stderr();
    return "";
  }
};

TEST_F(PodNetworkTest, PodsTalkAndPublishAHostPort) {
  int host_port = 30000 + static_cast<int>(std::stoul(RandomHex(2), nullptr, 16) % 5000);
  v1::PodSandboxConfig server_config = NetworkPodConfig("web", host_port);
  std::string server = RunPod(server_config);
  ASSERT_FALSE(server.empty());
  v1::PodSandboxConfig client_config = NetworkPodConfig("client");
  std::string client = RunPod(client_config);
  ASSERT_FALSE(client.empty());

  std::string server_ip = PodStatus(server).network().ip();
  std::string client_ip = PodStatus(client).network().ip();
  EXPECT_THAT(server_ip, StartsWith("198.18.1."));
  EXPECT_THAT(client_ip, StartsWith("198.18.1."));
  EXPECT_NE(server_ip, client_ip);

  // httpd serves the pod's /etc: /hostname and /hosts say who answered.
  std::string web = RunContainer(server, server_config,
                                 ContainerConfig("main", {"/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"}));
  std::string sleeper = RunContainer(client, client_config, ContainerConfig("main", {"/bin/busybox", "sleep", "3600"}));
  EXPECT_EQ(Exec(sleeper, {"/bin/busybox", "wget", "-q", "-O", "-", absl::StrCat("http://", server_ip, ":8080/hostname")}, 25),
            "web\n");
  std::string hosts = Exec(web, {"/bin/busybox", "cat", "/etc/hosts"});
  EXPECT_THAT(hosts, HasSubstr(server_ip));
  EXPECT_THAT(hosts, HasSubstr("web"));

  // The hostPort from the host, through 127.0.0.1.
  absl::StatusOr<CommandResult> fetched = RunCommand(
      {"/bin/busybox", "wget", "-q", "-O", "-", absl::StrCat("http://127.0.0.1:", host_port, "/hostname")},
      std::nullopt, "", std::chrono::seconds(10));
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->out, "web\n") << fetched->err;

  // Stop and remove: the addresses go back to host-local, the cache is empty.
  RemovePods();
  for (const std::string& ip : {server_ip, client_ip}) {
    EXPECT_FALSE(ReadFile(absl::StrCat(kE2eIpamDir, "/", kE2eNetworkName, "/", ip)).ok()) << ip << " still held";
  }
  absl::StatusOr<std::string> leftovers = ReadFile(ucrd_.root_dir() + "/network/results/" + server + "-eth0.json");
  EXPECT_FALSE(leftovers.ok());
}

// Entries of `dir`; none when it is missing.
std::vector<std::string> Entries(const std::string& dir) { return ListDir(dir).value_or(std::vector<std::string>()); }

// The CNI ADD runs beside the pod's cgroup, /dev/shm and files: when it fails
// (here `tuning`, after the bridge attached the pod, on a sysctl that does not
// exist) RunPodSandbox fails naming the plugin and the rollback leaves nothing:
// no record or state dir, no cache entry, no veth, no IP held. A private
// bridge and subnet (198.18.2.0/24) so that the leftovers are this test's.
TEST_F(PodNetworkTest, FailedAddLeavesNothingBehind) {
  const std::string ipam = dir_.path() + "/fail-ipam";
  const std::string bridge = "ucrf" + RandomHex(3);
  ASSERT_TRUE(WriteFileAtomic(ucrd_.cni_conf_dir() + "/00-fail.conflist", absl::StrCat(
      R"({"cniVersion": "1.0.0", "name": "ucr-e2e-fail", "plugins": [
  {"type": "bridge", "bridge": ")", bridge, R"(", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "198.18.2.0/24"}]], "dataDir": ")", ipam, R"("}},
  {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.no_such_knob": "1"}}]})")).ok());
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = NetworkPodConfig("doomed");
  req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_ipc(v1::POD);
  v1::RunPodSandboxResponse resp;
  grpc::Status st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.error_message(), HasSubstr("tuning"));

  v1::ListPodSandboxResponse listed;
  ASSERT_TRUE(ucrd_.runtime().ListPodSandbox(Context().get(), {}, &listed).ok());
  EXPECT_EQ(listed.items_size(), 0);
  EXPECT_THAT(ListShardedDir(ucrd_.root_dir() + "/sandboxes").value(), ::testing::IsEmpty());
  EXPECT_THAT(Entries(ucrd_.state_dir() + "/sandboxes"), ::testing::IsEmpty());
  EXPECT_THAT(Entries(ucrd_.root_dir() + "/network/results"), ::testing::IsEmpty());
  EXPECT_THAT(Entries("/sys/class/net/" + bridge + "/brif"), ::testing::IsEmpty()) << "a veth is left";
  for (const std::string& f : Entries(ipam + "/ucr-e2e-fail")) {
    EXPECT_TRUE(f == "lock" || absl::StartsWith(f, "last_reserved_ip")) << "IP still held: " << f;
  }
  (void)RunCommand({"/usr/sbin/ip", "link", "del", bridge}, std::nullopt, "", std::chrono::seconds(10));
}

}  // namespace
}  // namespace ucr::test
