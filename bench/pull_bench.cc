// pull_bench: a cold pull of a big image through the CRI, timed, by ucrd and
// (where Debian's containerd is installed) by containerd's CRI plugin in the
// same run, alternating so both see the same machine load. Prints seconds,
// MB/s (compressed bytes / wall time) and the daemon's peak RSS (VmHWM).
//
//   pull_bench [--image REF] [--runs N] [--no-containerd]
//
// Needs the open registry with the image (hack/bench.sh sets everything up).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api.grpc.pb.h"
#include "common/child_process.h"
#include "common/files.h"
#include "image/http_client.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "nlohmann/json.hpp"

namespace {

namespace v1 = ::runtime::v1;
using Clock = std::chrono::steady_clock;

struct Sample {
  double seconds = 0;
  double peak_rss_mb = 0;
};

struct Daemon {
  pid_t pid = -1;
  std::string socket;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "pull_bench: %s\n", msg.c_str());
  std::exit(1);
}

double PeakRssMb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "VmHWM:")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      double kb = 0;
      if (parts.size() >= 2 && absl::SimpleAtod(parts[1], &kb)) return kb / 1024.0;
    }
  }
  return -1;
}

// Compressed bytes of the image (layers + config), from its manifest.
int64_t CompressedBytes(const std::string& ref_text) {
  absl::StatusOr<ucr::image::Reference> ref = ucr::image::ParseReference(ref_text);
  if (!ref.ok()) Die(std::string(ref.status().message()));
  ucr::image::HttpClient http;
  ucr::image::HttpRequest req;
  req.url = absl::StrCat("http://", ref->domain, "/v2/", ref->path, "/manifests/", ref->ManifestRef());
  req.headers = {absl::StrCat("Accept: ", ucr::image::media::kManifestAccept)};
  absl::StatusOr<ucr::image::HttpResponse> resp = http.Do(req);
  if (!resp.ok() || resp->status != 200) {
    Die(absl::StrCat("cannot read the manifest of ", ref_text, " (push it: hack/images/bench-image.sh)"));
  }
  absl::StatusOr<ucr::image::ParsedManifest> m = ucr::image::ParseManifest(resp->body, resp->Header("content-type"));
  if (!m.ok() || m->is_index) Die("the bench image must be a single-platform manifest");
  int64_t total = m->config.size;
  for (const auto& l : m->layers) total += l.size;
  return total;
}

bool WaitForSocket(const std::string& path, pid_t pid) {
  for (int i = 0; i < 300; ++i) {
    if (::access(path.c_str(), F_OK) == 0) return true;
    if (::kill(pid, 0) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

double TimedPull(const std::string& socket, const std::string& image) {
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = v1::ImageService::NewStub(channel);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30))) {
    Die("cannot connect to " + socket);
  }
  v1::PullImageRequest req;
  req.mutable_image()->set_image(image);
  v1::PullImageResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  auto start = Clock::now();
  grpc::Status st = stub->PullImage(&ctx, req, &resp);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (!st.ok()) Die(absl::StrCat("PullImage on ", socket, ": ", st.error_message()));
  return secs;
}

std::string MakeTempDir(const char* prefix) {
  std::string tmpl = absl::StrCat("/var/tmp/", prefix, "XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
  return tmpl;
}

Sample RunUcrd(const std::string& image) {
  std::string dir = MakeTempDir("ucr-pull-bench-");
  std::string socket = dir + "/ucrd.sock";
  std::string config = absl::StrCat("socket = \"", socket, "\"\nroot_dir = \"", dir, "/root\"\nstate_dir = \"", dir,
                                    "/state\"\nlog_level = \"warn\"\n");
  if (!ucr::WriteFileAtomic(dir + "/config.toml", config).ok()) Die("cannot write the ucrd config");
  ucr::SpawnOptions opts;
  opts.argv = {UCRD_BINARY, "--config", dir + "/config.toml"};
  absl::StatusOr<ucr::ChildProcess> child = ucr::ChildProcess::Spawn(opts);
  if (!child.ok()) Die(std::string(child.status().message()));
  if (!WaitForSocket(socket, child->pid())) Die("ucrd did not start");
  Sample s;
  s.seconds = TimedPull(socket, image);
  s.peak_rss_mb = PeakRssMb(child->pid());
  child->Kill(SIGTERM);
  (void)child->Wait();
  (void)ucr::RemoveTree(dir);
  return s;
}

Sample RunContainerd(const std::string& image) {
  std::string dir = MakeTempDir("ucr-containerd-bench-");
  std::string script = std::string(UCR_SOURCE_DIR) + "/hack/containerd.sh";
  auto run = [&](const char* verb) {
    absl::StatusOr<ucr::CommandResult> r =
        ucr::RunCommand({"/bin/bash", script, verb, dir}, std::nullopt, "", std::chrono::seconds(300));
    if (!r.ok() || r->exit_code != 0) Die(absl::StrCat("containerd.sh ", verb, ": ", r.ok() ? absl::StrCat("exit ", r->exit_code, " timed_out=", r->timed_out, " ", r->out, r->err) : r.status().ToString()));
    return r->out;
  };
  std::string out = run("start");  // "socket=<path> pid=<pid>"
  Daemon d;
  for (absl::string_view kv : absl::StrSplit(absl::StripTrailingAsciiWhitespace(out), ' ')) {
    if (absl::ConsumePrefix(&kv, "socket=")) d.socket = std::string(kv);
    if (absl::ConsumePrefix(&kv, "pid=")) (void)absl::SimpleAtoi(kv, &d.pid);
  }
  if (d.socket.empty() || d.pid <= 0) Die("containerd.sh start printed: " + out);
  Sample s;
  s.seconds = TimedPull(d.socket, image);
  s.peak_rss_mb = PeakRssMb(d.pid);
  run("stop");
  return s;
}

Sample Median(std::vector<Sample> v) {
  std::sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.seconds < b.seconds; });
  Sample m = v[v.size() / 2];
  double rss = 0;
  for (const Sample& s : v) rss = std::max(rss, s.peak_rss_mb);
  m.peak_rss_mb = rss;  // the worst peak over the runs
  return m;
}

void Print(const char* who, int run, const Sample& s, double mb) {
  std::printf("%-10s run %d: %6.2f s  %6.1f MB/s  peak RSS %6.1f MB\n", who, run, s.seconds, mb / s.seconds,
              s.peak_rss_mb);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string image = "127.0.0.1:5100/ucr-bench/big:1";
  int runs = 3;
  bool with_containerd = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--image" && i + 1 < argc) {
      image = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-containerd") {
      with_containerd = false;
    } else {
      Die("usage: pull_bench [--image REF] [--runs N] [--no-containerd]");
    }
  }
  if (::geteuid() != 0) Die("run as root (the daemons mount overlays)");
  const double mb = CompressedBytes(image) / 1e6;
  bool containerd = with_containerd && ::access("/usr/bin/containerd", X_OK) == 0;
  std::printf("pull_bench: %s, %.1f MB compressed, %d cold runs each%s\n", image.c_str(), mb, runs,
              containerd ? ", ucrd and containerd alternating" : " (containerd not installed: ucrd only)");
  std::vector<Sample> u, c;
  for (int r = 1; r <= runs; ++r) {
    u.push_back(RunUcrd(image));
    Print("ucrd", r, u.back(), mb);
    if (containerd) {
      c.push_back(RunContainerd(image));
      Print("containerd", r, c.back(), mb);
    }
  }
  Sample um = Median(u);
  std::printf("ucrd       median: %6.2f s  %6.1f MB/s  peak RSS %6.1f MB (max over runs)\n", um.seconds,
              mb / um.seconds, um.peak_rss_mb);
  if (containerd) {
    Sample cm = Median(c);
    std::printf("containerd median: %6.2f s  %6.1f MB/s  peak RSS %6.1f MB (max over runs)\n", cm.seconds,
                mb / cm.seconds, cm.peak_rss_mb);
    std::printf("ratio ucrd/containerd: time %.2f (target <= 0.50), peak RSS %.2f (target < 1)\n",
                um.seconds / cm.seconds, um.peak_rss_mb / cm.peak_rss_mb);
  }
  return 0;
}
