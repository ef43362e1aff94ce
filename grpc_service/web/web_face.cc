#include "grpc_service/web/web_face.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc_service/proto_conversion.h"
#include "grpc_service/session/redis_session_store.h"
#include "grpc_service/web/identity_headers.h"
#include "nlohmann/json.hpp"

#include "authgate/config_object.h"
#include "authgate/status.h"
#include "authgate/v1/auth_service.pb.h"

namespace authgate::service {
namespace {

// The JSON API's deadline per call (the HTTP request timeout bounds it too).
constexpr absl::Duration kJsonApiTimeout = absl::Seconds(10);

std::string ReasonName(const absl::Status& status) {
  return std::string(ErrorReasonName(GetErrorReason(status)));
}

WebResponse JsonError(const absl::Status& status) {
  WebResponse response = JsonResponse(
      HttpStatusOf(status),
      {{"error", ReasonName(status)}, {"message", status.message()}});
  AddReasonHeader(status, response);
  return response;
}

absl::Status NotFound() {
  return MakeError(absl::StatusCode::kNotFound, ErrorReason::kInvalidArgument,
                   "no such endpoint");
}

absl::Status MethodNotAllowed() {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kInvalidArgument, "method not allowed");
}

}  // namespace

absl::StatusOr<std::shared_ptr<SessionStore>> MakeSessionStore(
    const WebSettings& settings, std::shared_ptr<const SessionKeys> keys) {
  if (settings.session_store == "redis") {
    absl::StatusOr<std::unique_ptr<SessionStore>> store = MakeRedisSessionStore(
        "web.session_store.url", settings.redis, std::move(keys));
    if (!store.ok()) return store.status();
    return std::shared_ptr<SessionStore>(*std::move(store));
  }
  return std::shared_ptr<SessionStore>(
      MakeCookieSessionStore(std::move(keys), settings.cookie.name));
}

std::shared_ptr<const WebFace::Parts> WebFace::MakeParts(WebContext context) {
  auto parts = std::make_shared<Parts>();
  parts->context = std::move(context);
  const WebContext& built = parts->context;
  parts->gate = std::make_unique<SessionGate>(
      built.cookie, built.settings.refresh_margin, built.store, built.client,
      built.clock, built.logger);
  // Points into *parts, which never moves.
  parts->flow = std::make_unique<BrowserFlow>(&parts->context);
  return parts;
}

absl::StatusOr<std::unique_ptr<WebFace>> WebFace::Create(
    const WebSettings& settings, Dependencies dependencies) {
  std::unique_ptr<WebFace> face(new WebFace());
  WebContext context;
  context.settings = settings;
  context.cookie = settings.cookie;
  face->reloadable_ =
      dependencies.keys == nullptr && dependencies.store == nullptr;
  if (dependencies.keys == nullptr) {
    absl::StatusOr<std::string> text =
        ReadConfigFile("web.cookie.secret_file", settings.cookie_secret_file);
    if (!text.ok()) return text.status();
    face->key_file_text_ = *std::move(text);
    absl::StatusOr<SessionKeys> keys = SessionKeys::FromFile(
        "web.cookie.secret_file", settings.cookie_secret_file);
    if (!keys.ok()) return keys.status();
    dependencies.keys = std::make_shared<const SessionKeys>(*std::move(keys));
  }
  context.keys = dependencies.keys;
  if (dependencies.store == nullptr) {
    absl::StatusOr<std::shared_ptr<SessionStore>> store =
        MakeSessionStore(settings, context.keys);
    if (!store.ok()) return store.status();
    dependencies.store = *std::move(store);
  }
  context.store = dependencies.store;
  absl::StatusOr<RedirectPolicy> policy = RedirectPolicy::Create(
      "web.allowed_redirect_domains", settings.allowed_redirect_domains,
      settings.default_return_url);
  if (!policy.ok()) return policy.status();
  context.policy.emplace(*std::move(policy));
  context.client = dependencies.client;
  context.clock = dependencies.clock;
  context.logger = dependencies.logger;
  face->verifier_ = dependencies.verifier;
  std::shared_ptr<const Parts> parts = MakeParts(std::move(context));
  absl::MutexLock lock(&face->mu_);
  face->parts_ = std::move(parts);
  return face;
}

void WebFace::ReloadKeys() {
  if (!reloadable_) return;
  absl::MutexLock reload(&reload_mu_);
  std::shared_ptr<const Parts> current = Current();
  const WebContext& now = current->context;
  const std::string& path = now.settings.cookie_secret_file;
  auto failed = [&](const absl::Status& status) {
    now.logger->Warn("key_file_reload_failed",
                     {{"field", "web.cookie.secret_file"},
                      {"file", path},
                      {"message", std::string(status.message())}});
  };
  absl::StatusOr<std::string> text =
      ReadConfigFile("web.cookie.secret_file", path);
  if (!text.ok()) return failed(text.status());
  if (*text == key_file_text_) return;
  absl::StatusOr<SessionKeys> keys =
      SessionKeys::FromFile("web.cookie.secret_file", path);
  if (!keys.ok()) return failed(keys.status());
  WebContext next = now;
  next.keys = std::make_shared<const SessionKeys>(*std::move(keys));
  absl::StatusOr<std::shared_ptr<SessionStore>> store =
      MakeSessionStore(next.settings, next.keys);
  if (!store.ok()) return failed(store.status());
  next.store = *std::move(store);
  key_file_text_ = *std::move(text);
  size_t count = next.keys->size();
  std::shared_ptr<const Parts> parts = MakeParts(std::move(next));
  {
    absl::MutexLock lock(&mu_);
    parts_ = std::move(parts);
  }
  current->context.logger->Info(
      "key_file_reloaded",
      {{"field", "web.cookie.secret_file"}, {"file", path}, {"keys", count}});
}

WebResponse WebFace::Auth(const Parts& parts, const WebRequest& request) const {
  const WebContext& context = parts.context;
  const SessionGate* gate = parts.gate.get();
  const std::string& name = context.cookie.name;
  std::string cookie_header = request.JoinedHeader("cookie", "; ");
  std::string upstream_cookie =
      ParseCookieHeader(cookie_header)
          .HeaderWithout(name, absl::StrCat(name, "_csrf_"));
  std::string authorization(request.Header("authorization"));
  std::optional<absl::string_view> bearer = BearerCredentials(authorization);
  WebResponse response;
  if (bearer.has_value()) {
    // Exactly ValidateToken's verdict for a request carrying only the token.
    v1::ValidateTokenRequest validate;
    validate.set_token(std::string(*bearer));
    absl::StatusOr<VerifiedToken> token =
        verifier_->Verify(validate.token(), ToVerifyOptions(validate));
    if (!token.ok()) {
      response = JsonError(token.status());
      if (response.status == 401) {
        response.AddHeader(
            "WWW-Authenticate",
            "Bearer realm=\"authgate\", error=\"invalid_token\"");
      }
      return response;
    }
    response.status = 202;
    for (auto& header : IdentityHeaders(
             IdentityOf(*token),
             context.settings.pass_access_token ? validate.token() : "")) {
      response.headers.push_back(std::move(header));
    }
  } else {
    absl::StatusOr<SessionVerdict> verdict = gate->Judge(cookie_header);
    if (!verdict.ok()) {
      response = JsonError(verdict.status());
      if (SessionGate::ShouldClear(verdict.status())) {
        for (std::string& value : gate->ClearCookies(cookie_header)) {
          response.AddHeader("Set-Cookie", std::move(value));
        }
      }
      return response;
    }
    response.status = 202;
    for (auto& header : IdentityHeaders(IdentityOf(verdict->session),
                                        context.settings.pass_access_token
                                            ? verdict->session.access_token
                                            : "")) {
      response.headers.push_back(std::move(header));
    }
    for (std::string& value : verdict->set_cookie) {
      response.AddHeader("Set-Cookie", std::move(value));
    }
  }
  if (!upstream_cookie.empty()) {
    response.AddHeader("X-Authgate-Upstream-Cookie",
                       HeaderSafe(upstream_cookie));
  }
  return response;
}

CookieVerdict WebFace::JudgeCookie(const std::string& cookie_header) const {
  std::shared_ptr<const Parts> parts = Current();
  const WebContext& context = parts->context;
  const SessionGate* gate = parts->gate.get();
  CookieVerdict out;
  absl::StatusOr<SessionVerdict> verdict = gate->Judge(cookie_header);
  if (!verdict.ok()) {
    out.status = verdict.status();
    if (SessionGate::ShouldClear(out.status)) {
      out.set_cookie = gate->ClearCookies(cookie_header);
    }
    return out;
  }
  out.headers = IdentityHeaders(IdentityOf(verdict->session),
                                context.settings.pass_access_token
                                    ? verdict->session.access_token
                                    : std::string());
  out.subject = verdict->session.user.subject;
  const std::string& name = context.cookie.name;
  out.upstream_cookie =
      HeaderSafe(ParseCookieHeader(cookie_header)
                     .HeaderWithout(name, absl::StrCat(name, "_csrf_")));
  out.set_cookie = std::move(verdict->set_cookie);
  return out;
}

WebResponse WebFace::UserInfo(const Parts& parts,
                              const WebRequest& request) const {
  const SessionGate* gate = parts.gate.get();
  std::string cookie_header = request.JoinedHeader("cookie", "; ");
  absl::StatusOr<SessionVerdict> verdict = gate->Judge(cookie_header);
  if (!verdict.ok()) {
    WebResponse response =
        JsonResponse(HttpStatusOf(verdict.status()),
                     {{"error", ReasonName(verdict.status())}});
    AddReasonHeader(verdict.status(), response);
    if (SessionGate::ShouldClear(verdict.status())) {
      for (std::string& value : gate->ClearCookies(cookie_header)) {
        response.AddHeader("Set-Cookie", std::move(value));
      }
    }
    return response;
  }
  WebResponse response =
      JsonResponse(200, IdentityJson(IdentityOf(verdict->session)));
  for (std::string& value : verdict->set_cookie) {
    response.AddHeader("Set-Cookie", std::move(value));
  }
  return response;
}

absl::string_view WebFace::EndpointLabel(absl::string_view path) const {
  std::shared_ptr<const Parts> parts = Current();
  const WebContext& context = parts->context;
  if (json_api_ != nullptr && absl::StartsWith(path, "/v1/")) {
    return "json_api";
  }
  const std::string& prefix = context.settings.prefix;
  if (!absl::StartsWith(path, prefix)) return "other";
  absl::string_view endpoint = path.substr(prefix.size());
  for (absl::string_view known :
       {"start", "callback", "auth", "userinfo", "sign_out"}) {
    if (endpoint.size() == known.size() + 1 && endpoint[0] == '/' &&
        endpoint.substr(1) == known) {
      return known;
    }
  }
  return "other";
}

WebResponse WebFace::Handle(const WebRequest& request) const {
  // One snapshot per request: a key rotation never splits one.
  std::shared_ptr<const Parts> parts = Current();
  const WebContext& context = parts->context;
  const BrowserFlow* flow = parts->flow.get();
  const std::string& prefix = context.settings.prefix;
  WebResponse response;
  absl::string_view path = request.path;
  bool get = request.method == "GET" || request.method == "HEAD";
  if (json_api_ != nullptr && absl::StartsWith(path, "/v1/")) {
    if (request.method != "POST") {
      response = JsonError(MethodNotAllowed());
      response.status = 405;
      response.AddHeader("Allow", "POST");
    } else {
      JsonApiReply reply =
          json_api_->Call(path.substr(4), request.body, kJsonApiTimeout);
      response.status = reply.http_status;
      response.body = std::move(reply.body);
      response.AddHeader("Content-Type", "application/json");
      for (auto& header : reply.headers) response.headers.push_back(header);
    }
  } else if (!absl::StartsWith(path, prefix) || path.size() == prefix.size() ||
             path[prefix.size()] != '/') {
    response = JsonError(NotFound());
  } else {
    absl::string_view endpoint = path.substr(prefix.size());
    bool sign_out = endpoint == "/sign_out";
    if (!sign_out && endpoint != "/start" && endpoint != "/callback" &&
        endpoint != "/auth" && endpoint != "/userinfo") {
      response = JsonError(NotFound());
    } else if (!(get || (sign_out && request.method == "POST"))) {
      response = JsonError(MethodNotAllowed());
      response.status = 405;
      response.AddHeader("Allow", sign_out ? "GET, POST" : "GET, HEAD");
    } else if (endpoint == "/start") {
      response = flow->Start(request);
    } else if (endpoint == "/callback") {
      response = flow->Callback(request);
    } else if (sign_out) {
      response = flow->SignOut(request);
    } else if (endpoint == "/auth") {
      response = Auth(*parts, request);
    } else {
      response = UserInfo(*parts, request);
    }
  }
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace authgate::service
