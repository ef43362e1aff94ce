// SessionGate: the one judgement "who is this browser request?", shared by
// /oauth2/auth, /oauth2/userinfo and ext_authz's cookie path.
//
// From the request's Cookie header it loads the session from the store and,
// when its access token expires within refresh_margin, refreshes it through
// the provider (OAuthClient::Refresh single-flights concurrent refreshes of
// one refresh token), saves it and re-sets the cookie(s):
//   no cookie                       kUnauthenticated session_missing
//   not ours / tampered / retired   kUnauthenticated session_invalid
//   past its lifetime               kUnauthenticated session_expired
//   refresh refused, or expired
//   without a refresh token         kUnauthenticated session_expired (the
//                                   session is deleted from the store)
//   provider down during refresh    kUnavailable provider_unavailable (or
//                                   kDeadlineExceeded provider_timeout); the
//                                   session is kept (also when the provider
//                                   refuses authgate's client: invalid_client)
//   store down                      kUnavailable session_store_unavailable
// A refresh result is remembered for kRefreshReuse, so a request that still
// carries the pre-refresh cookie (it raced the first one) reuses it instead
// of presenting a rotated-away refresh token, which would end the session.
//
// May block (store, provider): never call it on a gRPC reactor thread.
// Thread-safe.
#ifndef AUTHGATE_GRPC_SERVICE_WEB_SESSION_GATE_H_
#define AUTHGATE_GRPC_SERVICE_WEB_SESSION_GATE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc_service/logger.h"
#include "grpc_service/session/cookies.h"
#include "grpc_service/session/session.h"
#include "grpc_service/session/session_store.h"

#include "authgate/clock.h"
#include "authgate/oauth_client.h"

namespace authgate::service {

// The browser face's OAuth client (ProviderRegistry::Client(provider,
// client_id) in the server); may fail while the provider is not set up.
using WebClientSource =
    std::function<absl::StatusOr<std::shared_ptr<OAuthClient>>()>;

struct SessionVerdict {
  Session session;
  // The session cookie's value after this request (refreshed or not).
  std::string cookie_value;
  // Set-Cookie values to send (only after a refresh).
  std::vector<std::string> set_cookie;
  bool refreshed = false;
};

class SessionGate {
 public:
  static constexpr absl::Duration kRefreshReuse = absl::Seconds(30);

  SessionGate(CookieSettings cookie, absl::Duration refresh_margin,
              std::shared_ptr<SessionStore> store, WebClientSource client,
              std::shared_ptr<const Clock> clock,
              std::shared_ptr<Logger> logger);

  // `cookie_header`: every Cookie header of the request joined by "; ".
  absl::StatusOr<SessionVerdict> Judge(absl::string_view cookie_header) const;

  // Set-Cookie values deleting the session cookie(s) `cookie_header` holds.
  std::vector<std::string> ClearCookies(absl::string_view cookie_header) const;
  // True for failures after which the browser's cookie is useless
  // (session_invalid, session_expired): the answer clears it.
  static bool ShouldClear(const absl::Status& status);

  const CookieSettings& cookie() const { return cookie_; }
  SessionStore& store() const { return *store_; }

 private:
  struct Reused {
    TokenResponse tokens;
    absl::Time at;
  };
  absl::StatusOr<TokenResponse> Refresh(OAuthClient& client,
                                        const std::string& refresh_token) const;

  const CookieSettings cookie_;
  const absl::Duration refresh_margin_;
  std::shared_ptr<SessionStore> store_;
  WebClientSource client_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<Logger> logger_;
  mutable absl::Mutex mu_;
  // Keyed by the presented refresh token (kept in memory only, as sessions).
  mutable absl::flat_hash_map<std::string, Reused> recent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_SESSION_GATE_H_
