// HttpFetcher: the network seam. One blocking HTTP round trip; everything that
// talks to an identity provider (discovery, JWKS, token, userInfo, revoke)
// goes through it, so unit tests script responses with a FakeHttpFetcher and
// the end-to-end suite uses the real libcurl one.
//
// Transport failure is a Status; any HTTP status code, 4xx/5xx included, is a
// successful HttpResponse. Redirects are never followed: a 3xx comes back as
// a response (RFC 6749 token requests must not be redirected, and a
// redirected JWKS or discovery fetch would silently change the trust root).
//
//   std::shared_ptr<HttpFetcher> http = CreateCurlHttpFetcher(CurlOptions());
//   HttpRequest request;
//   request.url = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"
//                 "/.well-known/jwks.json";
//   absl::StatusOr<HttpResponse> response = http->Fetch(request);
//   if (response.ok() && response->status_code == 200) Use(response->body);
#ifndef AUTHGATE_HTTP_FETCHER_H_
#define AUTHGATE_HTTP_FETCHER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace authgate {

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;
  // Sent as given. Header values may carry secrets (Authorization): they are
  // never logged or put into error messages.
  std::vector<std::pair<std::string, std::string>> headers;
  // Request body (POST). May carry secrets; never logged.
  std::string body;
  // Total time for the round trip (connect included).
  absl::Duration timeout = absl::Seconds(5);
  // A larger body fails with kUnavailable provider_response_too_large.
  size_t max_response_bytes = 1 << 20;
};

struct HttpResponse {
  int status_code = 0;
  std::string content_type;  // the Content-Type header, as sent
  std::string body;
  // Response headers in arrival order; names lowercased.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first value of header `name` (case-insensitive), or "" when absent.
  std::string Header(absl::string_view name) const;
};

// Thread-safe: Fetch may be called concurrently from any thread.
class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;

  // Performs one request. Errors (messages name the host, never the body or
  // headers):
  //   kDeadlineExceeded provider_timeout       connect or total timeout
  //   kUnavailable provider_unavailable        DNS, connect, TLS, reset, ...
  //   kUnavailable provider_response_too_large body over max_response_bytes
  //   kInvalidArgument invalid_argument        bad URL, unsupported scheme or
  //                                            method, plain http refused
  virtual absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) = 0;
};

// Settings of the production libcurl fetcher.
struct CurlOptions {
  // PEM bundle to trust instead of the system CA store (empty: system store).
  std::string ca_file;
  // Directory of hashed CA certificates (empty: system default).
  std::string ca_path;
  // Time allowed for TCP + TLS set-up; the request's own timeout bounds the
  // whole round trip.
  absl::Duration connect_timeout = absl::Seconds(3);
  // Upper bound on any request's max_response_bytes.
  size_t max_response_bytes = 4 << 20;
  // Honour http_proxy / https_proxy / all_proxy / no_proxy from the
  // environment (libcurl's rules). When false no proxy is used unless
  // `proxy` is set.
  bool proxy_from_environment = true;
  // Explicit proxy URL; overrides the environment.
  std::string proxy;
  // Plain http:// is refused except to loopback hosts (127.0.0.0/8, ::1,
  // localhost) unless this is set.
  bool allow_insecure_http = false;
  std::string user_agent = "authgate/0.1";
  // Idle easy handles (each keeps its own connection cache) kept for reuse.
  size_t max_idle_connections = 8;
  // Polled while a request runs (at each transfer step, and about once a
  // second while waiting); true stops it, and a request started afterwards
  // fails at once: kUnavailable provider_unavailable "... was aborted". A
  // draining server cuts provider requests at its deadline with it. Must be
  // cheap and thread-safe; empty: never aborts.
  std::function<bool()> abort;
};

// The production fetcher (libcurl, HTTPS with certificate and host name
// verification, TLS 1.2+, HTTP keep-alive and connection reuse across calls,
// no redirects). Thread-safe; share one per process.
std::shared_ptr<HttpFetcher> CreateCurlHttpFetcher(
    const CurlOptions& options = CurlOptions());

}  // namespace authgate

#endif  // AUTHGATE_HTTP_FETCHER_H_
