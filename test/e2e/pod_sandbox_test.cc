// Pod sandboxes end to end: pinned namespaces, pod init, pod files, state,
// retries and name reuse, idempotent stop/remove, bad input.
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/paths.h"
#include "nlohmann/json.hpp"
#include "test/e2e/pod_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class PodSandboxTest : public PodTest {};

bool IsNsfs(const std::string& path) {
  struct statfs fs;
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

TEST_F(PodSandboxTest, RunPinsNamespacesStartsInitAndWritesPodFiles) {
  v1::PodSandboxConfig config = PodConfig("pinned");
  config.mutable_dns_config()->add_servers("198.18.0.53");
  config.mutable_dns_config()->add_searches("e2e.svc");
  std::string pod = RunPod(config);
  ASSERT_FALSE(pod.empty());
  const std::string state = absl::StrCat(ucrd_.state_dir(), "/sandboxes/", pod);
  // Host network: no net/uts pin; IPC is the pod's own.
  EXPECT_TRUE(IsNsfs(state + "/ns/ipc"));
  EXPECT_FALSE(IsNsfs(state + "/ns/net"));
  EXPECT_EQ(*ReadFile(state + "/resolv.conf"), "search e2e.svc\nnameserver 198.18.0.53\n");
  EXPECT_EQ(*ReadFile(state + "/hostname"), "pinned\n");
  struct statfs shm;
  ASSERT_EQ(::statfs((state + "/shm").c_str(), &shm), 0);
  EXPECT_EQ(shm.f_type, TMPFS_MAGIC);

  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(pod);
  req.set_verbose(true);
  v1::PodSandboxStatusResponse resp;
  ASSERT_TRUE(ucrd_.runtime().PodSandboxStatus(Context().get(), req, &resp).ok());
  EXPECT_EQ(resp.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(resp.status().metadata().name(), "pinned");
  EXPECT_EQ(resp.status().labels().at("test"), "pods");
  EXPECT_EQ(resp.status().linux().namespaces().options().network(), v1::NODE);
  EXPECT_FALSE(resp.status().network().ip().empty());  // the host's IP for a host-network pod
  nlohmann::json info = nlohmann::json::parse(resp.info().at("info"));
  pid_t init = info["init_pid"].get<pid_t>();
  ASSERT_GT(init, 0);
  EXPECT_EQ(::kill(init, 0), 0);
  EXPECT_NE(NsId(init, "pid"), NsId(::getpid(), "pid"));
  EXPECT_NE(NsId(init, "ipc"), NsId(::getpid(), "ipc"));

  ASSERT_TRUE(StopPod(pod).ok());
  EXPECT_EQ(PodStatus(pod).state(), v1::SANDBOX_NOTREADY);
  EXPECT_FALSE(IsNsfs(state + "/ns/ipc"));
  for (int i = 0; i < 100 && Alive(init); ++i) usleep(10000);
  EXPECT_FALSE(Alive(init)) << "pod init still alive after StopPodSandbox";
  ASSERT_TRUE(RemovePod(pod).ok());
  struct stat st;
  EXPECT_NE(::stat(state.c_str(), &st), 0);
  EXPECT_NE(::stat(Paths(ucrd_.root_dir(), ucrd_.state_dir()).SandboxDir(pod).c_str(), &st), 0);
}

TEST_F(PodSandboxTest, StopAndRemoveAreIdempotentAndTolerateUnknownPods) {
  std::string pod = RunPod(PodConfig("idem"));
  EXPECT_TRUE(StopPod(pod).ok());
  EXPECT_TRUE(StopPod(pod).ok());
  EXPECT_TRUE(RemovePod(pod).ok());
  EXPECT_TRUE(RemovePod(pod).ok());
  EXPECT_TRUE(StopPod(pod).ok());
  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(pod);
  v1::PodSandboxStatusResponse resp;
  grpc::Status st = ucrd_.runtime().PodSandboxStatus(Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr(pod));
}

TEST_F(PodSandboxTest, RetryOfSameRequestGetsSamePodAndOtherRequestIsAlreadyExists) {
  v1::PodSandboxConfig config = PodConfig("retry");
  std::string first = RunPod(config);
  std::string again = RunPod(config);
  EXPECT_EQ(first, again);
  config.set_hostname("other-host");
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = config;
  v1::RunPodSandboxResponse resp;
  grpc::Status st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(st.error_message(), HasSubstr(first));
  // A new attempt is a new pod.
  config.mutable_metadata()->set_attempt(1);
  std::string second = RunPod(config);
  EXPECT_NE(second, first);
}

TEST_F(PodSandboxTest, BadRequestsGetClearErrors) {
  v1::RunPodSandboxRequest req;
  v1::RunPodSandboxResponse resp;
  grpc::Status st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("metadata"));

  *req.mutable_config() = PodConfig("");
  st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("name"));

  // A network namespace mode a pod cannot have.
  *req.mutable_config() = PodConfig("badnet");
  req.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(v1::CONTAINER);
  st = ucrd_.runtime().RunPodSandbox(Context().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("network"));
  v1::ListPodSandboxResponse list;
  ASSERT_TRUE(ucrd_.runtime().ListPodSandbox(Context().get(), {}, &list).ok());
  EXPECT_EQ(list.items_size(), 0) << "a failed RunPodSandbox left a pod behind";
}

TEST_F(PodSandboxTest, ListFiltersByIdPrefixStateAndLabels) {
  v1::PodSandboxConfig a = PodConfig("list-a");
  (*a.mutable_labels())["app"] = "a";
  v1::PodSandboxConfig b = PodConfig("list-b");
  (*b.mutable_labels())["app"] = "b";
  std::string pa = RunPod(a), pb = RunPod(b);
  ASSERT_TRUE(StopPod(pb).ok());

  auto list = [&](const v1::PodSandboxFilter& filter) {
    v1::ListPodSandboxRequest req;
    *req.mutable_filter() = filter;
    v1::ListPodSandboxResponse resp;
    EXPECT_TRUE(ucrd_.runtime().ListPodSandbox(Context().get(), req, &resp).ok());
    std::vector<std::string> ids;
    for (const auto& p : resp.items()) ids.push_back(p.id());
    return ids;
  };
  v1::PodSandboxFilter f;
  EXPECT_EQ(list(f).size(), 2u);
  f.set_id(pa.substr(0, 12));
  EXPECT_EQ(list(f), std::vector<std::string>{pa});
  f.Clear();
  f.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  EXPECT_EQ(list(f), std::vector<std::string>{pb});
  f.Clear();
  (*f.mutable_label_selector())["app"] = "a";
  EXPECT_EQ(list(f), std::vector<std::string>{pa});
  // Status accepts a unique short prefix too.
  EXPECT_EQ(PodStatus(pa.substr(0, 12)).id(), pa);
}

}  // namespace
}  // namespace ucr::test
