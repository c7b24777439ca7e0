#include "test/e2e/ucrd_fixture.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <stdlib.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/scoped_mount.h"
#include "common/unique_fd.h"
#include "test/e2e/test_network.h"

namespace ucr::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/ucr-e2e-XXXXXX";
  char* made = ::mkdtemp(tmpl);
  if (made == nullptr) abort();
  path_ = made;
}

TempDir::~TempDir() {
  // Mounts a crashed daemon or container left must go before the files.
  (void)UnmountAllUnder(path_);
  (void)RemoveTree(path_);
}

static bool SocketAccepts(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

Ucrd::~Ucrd() {
  if (running()) Stop(std::chrono::seconds(10));
}

std::vector<std::string> Ucrd::BaseArgs() const {
  return {UCRD_BINARY, "--config", config_path(), "--log_level", "debug", "--cni_conf_dir", cni_conf_dir()};
}

::testing::AssertionResult Ucrd::Start(const std::string& extra_config_toml,
                                       const std::vector<std::string>& extra_args) {
  std::string config = absl::StrCat("socket = \"", socket_path(), "\"\nroot_dir = \"", root_dir(),
                                    "\"\nstate_dir = \"", state_dir(), "\"\n", extra_config_toml);
  if (absl::Status st = WriteFileAtomic(config_path(), config); !st.ok()) {
    return ::testing::AssertionFailure() << st;
  }
  if (absl::Status st = WriteE2eNetworkConfig(cni_conf_dir()); !st.ok()) {
    return ::testing::AssertionFailure() << st;
  }
  std::vector<std::string> args = BaseArgs();
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  UniqueFd log(::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  SpawnOptions opts;
  opts.argv = args;
  opts.stdout_fd = log.get();
  opts.stderr_fd = log.get();
  absl::StatusOr<ChildProcess> child = ChildProcess::Spawn(opts);
  if (!child.ok()) return ::testing::AssertionFailure() << child.status();
  process_ = std::move(*child);

  // Wait until the daemon accepts connections, then open the channel: a gRPC
  // channel that failed its first connect backs off for seconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::optional<int>> exited = process_.WaitFor(std::chrono::milliseconds(0));
    if (exited.ok() && exited->has_value()) {
      return ::testing::AssertionFailure() << "ucrd exited during start-up with status "
                                           << **exited << "; log:\n" << ReadLog();
    }
    if (SocketAccepts(socket_path())) {
      channel_ = grpc::CreateChannel("unix:" + socket_path(), grpc::InsecureChannelCredentials());
      runtime_ = v1::RuntimeService::NewStub(channel_);
      image_ = v1::ImageService::NewStub(channel_);
      v1::VersionResponse resp;
      grpc::Status st = runtime_->Version(Context(std::chrono::seconds(10)).get(), {}, &resp);
      if (st.ok()) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << "Version failed: " << st.error_message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ::testing::AssertionFailure() << "ucrd did not answer within 30s; log:\n" << ReadLog();
}

int Ucrd::Stop(std::chrono::seconds grace) {
  if (!running()) return -1;
  process_.Kill(SIGTERM);
  absl::StatusOr<std::optional<int>> exited = process_.WaitFor(grace);
  if (exited.ok() && exited->has_value()) return ExitCodeFromWaitStatus(**exited);
  process_.Kill(SIGKILL);
  (void)process_.Wait();
  return -1;
}

void Ucrd::Kill() {
  if (!running()) return;
  process_.Kill(SIGKILL);
  (void)process_.Wait();
}

std::string Ucrd::ReadLog() const {
  absl::StatusOr<std::string> text = ReadFile(log_path());
  return text.ok() ? *text : std::string("(no log)");
}

std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

CommandResult RunUcrdCommand(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {UCRD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = RunCommand(argv, std::nullopt, "", std::chrono::seconds(30));
  if (!result.ok()) {
    ADD_FAILURE() << result.status();
    return {};
  }
  return *result;
}

void UcrdTest::TearDown() {
  // UCR_TEST_SHOW_LOG=1 prints the daemon's log for passing tests too.
  if (HasFailure() || getenv("UCR_TEST_SHOW_LOG") != nullptr) {
    std::string log = ucrd_.ReadLog();
    if (log.size() > 20000) log = log.substr(log.size() - 20000);
    std::fprintf(stderr, "---- ucrd log (tail) ----\n%s\n---- end of ucrd log ----\n", log.c_str());
  }
}

}  // namespace ucr::test
