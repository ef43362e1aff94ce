#include "grpc_service/ext_authz_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc_service/auth_service.h"
#include "grpc_service/deferred_key_source.h"
#include "grpc_service/proto_conversion.h"
#include "grpc_service/status_conversion.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "authgate/unverified_token.h"

namespace authgate::service {
namespace {

namespace envoy_auth = ::envoy::service::auth::v3;
namespace envoy_core = ::envoy::config::core::v3;
using HeaderOptions =
    ::google::protobuf::RepeatedPtrField<envoy_core::HeaderValueOption>;

// Per-route overrides Envoy can send in context_extensions.
constexpr char kProviderExtension[] = "authgate-provider";
constexpr char kTokenUsesExtension[] = "authgate-token-uses";
constexpr char kAudiencesExtension[] = "authgate-audiences";
constexpr char kScopesExtension[] = "authgate-scopes";
constexpr char kScopeMatchExtension[] = "authgate-scope-match";
constexpr char kGroupsExtension[] = "authgate-groups";
constexpr char kGroupMatchExtension[] = "authgate-group-match";
constexpr char kNonceExtension[] = "authgate-nonce";

// The identity headers authgate sets on allowed requests. Every one of them
// is either overwritten or removed, so a client cannot smuggle its own; any
// other x-authgate-* header the client sent is removed too, so an upstream
// may trust the whole family (including names a later version adds).
constexpr absl::string_view kIdentityHeaderPrefix = "x-authgate-";
constexpr const char* kIdentityHeaders[] = {
    "x-authgate-sub",       "x-authgate-username", "x-authgate-client-id",
    "x-authgate-token-use", "x-authgate-scopes",   "x-authgate-groups",
    "x-authgate-issuer",    "x-authgate-provider", "x-authgate-expires-at"};

// Claim values come from a signed token but may still hold bytes that are
// illegal in an HTTP header; a CR/LF would otherwise split the header.
std::string HeaderSafe(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    out.push_back(c >= 0x20 && c != 0x7f ? c : ' ');
  }
  return out;
}

// Text inside an RFC 7235 quoted-string: no quotes, backslashes or controls.
std::string QuotedSafe(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\') continue;
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  return out;
}

void AddHeader(HeaderOptions* headers, absl::string_view key,
               absl::string_view value) {
  envoy_core::HeaderValueOption* option = headers->Add();
  option->mutable_header()->set_key(std::string(key));
  option->mutable_header()->set_value(HeaderSafe(value));
  option->set_append_action(
      envoy_core::HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
}

// Header `name` (lower case): from `headers`, or from `header_map` when
// Envoy sends raw headers.
std::string FindHeader(const envoy_auth::AttributeContext::HttpRequest& http,
                       absl::string_view name) {
  auto it = http.headers().find(std::string(name));
  if (it != http.headers().end()) return it->second;
  for (const envoy_core::HeaderValue& header : http.header_map().headers()) {
    if (absl::EqualsIgnoreCase(header.key(), name)) {
      return header.raw_value().empty() ? header.value() : header.raw_value();
    }
  }
  return "";
}

std::string FindAuthorization(
    const envoy_auth::AttributeContext::HttpRequest& http) {
  return FindHeader(http, "authorization");
}

// The browser face's identity headers (X-Auth-Request-*): all overwritten or
// removed on a session verdict, like the x-authgate-* family.
constexpr absl::string_view kSessionHeaderPrefix = "x-auth-request-";
constexpr const char* kSessionHeaders[] = {
    "x-auth-request-user",   "x-auth-request-email",
    "x-auth-request-groups", "x-auth-request-preferred-username",
    "x-auth-request-sub",    "x-auth-request-access-token"};

std::vector<std::string> SplitList(absl::string_view text) {
  return absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipEmpty());
}

absl::StatusOr<Match> ParseMatchExtension(absl::string_view name,
                                          absl::string_view value) {
  if (std::optional<Match> match = MatchFromName(value)) return *match;
  // A route's configuration error, not the caller's token: answered 500.
  return MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
      absl::StrCat("context extension ", name, " must be \"all\" or \"any\""));
}

// The route's requirements: the configured defaults, each overridable by a
// context extension, so a route can state every per-call rule ValidateToken
// can.
absl::StatusOr<VerifyOptions> OptionsFor(
    const ExtAuthzSettings& settings,
    const envoy_auth::AttributeContext& attributes) {
  VerifyOptions options;
  options.provider = settings.provider;
  options.token_uses = settings.token_uses;
  options.audiences = settings.audiences;
  options.scopes = settings.required_scopes;
  options.scope_match = settings.scope_match;
  options.groups = settings.required_groups;
  options.group_match = settings.group_match;
  const auto& extensions = attributes.context_extensions();
  if (auto it = extensions.find(kProviderExtension); it != extensions.end()) {
    options.provider = it->second;
  }
  if (auto it = extensions.find(kTokenUsesExtension); it != extensions.end()) {
    options.token_uses = SplitList(it->second);
  }
  if (auto it = extensions.find(kAudiencesExtension); it != extensions.end()) {
    options.audiences = SplitList(it->second);
  }
  if (auto it = extensions.find(kScopesExtension); it != extensions.end()) {
    options.scopes = SplitList(it->second);
  }
  if (auto it = extensions.find(kScopeMatchExtension); it != extensions.end()) {
    absl::StatusOr<Match> match =
        ParseMatchExtension(kScopeMatchExtension, it->second);
    if (!match.ok()) return match.status();
    options.scope_match = *match;
  }
  if (auto it = extensions.find(kGroupsExtension); it != extensions.end()) {
    options.groups = SplitList(it->second);
  }
  if (auto it = extensions.find(kGroupMatchExtension); it != extensions.end()) {
    absl::StatusOr<Match> match =
        ParseMatchExtension(kGroupMatchExtension, it->second);
    if (!match.ok()) return match.status();
    options.group_match = *match;
  }
  if (auto it = extensions.find(kNonceExtension); it != extensions.end()) {
    options.nonce = it->second;
  }
  return options;
}

bool IsIdentityHeader(absl::string_view name) {
  for (const char* known : kIdentityHeaders) {
    if (absl::EqualsIgnoreCase(name, known)) return true;
  }
  return false;
}

// Client-sent x-authgate-* headers that authgate does not set itself, in
// lower case (Envoy matches header names case-insensitively).
std::vector<std::string> ForeignIdentityHeaders(
    const envoy_auth::AttributeContext::HttpRequest& http) {
  std::vector<std::string> names;
  auto consider = [&names](absl::string_view name) {
    if (absl::StartsWithIgnoreCase(name, kIdentityHeaderPrefix) &&
        !IsIdentityHeader(name)) {
      names.push_back(absl::AsciiStrToLower(name));
    }
  };
  for (const auto& [name, value] : http.headers()) consider(name);
  for (const envoy_core::HeaderValue& header : http.header_map().headers()) {
    consider(header.key());
  }
  return names;
}

void Allow(const VerifiedToken& token,
           const envoy_auth::AttributeContext::HttpRequest& http,
           bool forward_authorization, envoy_auth::CheckResponse* response) {
  response->mutable_status()->set_code(0);
  envoy_auth::OkHttpResponse* ok = response->mutable_ok_response();
  const std::string values[] = {
      token.subject(),
      token.username(),
      token.client_id().empty() ? token.authorized_party() : token.client_id(),
      token.token_use(),
      absl::StrJoin(token.scopes(), " "),
      absl::StrJoin(token.groups(), ","),
      token.issuer(),
      token.provider_name(),
      token.expires_at() == absl::InfiniteFuture()
          ? std::string()
          : absl::StrCat(absl::ToUnixSeconds(token.expires_at())),
  };
  static_assert(std::size(kIdentityHeaders) == std::size(values));
  for (size_t i = 0; i < std::size(kIdentityHeaders); ++i) {
    if (values[i].empty()) {
      ok->add_headers_to_remove(kIdentityHeaders[i]);
    } else {
      AddHeader(ok->mutable_headers(), kIdentityHeaders[i], values[i]);
    }
  }
  for (std::string& name : ForeignIdentityHeaders(http)) {
    ok->add_headers_to_remove(std::move(name));
  }
  if (!forward_authorization) ok->add_headers_to_remove("authorization");
}

// Set-Cookie repeats: appended, never overwriting.
void AppendHeader(HeaderOptions* headers, absl::string_view key,
                  absl::string_view value) {
  envoy_core::HeaderValueOption* option = headers->Add();
  option->mutable_header()->set_key(std::string(key));
  option->mutable_header()->set_value(HeaderSafe(value));
  option->set_append_action(
      envoy_core::HeaderValueOption::APPEND_IF_EXISTS_OR_ADD);
}

void AllowSession(const CookieVerdict& verdict,
                  const envoy_auth::AttributeContext::HttpRequest& http,
                  envoy_auth::CheckResponse* response) {
  response->mutable_status()->set_code(0);
  envoy_auth::OkHttpResponse* ok = response->mutable_ok_response();
  std::vector<std::string> set;
  for (const auto& [name, value] : verdict.headers) {
    AddHeader(ok->mutable_headers(), absl::AsciiStrToLower(name), value);
    set.push_back(absl::AsciiStrToLower(name));
  }
  for (const char* name : kSessionHeaders) {
    if (std::find(set.begin(), set.end(), name) == set.end()) {
      ok->add_headers_to_remove(name);
    }
  }
  AddHeader(ok->mutable_headers(), "x-authgate-sub", verdict.subject);
  for (const char* name : kIdentityHeaders) {
    if (absl::string_view(name) != "x-authgate-sub") {
      ok->add_headers_to_remove(name);
    }
  }
  // Client-sent members of either family that authgate did not set.
  auto consider = [&](absl::string_view name) {
    std::string lower = absl::AsciiStrToLower(name);
    bool ours = std::find(set.begin(), set.end(), lower) != set.end() ||
                IsIdentityHeader(lower);
    for (const char* known : kSessionHeaders) ours |= lower == known;
    if (!ours && (absl::StartsWith(lower, kIdentityHeaderPrefix) ||
                  absl::StartsWith(lower, kSessionHeaderPrefix))) {
      ok->add_headers_to_remove(lower);
    }
  };
  for (const auto& [name, value] : http.headers()) consider(name);
  for (const envoy_core::HeaderValue& header : http.header_map().headers()) {
    consider(header.key());
  }
  for (const std::string& value : verdict.set_cookie) {
    AppendHeader(ok->mutable_response_headers_to_add(), "set-cookie", value);
  }
  // authgate's own cookies never reach the upstream.
  if (verdict.upstream_cookie.empty()) {
    ok->add_headers_to_remove("cookie");
  } else {
    AddHeader(ok->mutable_headers(), "cookie", verdict.upstream_cookie);
  }
}

void Deny(const absl::Status& status, const VerifyOptions& options,
          absl::string_view realm, envoy_auth::CheckResponse* response) {
  grpc::StatusCode code = ToGrpcCode(status.code());
  response->mutable_status()->set_code(static_cast<int>(code));
  response->mutable_status()->set_message(std::string(status.message()));
  envoy_auth::DeniedHttpResponse* denied = response->mutable_denied_response();
  ErrorReason reason = GetErrorReason(status);
  std::string challenge = absl::StrCat("Bearer realm=\"", realm, "\"");
  std::string error;
  int http_status = 500;
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      http_status = 401;
      // RFC 6750 section 3.1: a request without credentials gets a bare
      // challenge; only a presented, unacceptable token gets an error code.
      if (reason != ErrorReason::kUnspecified) {
        error = "invalid_token";
        absl::StrAppend(&challenge, ", error=\"invalid_token\"",
                        ", error_description=\"", QuotedSafe(status.message()),
                        "\"");
      }
      break;
    case absl::StatusCode::kPermissionDenied:
      // RFC 6750 section 3.1: insufficient_scope is a 403 naming the scope.
      http_status = 403;
      error = "insufficient_scope";
      absl::StrAppend(&challenge, ", error=\"insufficient_scope\"");
      if (reason == ErrorReason::kScopeMissing && !options.scopes.empty()) {
        absl::StrAppend(&challenge, ", scope=\"",
                        QuotedSafe(absl::StrJoin(options.scopes, " ")), "\"");
      }
      break;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      http_status = 503;
      break;
    default:
      break;
  }
  denied->mutable_status()->set_code(
      static_cast<envoy::type::v3::StatusCode>(http_status));
  if (http_status == 401 || http_status == 403) {
    AddHeader(denied->mutable_headers(), "www-authenticate", challenge);
  }
  AddHeader(denied->mutable_headers(), "content-type", "application/json");
  // As every face's error answers: the stable reason, for clients and logs.
  if (reason != ErrorReason::kUnspecified) {
    AddHeader(denied->mutable_headers(), kErrorReasonMetadataKey,
              std::string(ErrorReasonName(reason)));
  }
  nlohmann::json body = {
      {"error", error.empty()
                    ? std::string(absl::StatusCodeToString(status.code()))
                    : error},
      {"reason", std::string(ErrorReasonName(reason))},
      {"message", std::string(status.message())}};
  denied->set_body(
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

ExtAuthzServiceImpl::ExtAuthzServiceImpl(
    ExtAuthzSettings settings, std::shared_ptr<const ProviderRegistry> registry,
    std::shared_ptr<Metrics> metrics, std::shared_ptr<Logger> logger)
    : settings_(std::move(settings)),
      registry_(std::move(registry)),
      metrics_(std::move(metrics)),
      logger_(std::move(logger)) {
  SetMessageAllocatorFor_Check(&check_allocator_);
}

void ExtAuthzServiceImpl::Complete(const absl::StatusOr<VerifiedToken>& result,
                                   const envoy_auth::CheckRequest& request,
                                   const VerifyOptions& options,
                                   absl::Time start,
                                   envoy_auth::CheckResponse* response) const {
  metrics_->RecordValidation(Metrics::Rpc::kCheck, result.status(),
                             absl::Now() - start);
  const envoy_auth::AttributeContext::HttpRequest& http =
      request.attributes().request().http();
  // Computed only for lines that are written: hashing the token costs as
  // much as the rest of a cached check.
  auto fingerprint = [&http] {
    // Named: BearerCredentials returns a view into it (found by fuzzing).
    const std::string authorization = FindAuthorization(http);
    std::optional<absl::string_view> token = BearerCredentials(authorization);
    return !token.has_value() || token->empty() ? std::string()
                                                : TokenFingerprint(*token);
  };
  if (result.ok()) {
    Allow(*result, http, settings_.forward_authorization, response);
    if (logger_->Enabled(LogLevel::kDebug)) {
      logger_->Debug("request_allowed", {{"rpc", "Check"},
                                         {"request_id", http.id()},
                                         {"provider", result->provider_name()},
                                         {"token_fp", fingerprint()}});
    }
    return;
  }
  Deny(result.status(), options, settings_.realm, response);
  // The path is not logged: query strings can carry codes and tokens.
  logger_->Info(
      "request_denied",
      {{"rpc", "Check"},
       {"request_id", http.id()},
       {"code", absl::StatusCodeToString(result.status().code())},
       {"reason",
        std::string(ErrorReasonName(GetErrorReason(result.status())))},
       {"message", std::string(result.status().message())},
       {"token_fp", fingerprint()}});
}

void ExtAuthzServiceImpl::CompleteCookie(
    const CookieVerdict& verdict, const envoy_auth::CheckRequest& request,
    absl::Time start, envoy_auth::CheckResponse* response) const {
  metrics_->RecordValidation(Metrics::Rpc::kCheck, verdict.status,
                             absl::Now() - start);
  const envoy_auth::AttributeContext::HttpRequest& http =
      request.attributes().request().http();
  if (verdict.status.ok()) {
    AllowSession(verdict, http, response);
    if (logger_->Enabled(LogLevel::kDebug)) {
      logger_->Debug("request_allowed", {{"rpc", "Check"},
                                         {"request_id", http.id()},
                                         {"credential", "session"}});
    }
    return;
  }
  Deny(verdict.status, VerifyOptions(), settings_.realm, response);
  for (const std::string& value : verdict.set_cookie) {
    AppendHeader(response->mutable_denied_response()->mutable_headers(),
                 "set-cookie", value);
  }
  logger_->Info(
      "request_denied",
      {{"rpc", "Check"},
       {"request_id", http.id()},
       {"credential", "session"},
       {"code", absl::StatusCodeToString(verdict.status.code())},
       {"reason", std::string(ErrorReasonName(GetErrorReason(verdict.status)))},
       {"message", std::string(verdict.status.message())}});
}

grpc::ServerUnaryReactor* ExtAuthzServiceImpl::Check(
    grpc::CallbackServerContext* context,
    const envoy_auth::CheckRequest* request,
    envoy_auth::CheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Time start = absl::Now();
  absl::StatusOr<VerifyOptions> route =
      OptionsFor(settings_, request->attributes());
  if (!route.ok()) {
    Complete(route.status(), *request, VerifyOptions(), start, response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  VerifyOptions options = *std::move(route);
  std::string authorization =
      FindAuthorization(request->attributes().request().http());
  std::optional<absl::string_view> token = BearerCredentials(authorization);
  if (!token.has_value() && authorization.empty() && cookie_judge_ &&
      pool_ != nullptr) {
    std::string cookie =
        FindHeader(request->attributes().request().http(), "cookie");
    if (!cookie.empty()) {
      // May wait on Redis or a refresh: never on the reactor.
      FinishOnWorker(
          *pool_, *metrics_, context, reactor,
          [this, request, response, start, cookie = std::move(cookie)] {
            CompleteCookie(cookie_judge_(cookie), *request, start, response);
            return absl::OkStatus();
          });
      return reactor;
    }
  }
  if (!token.has_value()) {
    // A route naming an unknown provider is an Envoy configuration error:
    // report it (500), do not blame the missing token.
    absl::Status status = registry_->CheckProviderName(options.provider);
    if (status.ok()) {
      status = absl::UnauthenticatedError("no bearer token in the request");
    }
    Complete(status, *request, options, start, response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // A presented token is the core's to judge, unknown route provider
  // included (invalid_argument, answered 500), exactly as ValidateToken.
  NonBlockingScope scope;
  absl::StatusOr<VerifiedToken> result =
      registry_->verifier().Verify(*token, options);
  if (!scope.blocked()) {
    Complete(result, *request, options, start, response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // A key fetch is needed: finish once the provider answered.
  FinishAfterKeys(
      scope, *metrics_, context, reactor,
      [this, request, response, start, authorization = std::move(authorization),
       options = std::move(options)] {
        absl::StatusOr<VerifiedToken> result = registry_->verifier().Verify(
            *BearerCredentials(authorization), options);
        Complete(result, *request, options, start, response);
        return absl::OkStatus();
      });
  return reactor;
}

}  // namespace authgate::service
