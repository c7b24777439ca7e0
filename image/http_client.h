// A small HTTP client on libcurl for registry traffic: streams 2xx bodies to
// a sink, follows redirects itself so that the Authorization header never
// leaves the origin it was meant for, and can be cancelled.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef void CURL;

namespace ucr::image {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Accept: …"
  std::string authorization;         // header value; dropped on a cross-origin redirect
  bool verify_tls = true;
  // Receives the body of a 2xx answer as it arrives; an error aborts the
  // transfer and is returned by Do(). Unset: the body is collected.
  std::function<absl::Status(absl::string_view chunk)> on_body;
  size_t max_collect = 8 << 20;  // collected bodies larger than this fail
  const std::atomic<bool>* cancel = nullptr;  // set → the transfer stops (CANCELLED)
};

struct HttpResponse {
  long status = 0;
  std::string url;   // after redirects
  std::map<std::string, std::string> headers;  // lowercased names; last value wins
  std::string body;  // collected body, or the start of an error body
  std::string Header(absl::string_view lowercase_name) const;
};

// "scheme://host:port" of `url` with default ports filled in; "" if unparsable.
std::string UrlOrigin(absl::string_view url);
// Resolves `location` (absolute or relative) against `base`.
absl::StatusOr<std::string> ResolveUrl(absl::string_view base, absl::string_view location);
// Percent-encodes a query parameter value.
std::string UrlEscape(absl::string_view s);

// One curl handle: keeps connections alive between requests. Not thread-safe;
// use one per thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Transport failures are UNAVAILABLE naming the URL; any HTTP status is a
  // successful HttpResponse (the caller interprets it).
  absl::StatusOr<HttpResponse> Do(const HttpRequest& request);

 private:
  absl::StatusOr<HttpResponse> DoOnce(const HttpRequest& request, const std::string& url,
                                      bool send_auth);
  CURL* curl_;
};

}  // namespace ucr::image
