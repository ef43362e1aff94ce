// WebFace: the browser face of authgate-server (docs/web.md) as one
// function from request to response, independent of the HTTP library:
//   {prefix}/start, /callback, /sign_out   BrowserFlow (HTML pages)
//   {prefix}/auth                          202 + identity headers, or 401
//                                          (nginx auth_request, Traefik
//                                          forwardAuth); a Bearer token is
//                                          judged exactly as ValidateToken
//                                          judges a request with only it set
//   {prefix}/userinfo                      the session's user as JSON
//   POST /v1/{Rpc}                         the JSON API (when set)
// Every error response carries authgate-error-reason; every response is
// Cache-Control: no-store.
//
// Thread-safe; Handle may block (provider, store): call it on HTTP worker
// threads.
//
//   auto face = WebFace::Create(config.web, deps).value();
//   WebResponse response = face->Handle(request);
#ifndef AUTHGATE_GRPC_SERVICE_WEB_WEB_FACE_H_
#define AUTHGATE_GRPC_SERVICE_WEB_WEB_FACE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpc_service/ext_authz_service.h"
#include "grpc_service/json_api/json_api.h"
#include "grpc_service/logger.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"
#include "grpc_service/web/browser_flow.h"
#include "grpc_service/web/session_gate.h"
#include "grpc_service/web/web_settings.h"
#include "grpc_service/web/web_types.h"

#include "authgate/clock.h"
#include "authgate/token_verifier.h"

namespace authgate::service {

class WebFace {
 public:
  struct Dependencies {
    // The face's OAuth client (required).
    WebClientSource client;
    // Judges bearer tokens on /auth (required; the server's shared one).
    const TokenVerifier* verifier = nullptr;
    // Null: SessionKeys::FromFile(settings.cookie_secret_file).
    std::shared_ptr<const SessionKeys> keys;
    // Null: built from settings.session_store (MakeSessionStore).
    std::shared_ptr<SessionStore> store;
    std::shared_ptr<const Clock> clock = SystemClock();
    std::shared_ptr<Logger> logger;  // required
  };

  // Errors: config_invalid naming the field (key file, redirect domains,
  // Redis URL).
  static absl::StatusOr<std::unique_ptr<WebFace>> Create(
      const WebSettings& settings, Dependencies dependencies);

  // Routes POST /v1/{Rpc} to `api`; call before serving.
  void SetJsonApi(std::shared_ptr<const JsonApi> api) {
    json_api_ = std::move(api);
  }

  WebResponse Handle(const WebRequest& request) const;

  // A metric label for `path`: "start", "callback", "auth", "userinfo",
  // "sign_out", "json_api" or "other" (never caller input).
  absl::string_view EndpointLabel(absl::string_view path) const;

  // ext_authz's session path: the same judgement and identity headers as
  // /oauth2/auth for a Cookie header. The face must outlive the judge.
  CookieVerdict JudgeCookie(const std::string& cookie_header) const;

  // The session store in use (readiness probes PING a Redis one).
  std::shared_ptr<SessionStore> store() const {
    return Current()->context.store;
  }

  // Re-reads web.cookie.secret_file (rotation: a new first key seals from
  // now on, every listed key opens); a changed, usable ring replaces the
  // keys and the store built on them for the requests that start next. An
  // unusable file keeps the current ring (logged key_file_reload_failed,
  // naming the field, never a key). No-op when the keys or the store were
  // given in Dependencies. Called by the server's secret poll and SIGHUP.
  void ReloadKeys();

 private:
  // What one request runs with; replaced whole when the key ring changes.
  struct Parts {
    WebContext context;
    std::unique_ptr<SessionGate> gate;
    std::unique_ptr<BrowserFlow> flow;
  };
  WebFace() = default;

  static std::shared_ptr<const Parts> MakeParts(WebContext context);
  std::shared_ptr<const Parts> Current() const {
    absl::MutexLock lock(&mu_);
    return parts_;
  }

  WebResponse Auth(const Parts& parts, const WebRequest& request) const;
  WebResponse UserInfo(const Parts& parts, const WebRequest& request) const;

  const TokenVerifier* verifier_ = nullptr;
  std::shared_ptr<const JsonApi> json_api_;
  // Set when the ring comes from the file (reloadable): its last content.
  bool reloadable_ = false;
  std::string key_file_text_;
  absl::Mutex reload_mu_;  // one ReloadKeys() at a time
  mutable absl::Mutex mu_;
  std::shared_ptr<const Parts> parts_ ABSL_GUARDED_BY(mu_);
};

// The session store `settings` names (cookie or Redis). Errors: Redis URL
// config_invalid naming web.session_store.url.
absl::StatusOr<std::shared_ptr<SessionStore>> MakeSessionStore(
    const WebSettings& settings, std::shared_ptr<const SessionKeys> keys);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_WEB_FACE_H_
