#include "ucrd/server.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/log.h"
#include "common/paths.h"
#include "cri/call.h"
#include "cri/image_service.h"
#include "cri/runtime_service.h"
#include "ucrd/runtime_setup.h"
#include "image/image_manager.h"
#include "network/cni_network.h"
#include "ucrd/single_instance.h"

namespace ucr::daemon {
namespace {

// Image manifests and container lists can be large; containerd allows 16 MiB too.
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;
// How long in-flight calls may run on after SIGTERM before they are cancelled.
constexpr auto kShutdownGrace = std::chrono::seconds(30);

int Fail(absl::string_view what, const absl::Status& status) {
  log::Error("%s: %s", what, status.message());
  return 1;
}

absl::Status PrepareDirs(const Config& config) {
  const std::pair<const char*, std::string> dirs[] = {
      {"root_dir", config.root_dir},
      {"state_dir", config.state_dir},
      {"socket", std::filesystem::path(config.socket_path).parent_path().string()},
  };
  for (const auto& [key, dir] : dirs) {
    if (absl::Status st = EnsureUsableDir(dir); !st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key \"", key, "\": directory ", dir, " is unusable: ", st.message()));
    }
  }
  return absl::OkStatus();
}

int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace

int Serve(const Config& config) {
  if (auto level = log::ParseLevel(config.log_level); level.ok()) log::SetLevel(*level);
  if (absl::Status st = PrepareDirs(config); !st.ok()) return Fail("start-up", st);

  Paths paths(config.root_dir, config.state_dir);
  absl::StatusOr<UniqueFd> lock = LockRootDir(paths.LockFile());
  if (!lock.ok()) return Fail("start-up", lock.status());
  if (absl::Status st = ClearStaleSocket(config.socket_path); !st.ok()) return Fail("start-up", st);

  network::CniNetwork pod_network({.conf_dir = config.cni_conf_dir,
                                   .bin_dirs = config.cni_bin_dirs,
                                   .cache_dir = paths.NetworkResultsDir(),
                                   .plugin_timeout = std::chrono::milliseconds(config.cni_plugin_timeout_ms),
                                   .default_network = config.cni_default_network});
  if (absl::Status st = pod_network.Recover(); !st.ok()) log::Warn("CNI recovery: %s", st.message());

  image::ImageManager images(&config, paths);
  if (absl::Status st = images.Recover(); !st.ok()) return Fail("start-up: image store", st);
  absl::StatusOr<RuntimeParts> runtime = BuildRuntime(paths, &images, &pod_network, config.spare_monitors);
  if (!runtime.ok()) return Fail("start-up", runtime.status());
  // RemoveImage keeps images that containers use.
  images.SetInUseChecker([containers = runtime->containers.get()](const std::string& image_id) {
    return containers->ImageInUse(image_id);
  });

  cri::Services services{&config, runtime->sandboxes.get(), runtime->containers.get()};
  services.images = &images;
  services.network = &pod_network;
  cri::RuntimeService runtime_service(services);
  cri::ImageService image_service(services);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort("unix:" + config.socket_path, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Sync-server pollers notice shutdown only when their completion-queue wait
  // times out; the default (seconds) would delay every SIGTERM by that much.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 200);
  // A poller that takes a call spawns a replacement first, on the call's own
  // time, whenever fewer than MIN_POLLERS would be left; idle ones above it
  // exit at each timeout. Keeping a few idle spares ends that churn of a
  // thread created and destroyed per call.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 4);
  builder.RegisterService(&runtime_service);
  builder.RegisterService(&image_service);

  // The socket is created inside BuildAndStart: a tight umask keeps it from
  // ever being world-accessible before the chmod below.
  mode_t old_umask = ::umask(0117);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ::umask(old_umask);
  if (!server || bound_port == 0) {
    return Fail("start-up", absl::UnavailableError(absl::StrCat("cannot listen on ", config.socket_path)));
  }
  if (::chmod(config.socket_path.c_str(), 0660) != 0) {
    log::Warn("chmod 0660 %s: %s", config.socket_path, strerror(errno));
  }
  log::Info("ucrd %s serving the CRI on unix://%s (root %s, state %s, config from %s)", UCR_VERSION,
            config.socket_path, config.root_dir, config.state_dir, config.source);

  int sig = WaitForStopSignal();
  log::Info("received %s: no new calls; waiting up to %llds for calls in flight", strsignal(sig),
            static_cast<long long>(kShutdownGrace.count()));
  cri::BeginDrain();
  if (!cri::WaitForCallsInFlight(absl::Now() + absl::FromChrono(kShutdownGrace))) {
    log::Warn("calls still running after %llds; cancelling them",
              static_cast<long long>(kShutdownGrace.count()));
  }
  // Nothing is in flight now: close connections at once. (A graceful gRPC
  // shutdown would also wait for idle clients such as the kubelet to hang up.)
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  ::unlink(config.socket_path.c_str());
  log::Info("ucrd stopped; containers were left running");
  return 0;
}

}  // namespace ucr::daemon
