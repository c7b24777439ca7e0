// Talks the OCI distribution / Docker Registry v2 API to one endpoint (a
// mirror or the registry itself) for one repository: manifests with the
// right Accept header, blobs streamed to a sink, and the authentication
// dance (Basic, or a Bearer token from the WWW-Authenticate challenge's
// realm), with the Authorization header reused across the whole pull and
// shared by the threads that download layers.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/config.h"
#include "image/auth.h"
#include "image/http_client.h"
#include "image/manifest.h"

namespace ucr::image {

struct Endpoint {
  std::string base_url;  // "https://registry-1.docker.io", "http://127.0.0.1:5100"
  std::string registry;  // the registry host of the reference, for messages
  bool mirror = false;
  bool verify_tls = true;
  Credentials creds;
};

// The endpoints to try for `domain`, in order: its configured mirrors, then
// the registry itself (docker.io → registry-1.docker.io). HTTPS unless the
// config marks the host insecure, or it is a loopback host (localhost,
// 127.0.0.0/8, ::1), which is plain HTTP as with containerd. `request_creds`
// (from the CRI call) override the config's credentials of the registry;
// a mirror uses the credentials of its own host's table, if any.
absl::StatusOr<std::vector<Endpoint>> EndpointsFor(const Config& config, absl::string_view domain,
                                                   const Credentials& request_creds);

bool IsLoopbackHost(absl::string_view host_port);

struct FetchedManifest {
  std::string body;
  std::string content_type;
  std::string digest;  // sha256 of body
};

class RegistrySession {
 public:
  RegistrySession(Endpoint endpoint, std::string repository)
      : endpoint_(std::move(endpoint)), repo_(std::move(repository)) {}

  const Endpoint& endpoint() const { return endpoint_; }

  // GET a manifest or index by tag or digest. NOT_FOUND names the reference;
  // a digest reference must match the body.
  absl::StatusOr<FetchedManifest> GetManifest(HttpClient& http, absl::string_view tag_or_digest);

  // GET a blob, passing its bytes to `sink` as they arrive.
  absl::Status GetBlob(HttpClient& http, absl::string_view digest,
                       const std::function<absl::Status(absl::string_view)>& sink,
                       const std::atomic<bool>* cancel);

  // How many tokens this session fetched (tests and logs).
  int tokens_fetched() const { return tokens_fetched_.load(); }

 private:
  std::string Url(absl::string_view kind, absl::string_view ref) const;
  absl::StatusOr<HttpResponse> Send(HttpClient& http, HttpRequest request);
  absl::Status Authenticate(HttpClient& http, const HttpResponse& challenge, const std::string& used);
  absl::Status FetchToken(HttpClient& http, const Challenge& challenge) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ErrorFor(const HttpResponse& resp, absl::string_view what) const;

  const Endpoint endpoint_;
  const std::string repo_;
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> tokens_fetched_{0};
};

}  // namespace ucr::image
