// Where a browser may be sent back to after sign-in / sign-out: the one
// check against open redirects (the `rd` parameter of /oauth2/start and
// /oauth2/sign_out, docs/web.md).
//
//   ASSIGN_OR_RETURN(RedirectPolicy policy,
//                    RedirectPolicy::Create("web.allowed_redirect_domains",
//                                           config.allowed_redirect_domains,
//                                           config.default_return_url));
//   absl::StatusOr<std::string> url = policy.Resolve(request.query("rd"));
//   // kInvalidArgument, reason redirect_not_allowed, for "//evil", ...
#ifndef AUTHGATE_GRPC_SERVICE_WEB_REDIRECT_POLICY_H_
#define AUTHGATE_GRPC_SERVICE_WEB_REDIRECT_POLICY_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate::service {

// Where a browser may be sent back to after sign-in / sign-out: relative
// paths on the same host, or absolute http(s) URLs whose host is allowed.
// Refused: anything but RFC 3986 characters in the raw URL (so controls,
// space, '\', '<', '"' and raw non-ASCII); in the raw URL or any of up to
// three percent-decodings, a byte < 0x21, DEL, '\' or a leading "//"; a
// relative URL whose first segment has a ':' ("/https://evil"); schemes
// other than "http://" and "https://"; userinfo or '%' in the authority; an
// empty, malformed or unlisted host; a host that libcurl's URL parser reads
// differently from this check; over 8 KiB.
// Immutable after Create; thread-safe.
class RedirectPolicy {
 public:
  // allowed_domains: "app.example.com" (exactly that host, any port unless
  // given), "app.example.com:8443", ".example.com" (example.com and every
  // subdomain), "[::1]:8080" (IPv6 literals only in brackets).
  // `default_url` must itself pass the policy.
  // Errors: kInvalidArgument config_invalid naming `field`
  // ("web.allowed_redirect_domains[1]: ...").
  static absl::StatusOr<RedirectPolicy> Create(
      absl::string_view field, const std::vector<std::string>& allowed_domains,
      std::string default_url);

  // `rd` empty: default_url. Otherwise `rd` itself when allowed;
  // kInvalidArgument redirect_not_allowed (message quotes no more than the
  // first 64 bytes, C-escaped) otherwise.
  absl::StatusOr<std::string> Resolve(absl::string_view rd) const;

  const std::string& default_url() const { return default_url_; }

  // True when `origin` (an Origin header, "https://host[:port]") is
  // `request_host` (the Host header) or an allowed domain: used to refuse
  // cross-site sign-out. "null" and malformed origins are not same-site.
  bool SameSiteOrigin(absl::string_view origin,
                      absl::string_view request_host) const;

 private:
  struct Domain {
    std::string host;         // lower case, no trailing dot, IPv6 bracketed
    bool subdomains = false;  // ".example.com"
    std::optional<int> port;  // nullopt: any port
  };

  RedirectPolicy(std::vector<Domain> domains, std::string default_url)
      : domains_(std::move(domains)), default_url_(std::move(default_url)) {}

  // Whether `host` (normalised) with `port` (nullopt: the scheme's default,
  // unstated) is one of domains_.
  bool HostAllowed(absl::string_view host, std::optional<int> port) const;
  // The check without the default: OK when `rd` may be used as is.
  bool Allowed(absl::string_view rd) const;

  std::vector<Domain> domains_;
  std::string default_url_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_REDIRECT_POLICY_H_
