#include "image/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"

namespace ucr::image {
namespace {

constexpr int kMaxRedirects = 5;
constexpr long kConnectTimeoutSec = 30;
// A transfer slower than 1 byte/s for this long is stalled: give up.
constexpr long kStallSec = 60;
constexpr size_t kMaxErrorBody = 64 << 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  absl::Status sink_error;
  bool body_to_sink = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  absl::string_view line(data, size * n);
  if (absl::StartsWith(line, "HTTP/")) {  // a new response (after 100 Continue): start over
    t->response->headers.clear();
    absl::string_view rest = line.substr(line.find(' ') + 1);
    long code = 0;
    if (absl::SimpleAtoi(rest.substr(0, 3), &code)) t->response->status = code;
    t->body_to_sink = t->request->on_body && code >= 200 && code < 300;
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    t->response->headers[name] = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  absl::string_view chunk(data, size * n);
  if (t->body_to_sink) {
    t->sink_error = t->request->on_body(chunk);
    return t->sink_error.ok() ? chunk.size() : 0;
  }
  bool ok_status = t->response->status >= 200 && t->response->status < 300;
  size_t limit = ok_status ? t->request->max_collect : kMaxErrorBody;
  if (t->response->body.size() + chunk.size() > limit) {
    if (!ok_status) return chunk.size();  // keep the start of an error body only
    t->sink_error = absl::ResourceExhaustedError(
        absl::StrCat("response from ", t->request->url, " is larger than ", limit, " bytes"));
    return 0;
  }
  t->response->body.append(chunk.data(), chunk.size());
  return chunk.size();
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->request->cancel != nullptr && t->request->cancel->load() ? 1 : 0;
}

std::string UrlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* v = nullptr;
  if (curl_url_get(u, part, &v, flags) != CURLUE_OK) return "";
  std::string out = v;
  curl_free(v);
  return out;
}

}  // namespace

std::string HttpResponse::Header(absl::string_view lowercase_name) const {
  auto it = headers.find(std::string(lowercase_name));
  return it == headers.end() ? std::string() : it->second;
}

std::string UrlOrigin(absl::string_view url) {
  CURLU* u = curl_url();
  std::string origin;
  if (curl_url_set(u, CURLUPART_URL, std::string(url).c_str(), 0) == CURLUE_OK) {
    origin = absl::StrCat(absl::AsciiStrToLower(UrlPart(u, CURLUPART_SCHEME)), "://",
                          absl::AsciiStrToLower(UrlPart(u, CURLUPART_HOST)), ":",
                          UrlPart(u, CURLUPART_PORT, CURLU_DEFAULT_PORT));
  }
  curl_url_cleanup(u);
  return origin;
}

absl::StatusOr<std::string> ResolveUrl(absl::string_view base, absl::string_view location) {
  CURLU* u = curl_url();
  std::string out;
  bool ok = curl_url_set(u, CURLUPART_URL, std::string(base).c_str(), 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_URL, std::string(location).c_str(), 0) == CURLUE_OK;
  if (ok) out = UrlPart(u, CURLUPART_URL);
  curl_url_cleanup(u);
  if (!ok || out.empty()) {
    return absl::UnavailableError(absl::StrCat("bad redirect location \"", location, "\" from ", base));
  }
  return out;
}

std::string UrlEscape(absl::string_view s) {
  GlobalInit();
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

HttpClient::HttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

absl::StatusOr<HttpResponse> HttpClient::Do(const HttpRequest& request) {
  const std::string origin = UrlOrigin(request.url);
  std::string url = request.url;
  for (int hop = 0;; ++hop) {
    bool send_auth = !request.authorization.empty() && UrlOrigin(url) == origin;
    absl::StatusOr<HttpResponse> resp = DoOnce(request, url, send_auth);
    if (!resp.ok()) return resp;
    long s = resp->status;
    bool redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    std::string location = resp->Header("location");
    if (!redirect || location.empty()) return resp;
    if (hop >= kMaxRedirects) {
      return absl::UnavailableError(absl::StrCat(request.method, " ", request.url, ": more than ",
                                                 kMaxRedirects, " redirects"));
    }
    absl::StatusOr<std::string> next = ResolveUrl(url, location);
    if (!next.ok()) return next.status();
    log::Debug("%s %s: redirected to %s", request.method, url, *next);
    url = std::move(*next);
  }
}

absl::StatusOr<HttpResponse> HttpClient::DoOnce(const HttpRequest& request, const std::string& url,
                                                bool send_auth) {
  HttpResponse response;
  response.url = url;
  Transfer t{&request, &response, absl::OkStatus()};
  curl_easy_reset(curl_);
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  std::string auth_line = absl::StrCat("Authorization: ", request.authorization);
  if (send_auth) headers = curl_slist_append(headers, auth_line.c_str());

  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "ucrd/" UCR_VERSION);
  curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSec);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, kStallSec);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (request.method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &t);

  CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(headers);
  if (!t.sink_error.ok()) return t.sink_error;
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    return absl::CancelledError(absl::StrCat(request.method, " ", url, ": cancelled"));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(request.method, " ", url, ": ", curl_easy_strerror(rc)));
  }
  return response;
}

}  // namespace ucr::image
