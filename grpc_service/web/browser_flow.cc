#include "grpc_service/web/browser_flow.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpc_service/session/flow_state.h"
#include "grpc_service/web/identity_headers.h"
#include "nlohmann/json.hpp"

#include "authgate/oauth_client.h"
#include "authgate/status.h"

namespace authgate::service {
namespace {

WebResponse Redirect(std::string location) {
  WebResponse response;
  response.status = 302;
  response.AddHeader("Location", std::move(location));
  return response;
}

void AddCookies(const std::vector<std::string>& values, WebResponse& response) {
  for (const std::string& value : values)
    response.AddHeader("Set-Cookie", value);
}

std::string ReasonName(const absl::Status& status) {
  return std::string(ErrorReasonName(GetErrorReason(status)));
}

// The status of a failed sign-in step: the provider or the browser's state
// refused it (403), the provider is down (503 / 504), or authgate is
// misconfigured (500).
int SignInStatus(const absl::Status& status) {
  ErrorReason reason = GetErrorReason(status);
  if (reason == ErrorReason::kConfigInvalid ||
      reason == ErrorReason::kInternal ||
      reason == ErrorReason::kSessionStoreUnavailable) {
    return HttpStatusOf(status);
  }
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kInternal:
      return 500;
    default:
      return 403;
  }
}

}  // namespace

WebResponse ErrorPage(const absl::Status& status, absl::string_view title) {
  WebResponse response =
      HtmlPage(HttpStatusOf(status), title,
               absl::StrCat(ReasonName(status), ": ", status.message()));
  AddReasonHeader(status, response);
  return response;
}

CookieSettings BrowserFlow::FlowCookie() const {
  CookieSettings flow = context_.cookie;
  if (flow.same_site != "None") flow.same_site = "Lax";
  return flow;
}

WebResponse BrowserFlow::Start(const WebRequest& request) const {
  absl::StatusOr<HeaderList> query = ParseForm(request.query);
  if (!query.ok()) return ErrorPage(query.status(), "Bad request");
  absl::StatusOr<std::string> return_url =
      context_.policy->Resolve(FormValue(*query, "rd").value_or(""));
  if (!return_url.ok()) return ErrorPage(return_url.status(), "Bad request");
  absl::StatusOr<std::shared_ptr<OAuthClient>> client = context_.client();
  if (!client.ok()) return ErrorPage(client.status(), "Sign-in unavailable");
  AuthorizationRequest authorization;
  authorization.redirect_uri = context_.settings.redirect_url;
  authorization.login_hint = FormValue(*query, "login_hint").value_or("");
  authorization.identity_provider =
      FormValue(*query, "identity_provider").value_or("");
  authorization.idp_identifier =
      FormValue(*query, "idp_identifier").value_or("");
  absl::StatusOr<AuthorizationUrl> url =
      (*client)->BuildAuthorizationUrl(authorization);
  if (!url.ok()) return ErrorPage(url.status(), "Sign-in unavailable");
  FlowState flow;
  flow.state = url->state;
  flow.nonce = url->nonce;
  flow.code_verifier = url->code_verifier;
  flow.redirect_uri = url->redirect_uri;
  flow.return_url = *std::move(return_url);
  flow.provider = (*client)->config().name;
  flow.client_id = (*client)->config().client_id;
  flow.expires_at = context_.clock->Now() + kFlowLifetime;
  std::string name = FlowCookieName(context_.cookie.name, flow.state);
  absl::StatusOr<std::string> sealed =
      SealFlowState(*context_.keys, name, flow);
  if (!sealed.ok()) return ErrorPage(sealed.status(), "Sign-in unavailable");
  WebResponse response = Redirect(url->url);
  AddCookies(SetCookieHeaders(FlowCookie(), name, *sealed, kFlowLifetime, 0),
             response);
  return response;
}

WebResponse BrowserFlow::Callback(const WebRequest& request) const {
  auto fail = [this](const absl::Status& status,
                     std::vector<std::string> clear = {}) {
    context_.logger->Info("sign_in_failed",
                          {{"reason", ReasonName(status)},
                           {"oauth_error", GetOAuthError(status)}});
    WebResponse response =
        HtmlPage(SignInStatus(status), "Sign-in failed",
                 absl::StrCat(ReasonName(status), ": ", status.message()));
    AddReasonHeader(status, response);
    AddCookies(clear, response);
    return response;
  };
  absl::StatusOr<HeaderList> query = ParseForm(request.query);
  if (!query.ok()) return fail(query.status());
  std::string state = FormValue(*query, "state").value_or("");
  CookieJar jar = ParseCookieHeader(request.JoinedHeader("cookie", "; "));
  std::string flow_name =
      state.empty() ? "" : FlowCookieName(context_.cookie.name, state);
  std::vector<std::string> clear_flow;
  std::optional<absl::string_view> sealed;
  if (!flow_name.empty()) sealed = jar.Get(flow_name);
  if (sealed.has_value()) {
    clear_flow = ClearCookieHeaders(FlowCookie(), flow_name, 1);
  }
  if (std::optional<std::string> error = FormValue(*query, "error")) {
    // The provider's own refusal (access_denied, ...): shown, escaped.
    std::string description =
        FormValue(*query, "error_description").value_or("");
    absl::Status refused =
        MakeError(absl::StatusCode::kPermissionDenied, ErrorReason::kOAuthError,
                  absl::StrCat("the provider refused the sign-in: ",
                               absl::CEscape(error->substr(0, 64))));
    SetOAuthError(refused, *error, description);
    return fail(refused, clear_flow);
  }
  if (!sealed.has_value()) {
    return fail(MakeError(absl::StatusCode::kInvalidArgument,
                          ErrorReason::kStateMismatch,
                          "no sign-in in progress for this state (start "
                          "again)"));
  }
  absl::Time now = context_.clock->Now();
  absl::StatusOr<FlowState> flow =
      OpenFlowState(*context_.keys, flow_name, *sealed, now);
  if (!flow.ok()) return fail(flow.status(), clear_flow);
  absl::StatusOr<std::string> code =
      CodeFromAuthorizationResponse(request.query, flow->state);
  if (!code.ok()) return fail(code.status(), clear_flow);
  absl::StatusOr<std::shared_ptr<OAuthClient>> client = context_.client();
  if (!client.ok()) return fail(client.status(), clear_flow);
  OAuthClient& oauth = **client;
  if (flow->provider != oauth.config().name ||
      flow->client_id != oauth.config().client_id) {
    return fail(MakeError(absl::StatusCode::kInvalidArgument,
                          ErrorReason::kStateMismatch,
                          "the sign-in was started for another client"),
                clear_flow);
  }
  CodeExchangeRequest exchange;
  exchange.code = *std::move(code);
  exchange.code_verifier = flow->code_verifier;
  exchange.nonce = flow->nonce;
  exchange.redirect_uri = flow->redirect_uri;
  absl::StatusOr<TokenResponse> tokens = oauth.ExchangeCode(exchange);
  if (!tokens.ok()) return fail(tokens.status(), clear_flow);
  if (!tokens->id_token_claims.has_value()) {
    return fail(MakeError(absl::StatusCode::kUnauthenticated,
                          ErrorReason::kClaimMissing,
                          "the provider returned no ID token (is the "
                          "\"openid\" scope configured?)"),
                clear_flow);
  }
  Session session;
  session.provider = oauth.config().name;
  session.client_id = oauth.config().client_id;
  session.user = UserFromToken(*tokens->id_token_claims);
  if (context_.settings.userinfo) {
    absl::StatusOr<nlohmann::json> info =
        oauth.UserInfo(tokens->access_token, session.user.subject);
    if (!info.ok()) return fail(info.status(), clear_flow);
    auto text = [&info](const char* name) -> std::string {
      auto it = info->find(name);
      return it != info->end() && it->is_string() ? it->get<std::string>() : "";
    };
    if (std::string email = text("email"); !email.empty()) {
      session.user.email = email;
      auto verified = info->find("email_verified");
      session.user.email_verified = verified != info->end() &&
                                    verified->is_boolean() &&
                                    verified->get<bool>();
    }
    if (std::string name = text("name"); !name.empty())
      session.user.name = name;
    if (session.user.username.empty()) {
      session.user.username = text("preferred_username");
    }
  }
  session.access_token = tokens->access_token;
  session.id_token = tokens->id_token;
  session.refresh_token = tokens->refresh_token;
  session.created_at = now;
  session.expires_at = now + context_.settings.session_lifetime;
  session.access_expires_at =
      tokens->expires_in > absl::ZeroDuration()
          ? now + tokens->expires_in
          : std::min(session.expires_at, tokens->id_token_claims->expires_at());
  absl::StatusOr<std::string> value = context_.store->Save(session, "");
  if (!value.ok()) return fail(value.status(), clear_flow);
  context_.logger->Info("sign_in", {{"provider", session.provider}});
  WebResponse response = Redirect(flow->return_url);
  AddCookies(clear_flow, response);
  AddCookies(SetCookieHeaders(context_.cookie, context_.cookie.name, *value,
                              context_.settings.session_lifetime,
                              jar.ChunkCount(context_.cookie.name)),
             response);
  return response;
}

WebResponse BrowserFlow::SignOut(const WebRequest& request) const {
  auto cross_site = [] {
    return MakeError(absl::StatusCode::kPermissionDenied,
                     ErrorReason::kCrossSiteRequest,
                     "sign-out is accepted only from this site");
  };
  if (request.Header("sec-fetch-site") == "cross-site") {
    return ErrorPage(cross_site(), "Forbidden");
  }
  // Any Origin, "null" included, must be this site or an allowed domain.
  if (request.HasHeader("origin") &&
      !context_.policy->SameSiteOrigin(request.Header("origin"),
                                       request.Header("host"))) {
    return ErrorPage(cross_site(), "Forbidden");
  }
  absl::StatusOr<HeaderList> query = ParseForm(request.query);
  if (!query.ok()) return ErrorPage(query.status(), "Bad request");
  if (request.method == "POST" && !request.body.empty()) {
    absl::StatusOr<HeaderList> form = ParseForm(request.body);
    if (form.ok()) query->insert(query->end(), form->begin(), form->end());
  }
  absl::StatusOr<std::string> return_url =
      context_.policy->Resolve(FormValue(*query, "rd").value_or(""));
  if (!return_url.ok()) return ErrorPage(return_url.status(), "Bad request");
  bool everywhere = FormValue(*query, "everywhere").value_or("") == "1";

  std::string cookie_header = request.JoinedHeader("cookie", "; ");
  CookieJar jar = ParseCookieHeader(cookie_header);
  std::optional<std::string> value = jar.Joined(context_.cookie.name);
  std::string id_token;
  absl::StatusOr<std::shared_ptr<OAuthClient>> client = context_.client();
  if (value.has_value() && !value->empty()) {
    absl::StatusOr<Session> session = context_.store->Load(*value);
    if (session.ok()) {
      id_token = session->id_token;
      if (!session->refresh_token.empty() && client.ok()) {
        // A failed revocation does not stop the sign-out: the session is
        // gone here whatever the provider says.
        absl::Status revoked = (*client)->Revoke(session->refresh_token);
        if (!revoked.ok()) {
          context_.logger->Warn("revoke_failed",
                                {{"provider", session->provider},
                                 {"reason", ReasonName(revoked)}});
        }
      }
      if (everywhere) {
        absl::Status all = context_.store->DeleteAllFor(session->provider,
                                                        session->user.subject);
        if (!all.ok()) {
          context_.logger->Warn("sign_out_everywhere_failed",
                                {{"reason", ReasonName(all)}});
        }
      }
    }
    absl::Status deleted = context_.store->Delete(*value);
    if (!deleted.ok()) {
      context_.logger->Warn("session_delete_failed",
                            {{"reason", ReasonName(deleted)}});
    }
  }
  std::string location = *return_url;
  if (!context_.settings.sign_out_url.empty() && client.ok()) {
    LogoutRequest logout;
    logout.post_logout_redirect_uri = context_.settings.sign_out_url;
    logout.id_token_hint = id_token;
    absl::StatusOr<std::string> url = (*client)->BuildLogoutUrl(logout);
    if (url.ok()) {
      location = *std::move(url);
    } else {
      context_.logger->Warn("logout_url_failed",
                            {{"reason", ReasonName(url.status())}});
    }
  }
  context_.logger->Info("sign_out", {{"everywhere", everywhere}});
  WebResponse response = Redirect(std::move(location));
  AddCookies(ClearCookieHeaders(
                 context_.cookie, context_.cookie.name,
                 std::max<size_t>(1, jar.ChunkCount(context_.cookie.name))),
             response);
  return response;
}

}  // namespace authgate::service
