// BrowserFlow: the sign-in and sign-out pages of the browser face
// (docs/web.md): /oauth2/start, /oauth2/callback and /oauth2/sign_out.
//
//   start     302 to the provider's authorization endpoint (state, nonce,
//             PKCE S256) with a sealed flow cookie NAME_csrf_XXXXXXXXXXXX
//   callback  checks the flow cookie named after the returned state (the
//             states compared in constant time), exchanges the code, the ID
//             token verified with the spec's rules and the flow's nonce,
//             saves the session and sets its cookie(s), 302 to the return URL
//   sign_out  same-site only; revokes the refresh token, deletes the
//             session, clears the cookies, 302 to the provider's logout (when
//             sign_out_url is set) or to the return URL
// Failures are escaped HTML pages with the authgate-error-reason header. A
// tampered flow cookie is session_invalid (403); a missing one (other state,
// replayed callback) state_mismatch (403).
//
// Thread-safe; handlers block on the provider (civetweb worker threads).
#ifndef AUTHGATE_GRPC_SERVICE_WEB_BROWSER_FLOW_H_
#define AUTHGATE_GRPC_SERVICE_WEB_BROWSER_FLOW_H_

#include <memory>
#include <optional>
#include <string>

#include "grpc_service/logger.h"
#include "grpc_service/session/cookies.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"
#include "grpc_service/web/redirect_policy.h"
#include "grpc_service/web/session_gate.h"
#include "grpc_service/web/web_settings.h"
#include "grpc_service/web/web_types.h"

#include "authgate/clock.h"

namespace authgate::service {

// What the browser-face handlers share; owned by WebFace.
struct WebContext {
  WebSettings settings;
  CookieSettings cookie;
  std::shared_ptr<const SessionKeys> keys;
  std::shared_ptr<SessionStore> store;
  std::optional<RedirectPolicy> policy;
  WebClientSource client;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<Logger> logger;
};

// An error page for `status` with its reason header; `title` is escaped.
WebResponse ErrorPage(const absl::Status& status, absl::string_view title);

class BrowserFlow {
 public:
  // `context` must outlive this object.
  explicit BrowserFlow(const WebContext* context) : context_(*context) {}

  WebResponse Start(const WebRequest& request) const;
  WebResponse Callback(const WebRequest& request) const;
  WebResponse SignOut(const WebRequest& request) const;

 private:
  // The flow cookie's attributes: the session cookie's, but SameSite=Lax
  // unless None, since the provider's redirect back is a cross-site
  // navigation that a Strict cookie would not accompany.
  CookieSettings FlowCookie() const;

  const WebContext& context_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_BROWSER_FLOW_H_
