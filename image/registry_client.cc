#include "image/registry_client.h"

#include <arpa/inet.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/status.h"
#include "image/digest.h"
#include "image/reference.h"
#include "nlohmann/json.hpp"

namespace ucr::image {
namespace {

constexpr int kMaxAuthRounds = 2;

std::string HostOnly(absl::string_view host_port) {
  if (absl::StartsWith(host_port, "[")) {
    return std::string(host_port.substr(1, host_port.find(']') - 1));
  }
  return std::string(host_port.substr(0, host_port.rfind(':')));
}

// "CODE: message" from a registry's {"errors":[…]} body, or the start of the body.
std::string RegistryErrorText(absl::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array() &&
      !j["errors"].empty() && j["errors"][0].is_object()) {
    const auto& e = j["errors"][0];
    return absl::StrCat(e.value("code", "?"), ": ", e.value("message", ""));
  }
  return std::string(absl::StripAsciiWhitespace(body.substr(0, 200)));
}

const RegistryConfig* FindRegistry(const Config& config, absl::string_view host) {
  auto it = config.registries.find(std::string(host));
  return it == config.registries.end() ? nullptr : &it->second;
}

absl::StatusOr<Credentials> ConfigCreds(const RegistryConfig* rc) {
  if (rc == nullptr) return Credentials{};
  return MakeCredentials(rc->username, rc->password, rc->auth);
}

}  // namespace

bool IsLoopbackHost(absl::string_view host_port) {
  std::string host = HostOnly(host_port);
  if (host == "localhost" || host == "::1") return true;
  in_addr addr;
  return ::inet_pton(AF_INET, host.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

absl::StatusOr<std::vector<Endpoint>> EndpointsFor(const Config& config, absl::string_view domain,
                                                   const Credentials& request_creds) {
  const RegistryConfig* rc = FindRegistry(config, domain);
  bool insecure = (rc != nullptr && rc->insecure) || IsLoopbackHost(domain);
  std::vector<Endpoint> out;
  if (rc != nullptr) {
    for (const std::string& mirror : rc->mirrors) {
      Endpoint ep;
      std::string url = std::string(absl::StripSuffix(mirror, "/"));
      if (!absl::StrContains(url, "://")) url = absl::StrCat(insecure ? "http://" : "https://", url);
      if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
        return absl::InvalidArgumentError(absl::StrCat("registries.\"", domain, "\".mirrors: \"", mirror,
                                                       "\" is not an http(s) URL"));
      }
      std::string mirror_host(absl::StripPrefix(absl::StripPrefix(url, "https://"), "http://"));
      mirror_host = mirror_host.substr(0, mirror_host.find('/'));
      const RegistryConfig* mc = FindRegistry(config, mirror_host);
      ep.base_url = url;
      ep.registry = std::string(domain);
      ep.mirror = true;
      ep.verify_tls = !(insecure || (mc != nullptr && mc->insecure));
      UCR_ASSIGN_OR_RETURN(ep.creds, ConfigCreds(mc));
      out.push_back(std::move(ep));
    }
  }
  Endpoint up;
  std::string host = domain == kDefaultDomain ? "registry-1.docker.io" : std::string(domain);
  up.base_url = absl::StrCat(insecure ? "http://" : "https://", host);
  up.registry = std::string(domain);
  up.verify_tls = !insecure;
  if (!request_creds.empty()) {
    up.creds = request_creds;
  } else {
    UCR_ASSIGN_OR_RETURN(up.creds, ConfigCreds(rc));
  }
  out.push_back(std::move(up));
  return out;
}

std::string RegistrySession::Url(absl::string_view kind, absl::string_view ref) const {
  return absl::StrCat(endpoint_.base_url, "/v2/", repo_, "/", kind, "/", ref);
}

absl::Status RegistrySession::ErrorFor(const HttpResponse& resp, absl::string_view what) const {
  std::string where = absl::StrCat(what, " from registry ", endpoint_.registry,
                                   endpoint_.mirror ? absl::StrCat(" (mirror ", endpoint_.base_url, ")") : "");
  std::string detail = absl::StrCat("HTTP ", resp.status, " ", RegistryErrorText(resp.body));
  switch (resp.status) {
    case 404:
      return absl::NotFoundError(absl::StrCat(where, ": not found (", detail, ")"));
    case 401:
      return absl::UnauthenticatedError(absl::StrCat(where, ": authentication refused (", detail, ")"));
    case 403:
      return absl::PermissionDeniedError(absl::StrCat(where, ": access denied (", detail, ")"));
    case 429:
      return absl::ResourceExhaustedError(absl::StrCat(where, ": rate limited (", detail, ")"));
    default:
      return absl::UnavailableError(absl::StrCat(where, ": ", detail));
  }
}

absl::StatusOr<HttpResponse> RegistrySession::Send(HttpClient& http, HttpRequest request) {
  request.verify_tls = endpoint_.verify_tls;
  for (int round = 0;; ++round) {
    {
      absl::MutexLock lock(&mu_);
      request.authorization = authorization_;
    }
    absl::StatusOr<HttpResponse> resp = http.Do(request);
    if (!resp.ok() || resp->status != 401 || round == kMaxAuthRounds) return resp;
    UCR_RETURN_IF_ERROR(Authenticate(http, *resp, request.authorization));
  }
}

absl::Status RegistrySession::Authenticate(HttpClient& http, const HttpResponse& resp, const std::string& used) {
  absl::MutexLock lock(&mu_);
  if (authorization_ != used) return absl::OkStatus();  // another thread already re-authenticated
  const std::string& registry = endpoint_.registry;
  std::string header = resp.Header("www-authenticate");
  absl::StatusOr<Challenge> challenge = ParseChallenge(header);
  if (!challenge.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("registry ", registry, " answered 401 without a usable challenge (",
                                                   challenge.status().message(), ")"));
  }
  const Credentials& creds = endpoint_.creds;
  if (challenge->scheme == "basic") {
    if (creds.empty()) {
      return absl::UnauthenticatedError(
          absl::StrCat("registry ", registry, " requires authentication and the pull has no credentials"));
    }
    std::string basic = BasicAuthHeaderValue(creds);
    if (used == basic) {
      return absl::UnauthenticatedError(
          absl::StrCat("registry ", registry, " refused the credentials of user \"", creds.username, "\""));
    }
    authorization_ = std::move(basic);
    return absl::OkStatus();
  }
  if (challenge->scheme == "bearer") {
    return FetchToken(http, *challenge);
  }
  return absl::UnauthenticatedError(
      absl::StrCat("registry ", registry, " asks for unsupported authentication \"", challenge->scheme, "\""));
}

absl::Status RegistrySession::FetchToken(HttpClient& http, const Challenge& challenge) {
  const std::string& registry = endpoint_.registry;
  auto realm = challenge.params.find("realm");
  if (realm == challenge.params.end() || realm->second.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("registry ", registry, ": Bearer challenge without realm"));
  }
  std::string scope = challenge.params.count("scope") ? challenge.params.at("scope")
                                                      : absl::StrCat("repository:", repo_, ":pull");
  std::string url = realm->second;
  absl::StrAppend(&url, absl::StrContains(url, '?') ? "&" : "?", "scope=", UrlEscape(scope));
  if (auto service = challenge.params.find("service"); service != challenge.params.end()) {
    absl::StrAppend(&url, "&service=", UrlEscape(service->second));
  }
  HttpRequest req;
  req.url = url;
  req.verify_tls = endpoint_.verify_tls;
  req.max_collect = 1 << 20;
  if (!endpoint_.creds.empty()) req.authorization = BasicAuthHeaderValue(endpoint_.creds);
  UCR_ASSIGN_OR_RETURN(HttpResponse resp, http.Do(req));
  if (resp.status == 401 || resp.status == 403) {
    std::string who = endpoint_.creds.empty() ? std::string("anonymous access")
                                              : absl::StrCat("the credentials of user \"", endpoint_.creds.username, "\"");
    auto err = resp.status == 401 ? absl::UnauthenticatedError : absl::PermissionDeniedError;
    return err(absl::StrCat("registry ", registry, ": token server ", realm->second, " refused ", who,
                            " for ", scope, " (HTTP ", resp.status, ")"));
  }
  if (resp.status != 200) {
    return absl::UnavailableError(absl::StrCat("registry ", registry, ": token server ", realm->second,
                                               " answered HTTP ", resp.status, " ", RegistryErrorText(resp.body)));
  }
  nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
  std::string token;
  if (!j.is_discarded() && j.is_object()) {
    token = j.value("token", "");
    if (token.empty()) token = j.value("access_token", "");
  }
  if (token.empty()) {
    return absl::UnavailableError(absl::StrCat("registry ", registry, ": token server ", realm->second,
                                               " answered without a token"));
  }
  authorization_ = absl::StrCat("Bearer ", token);
  int n = ++tokens_fetched_;
  log::Debug("registry %s: got token #%d for %s", registry, n, scope);
  return absl::OkStatus();
}

absl::StatusOr<FetchedManifest> RegistrySession::GetManifest(HttpClient& http, absl::string_view ref) {
  HttpRequest req;
  req.url = Url("manifests", ref);
  req.headers = {absl::StrCat("Accept: ", media::kManifestAccept)};
  req.max_collect = 4 << 20;
  UCR_ASSIGN_OR_RETURN(HttpResponse resp, Send(http, std::move(req)));
  std::string what = absl::StrCat("manifest ", repo_, absl::StartsWith(ref, "sha256:") ? "@" : ":", ref);
  if (resp.status != 200) return ErrorFor(resp, what);
  FetchedManifest m;
  m.digest = Sha256Digest(resp.body);
  if (absl::StartsWith(ref, "sha256:") && m.digest != ref) {
    return absl::DataLossError(absl::StrCat(what, " from registry ", endpoint_.registry,
                                            ": content has digest ", m.digest, ": refused"));
  }
  m.body = std::move(resp.body);
  m.content_type = resp.Header("content-type");
  return m;
}

absl::Status RegistrySession::GetBlob(HttpClient& http, absl::string_view digest,
                                      const std::function<absl::Status(absl::string_view)>& sink,
                                      const std::atomic<bool>* cancel) {
  HttpRequest req;
  req.url = Url("blobs", digest);
  req.on_body = sink;
  req.cancel = cancel;
  UCR_ASSIGN_OR_RETURN(HttpResponse resp, Send(http, std::move(req)));
  if (resp.status != 200) return ErrorFor(resp, absl::StrCat("blob ", repo_, "@", digest));
  return absl::OkStatus();
}

}  // namespace ucr::image
