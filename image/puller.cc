#include "image/puller.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "image/layer_fetch.h"
#include "image/registry_client.h"

namespace ucr::image {
namespace {

constexpr int64_t kMaxConfigBytes = 8 << 20;

struct Resolved {
  std::shared_ptr<RegistrySession> session;
  FetchedManifest top;     // what the reference named
  ParsedManifest manifest;  // this platform's image manifest
  std::string manifest_digest;
};

// The first endpoint that has the manifest wins; the registry's own answer
// (the last endpoint) is the error reported when none has it.
absl::StatusOr<std::pair<std::shared_ptr<RegistrySession>, FetchedManifest>> FetchTop(
    const PullDeps& deps, const Reference& ref, const Credentials& creds, HttpClient& http) {
  UCR_ASSIGN_OR_RETURN(std::vector<Endpoint> endpoints, EndpointsFor(*deps.config, ref.domain, creds));
  absl::Status last;
  for (Endpoint& ep : endpoints) {
    auto session = std::make_shared<RegistrySession>(ep, ref.path);
    absl::StatusOr<FetchedManifest> m = session->GetManifest(http, ref.ManifestRef());
    if (m.ok()) {
      log::Info("pull %s: resolved on %s to %s", ref.String(), ep.base_url, m->digest);
      return std::make_pair(session, std::move(*m));
    }
    if (ep.mirror) log::Warn("pull %s: mirror %s failed, trying the next endpoint: %s", ref.String(), ep.base_url, m.status().message());
    last = m.status();
  }
  if (absl::IsNotFound(last)) {
    return absl::NotFoundError(absl::StrCat("image \"", ref.String(), "\" not found: ", last.message()));
  }
  return Annotate(last, absl::StrCat("pull ", ref.String()));
}

absl::StatusOr<Resolved> Resolve(const PullDeps& deps, const Reference& ref, const Credentials& creds,
                                 HttpClient& http, ScopedPins& pins) {
  UCR_ASSIGN_OR_RETURN(auto top, FetchTop(deps, ref, creds, http));
  Resolved r;
  r.session = top.first;
  r.top = std::move(top.second);
  UCR_ASSIGN_OR_RETURN(ParsedManifest parsed, ParseManifest(r.top.body, r.top.content_type));
  pins.Add({r.top.digest});
  UCR_RETURN_IF_ERROR(deps.content->Put(r.top.digest, static_cast<int64_t>(r.top.body.size()), r.top.body));
  r.manifest_digest = r.top.digest;
  if (parsed.is_index) {
    Platform host = HostPlatform();
    UCR_ASSIGN_OR_RETURN(Descriptor chosen, SelectPlatform(parsed, host));
    UCR_ASSIGN_OR_RETURN(FetchedManifest m, r.session->GetManifest(http, chosen.digest));
    UCR_ASSIGN_OR_RETURN(parsed, ParseManifest(m.body, m.content_type));
    if (parsed.is_index) return absl::FailedPreconditionError("nested image index is not supported");
    pins.Add({m.digest});
    UCR_RETURN_IF_ERROR(deps.content->Put(m.digest, static_cast<int64_t>(m.body.size()), m.body));
    r.manifest_digest = m.digest;
    log::Info("pull %s: index entry for %s/%s%s is %s", ref.String(), host.os, host.architecture,
              host.variant.empty() ? "" : "/" + host.variant, m.digest);
  }
  r.manifest = std::move(parsed);
  return r;
}

absl::StatusOr<std::string> FetchConfig(const PullDeps& deps, RegistrySession& session, HttpClient& http,
                                        const Descriptor& d) {
  if (d.size > kMaxConfigBytes) {
    return absl::FailedPreconditionError(absl::StrCat("image config ", d.digest, " is larger than ", kMaxConfigBytes));
  }
  if (deps.content->Has(d.digest)) return deps.content->Read(d.digest);
  std::string body;
  BlobVerifier verifier(d.digest, d.size);
  UCR_RETURN_IF_ERROR(session.GetBlob(
      http, d.digest,
      [&](absl::string_view chunk) {
        UCR_RETURN_IF_ERROR(verifier.Update(chunk));
        body.append(chunk.data(), chunk.size());
        return absl::OkStatus();
      },
      nullptr));
  UCR_RETURN_IF_ERROR(verifier.Finish());
  UCR_RETURN_IF_ERROR(deps.content->Put(d.digest, d.size, body));
  return body;
}

// Runs the layer jobs on up to kParallelLayers threads; the first failure
// cancels the transfers still running.
absl::StatusOr<uint64_t> FetchLayers(const PullDeps& deps, RegistrySession& session, std::vector<LayerJob> jobs) {
  std::atomic<size_t> next{0};
  std::atomic<bool> cancel{false};
  std::atomic<uint64_t> size{0};
  absl::Mutex mu;
  absl::Status first_error;
  auto worker = [&] {
    HttpClient http;  // one per thread: its connection is reused for the next layer
    for (size_t i = next++; i < jobs.size() && !cancel; i = next++) {
      const LayerJob& job = jobs[i];
      ScopedClaim claim(deps.claims, job.chain_id);
      absl::StatusOr<LayerInfo> info = deps.layers->Has(job.chain_id) ? deps.layers->Info(job.chain_id)
                                                                     : FetchLayer(session, http, *deps.layers, job, cancel);
      if (info.ok()) {
        size += info->size_bytes;
        continue;
      }
      absl::MutexLock lock(&mu);
      if (first_error.ok() && !(cancel && absl::IsCancelled(info.status()))) {
        first_error = Annotate(info.status(), absl::StrCat(job.label, " ", job.blob.digest));
      }
      cancel = true;
    }
  };
  size_t n = std::min<size_t>(kParallelLayers, jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (!first_error.ok()) return first_error;
  return size.load();
}

}  // namespace

absl::StatusOr<PullResult> PullImage(const PullDeps& deps, const Reference& ref, const Credentials& creds,
                                     ScopedPins& pins) {
  absl::Time start = absl::Now();
  HttpClient http;
  UCR_ASSIGN_OR_RETURN(Resolved r, Resolve(deps, ref, creds, http, pins));
  const ParsedManifest& m = r.manifest;

  PullResult out;
  out.manifest_digest = r.top.digest;
  out.config_digest = m.config.digest;
  pins.Add({m.config.digest});
  UCR_ASSIGN_OR_RETURN(std::string config_body, FetchConfig(deps, *r.session, http, m.config));
  UCR_ASSIGN_OR_RETURN(out.config, ParseImageConfig(config_body));
  if (out.config.diff_ids.size() != m.layers.size()) {
    return absl::InvalidArgumentError(absl::StrCat("bad image: manifest ", r.manifest_digest, " has ", m.layers.size(),
                                                   " layers, its config ", out.config.diff_ids.size(), " diff ids"));
  }
  out.blobs = {r.top.digest, m.config.digest};
  if (r.manifest_digest != r.top.digest) out.blobs.push_back(r.manifest_digest);

  std::vector<LayerJob> jobs;
  std::string parent;
  int64_t total = 0;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    std::string chain = LayerStore::ChainId(parent, out.config.diff_ids[i]);
    jobs.push_back({absl::StrCat(ref.String(), " layer ", i + 1, "/", m.layers.size()), m.layers[i], chain, parent,
                    out.config.diff_ids[i]});
    out.chain_ids.push_back(chain);
    total += m.layers[i].size;
    parent = chain;
  }
  pins.Add(out.chain_ids);
  UCR_ASSIGN_OR_RETURN(out.size, FetchLayers(deps, *r.session, std::move(jobs)));
  double secs = absl::ToDoubleSeconds(absl::Now() - start);
  log::Info("pulled %s as %s in %.2fs: %d layers, %.1f MB compressed (%.1f MB/s), %.1f MB unpacked",
            ref.String(), out.config_digest, secs, static_cast<int>(m.layers.size()), total / 1e6,
            secs > 0 ? total / 1e6 / secs : 0.0, out.size / 1e6);
  return out;
}

}  // namespace ucr::image
