#include "authgate/oauth_client.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "curl_http_fetcher.h"

#include "authgate/pkce.h"
#include "authgate/status.h"
#include "crypto/digest.h"
#include "json_util.h"
#include "single_flight.h"
#include "status_macros.h"

namespace authgate {
namespace {

using internal::FormParams;

absl::Status NotConfigured(absl::string_view what) {
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   ErrorReason::kConfigInvalid,
                   absl::StrCat("provider has no ", what));
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  return absl::StrJoin(scopes, " ");
}

// Cognito returns OIDC's boolean claims as strings.
void NormaliseBooleans(nlohmann::json& claims) {
  for (const char* name : {"email_verified", "phone_number_verified"}) {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_string()) continue;
    const std::string& value = it->get_ref<const std::string&>();
    if (value == "true") {
      *it = true;
    } else if (value == "false") {
      *it = false;
    }
  }
}

// Client authentication at the token and revocation endpoints.
void AddClientAuthentication(const ProviderConfig& config,
                             const std::string& secret, HttpRequest& request,
                             FormParams& form) {
  switch (config.auth_method) {
    case ClientAuthMethod::kClientSecretBasic:
      // RFC 6749 section 2.3.1: form-urlencode id and secret, then base64;
      // a secret with ':' or '%' breaks otherwise.
      request.headers.emplace_back(
          "Authorization",
          absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                     internal::FormEncode(config.client_id),
                                     ":", internal::FormEncode(secret)))));
      break;
    case ClientAuthMethod::kClientSecretPost:
      form.emplace_back("client_id", config.client_id);
      form.emplace_back("client_secret", secret);
      break;
    case ClientAuthMethod::kNone:
      form.emplace_back("client_id", config.client_id);
      break;
  }
}

}  // namespace

// In-flight requests and the client_credentials cache.
class OAuthClient::Flights {
 public:
  internal::SingleFlight<TokenResponse> refresh;
  internal::SingleFlight<TokenResponse> client_credentials;

  absl::Mutex mu;
  absl::flat_hash_map<std::string, TokenResponse> cc_cache ABSL_GUARDED_BY(mu);
  // Starts as config.client_secret; SetClientSecret() replaces it while
  // requests run (a rotated secret file), so each request reads it here.
  std::string secret ABSL_GUARDED_BY(mu);
};

absl::StatusOr<std::string> CodeFromAuthorizationResponse(
    absl::string_view redirect_url, absl::string_view expected_state) {
  if (expected_state.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument, "expected state is empty");
  }
  absl::string_view query = redirect_url;
  size_t question = query.find('?');
  if (question != absl::string_view::npos) query = query.substr(question + 1);
  query = query.substr(0, query.find('#'));
  std::string code, state, error, description;
  for (const auto& [name, value] : internal::ParseQuery(query)) {
    if (name == "code") code = value;
    if (name == "state") state = value;
    if (name == "error") error = value;
    if (name == "error_description") description = value;
  }
  // RFC 6749 section 10.12: an unmatched state is a forged or replayed
  // callback (CSRF); nothing else in it is trusted, not even its error.
  if (!StateMatches(expected_state, state)) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kStateMismatch,
                     "authorization response state does not match");
  }
  if (!error.empty()) {
    return MakeOAuthError(error, description, "authorization refused");
  }
  if (code.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "authorization response has no code");
  }
  return code;
}

ProviderPolicy MakeProviderPolicy(const ProviderConfig& config,
                                  std::shared_ptr<KeySource> keys) {
  ProviderPolicy policy;
  policy.name = config.name;
  policy.issuers.push_back(config.issuer);
  for (const std::string& extra : config.additional_issuers) {
    policy.issuers.push_back(extra);
  }
  policy.keys = std::move(keys);
  // OIDC Core 3.1.3.7: the ID token's aud must contain our client_id;
  // Cognito access tokens carry it as client_id instead.
  policy.audiences = {config.client_id};
  const KindProfile& profile = GetKindProfile(config.kind);
  policy.audience_rule = profile.audience_rule;
  policy.groups_claim = std::string(profile.groups_claim);
  policy.username_claim = std::string(profile.username_claim);
  policy.token_uses = config.token_uses;
  policy.token_types = config.token_types;
  policy.clock_skew = config.clock_skew;
  return policy;
}

absl::StatusOr<std::shared_ptr<OAuthClient>> OAuthClient::Create(
    ProviderConfig config, Dependencies dependencies) {
  ProviderPolicy policy = MakeProviderPolicy(config, nullptr);
  return CreateWithPolicy(std::move(config), std::move(dependencies),
                          std::move(policy));
}

absl::StatusOr<std::shared_ptr<OAuthClient>> OAuthClient::Create(
    const ProviderSpec& spec, const OAuthClientSpec& client,
    Dependencies dependencies) {
  AUTHGATE_ASSIGN_OR_RETURN(ProviderConfig config,
                            MakeProviderConfig(spec, client));
  return CreateWithPolicy(std::move(config), std::move(dependencies),
                          MakeProviderPolicy(spec, nullptr));
}

absl::StatusOr<std::shared_ptr<OAuthClient>> OAuthClient::CreateWithPolicy(
    ProviderConfig config, Dependencies dependencies, ProviderPolicy policy) {
  AUTHGATE_RETURN_IF_ERROR(config.Validate());
  if (dependencies.clock == nullptr) dependencies.clock = SystemClock();
  if (dependencies.fetcher == nullptr) {
    CurlOptions curl;
    curl.allow_insecure_http = config.allow_insecure_http;
    dependencies.fetcher = CreateCurlHttpFetcher(curl);
  }
  ProviderMetadata metadata;
  if (config.use_discovery) {
    AUTHGATE_ASSIGN_OR_RETURN(
        metadata, FetchProviderMetadata(*dependencies.fetcher, config.issuer,
                                        config.http_timeout));
  } else {
    metadata.issuer = config.issuer;
  }
  ApplyEndpointOverrides(config.endpoints, metadata);
  if (metadata.jwks_uri.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid, "provider has no jwks_uri");
  }
  // Endpoints that came from discovery are held to the same rule as
  // configured ones: a document must not downgrade us to plain http.
  const std::pair<const std::string*, absl::string_view> endpoints[] = {
      {&metadata.authorization_endpoint, "authorization_endpoint"},
      {&metadata.token_endpoint, "token_endpoint"},
      {&metadata.userinfo_endpoint, "userinfo_endpoint"},
      {&metadata.revocation_endpoint, "revocation_endpoint"},
      {&metadata.end_session_endpoint, "end_session_endpoint"},
      {&metadata.jwks_uri, "jwks_uri"},
  };
  for (const auto& [value, field] : endpoints) {
    if (value->empty()) continue;
    absl::Status status =
        internal::CheckProviderUrl(*value, field, config.allow_insecure_http);
    if (!status.ok()) {
      return MakeError(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kConfigInvalid, status.message());
    }
  }
  JwksCache::Dependencies jwks_deps;
  jwks_deps.fetcher = dependencies.fetcher;
  jwks_deps.clock = dependencies.clock;
  AUTHGATE_ASSIGN_OR_RETURN(
      std::shared_ptr<JwksCache> jwks,
      JwksCache::Create(metadata.jwks_uri, config.jwks, jwks_deps));
  policy.keys = jwks;
  VerifierOptions verifier_options;
  // The ID tokens this client receives were issued to it.
  ProviderPolicy own = policy;
  own.audiences = {config.client_id};
  own.allow_any_audience = false;
  verifier_options.providers.push_back(std::move(own));
  TokenVerifier::Dependencies verifier_deps;
  verifier_deps.clock = dependencies.clock;
  AUTHGATE_ASSIGN_OR_RETURN(
      std::unique_ptr<TokenVerifier> verifier,
      TokenVerifier::Create(std::move(verifier_options), verifier_deps));
  return std::shared_ptr<OAuthClient>(new OAuthClient(
      std::move(config), std::move(metadata), std::move(dependencies),
      std::move(jwks), std::move(verifier), std::move(policy)));
}

absl::StatusOr<std::shared_ptr<OAuthClient>> OAuthClient::Create(
    ProviderConfig config) {
  return Create(std::move(config), Dependencies());
}

OAuthClient::OAuthClient(ProviderConfig config, ProviderMetadata metadata,
                         Dependencies dependencies,
                         std::shared_ptr<JwksCache> jwks,
                         std::unique_ptr<TokenVerifier> verifier,
                         ProviderPolicy policy)
    : config_(std::move(config)),
      metadata_(std::move(metadata)),
      deps_(std::move(dependencies)),
      jwks_(std::move(jwks)),
      verifier_(std::move(verifier)),
      policy_(std::move(policy)),
      flights_(std::make_unique<Flights>()) {
  absl::MutexLock lock(&flights_->mu);
  flights_->secret = config_.client_secret;
}

OAuthClient::~OAuthClient() = default;

absl::Status OAuthClient::WarmUp() { return jwks_->WarmUp(); }

ProviderPolicy OAuthClient::policy() const { return policy_; }

absl::StatusOr<VerifiedToken> OAuthClient::Verify(
    absl::string_view token, const VerifyOptions& options) const {
  return verifier_->Verify(token, options);
}

absl::StatusOr<AuthorizationUrl> OAuthClient::BuildAuthorizationUrl(
    const AuthorizationRequest& request) const {
  if (metadata_.authorization_endpoint.empty()) {
    return NotConfigured("authorization_endpoint");
  }
  AuthorizationUrl out;
  out.redirect_uri = request.redirect_uri.empty() ? config_.redirect_uri
                                                  : request.redirect_uri;
  if (out.redirect_uri.empty()) return NotConfigured("redirect_uri");
  static constexpr absl::string_view kReserved[] = {"response_type",
                                                    "client_id",
                                                    "redirect_uri",
                                                    "scope",
                                                    "state",
                                                    "nonce",
                                                    "code_challenge",
                                                    "code_challenge_method",
                                                    "prompt",
                                                    "login_hint",
                                                    "identity_provider",
                                                    "idp_identifier"};
  for (const auto& [name, value] : request.extra_params) {
    if (std::find(std::begin(kReserved), std::end(kReserved), name) !=
        std::end(kReserved)) {
      return MakeError(
          absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
          absl::StrCat("extra parameter ", name, " is set by authgate"));
    }
  }
  AUTHGATE_ASSIGN_OR_RETURN(out.state, GenerateState());
  AUTHGATE_ASSIGN_OR_RETURN(out.nonce, GenerateNonce());
  AUTHGATE_ASSIGN_OR_RETURN(out.code_verifier, GenerateCodeVerifier());
  const std::vector<std::string>& scopes =
      request.scopes.empty() ? config_.scopes : request.scopes;
  FormParams params = {
      {"response_type", "code"},
      {"client_id", config_.client_id},
      {"redirect_uri", out.redirect_uri},
      {"scope", JoinScopes(scopes)},
      {"state", out.state},
      {"nonce", out.nonce},
      // RFC 9700 section 2.1.1: PKCE for every client, confidential too.
      {"code_challenge", PkceS256Challenge(out.code_verifier)},
      {"code_challenge_method", std::string(kPkceMethodS256)},
  };
  auto add = [&params](const char* name, const std::string& value) {
    if (!value.empty()) params.emplace_back(name, value);
  };
  add("prompt", request.prompt);
  add("login_hint", request.login_hint);
  add("identity_provider", request.identity_provider);
  add("idp_identifier", request.idp_identifier);
  for (const auto& param : request.extra_params) params.push_back(param);
  out.url = internal::AppendQuery(metadata_.authorization_endpoint, params);
  return out;
}

absl::StatusOr<std::string> OAuthClient::BuildLogoutUrl(
    const LogoutRequest& request) const {
  if (metadata_.end_session_endpoint.empty()) {
    return NotConfigured("end_session_endpoint");
  }
  FormParams params = {{"client_id", config_.client_id}};
  if (config_.logout_style == LogoutStyle::kCognito) {
    // Cognito /logout: client_id + logout_uri; no id_token_hint.
    if (request.post_logout_redirect_uri.empty()) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       "Cognito logout needs a logout_uri");
    }
    params.emplace_back("logout_uri", request.post_logout_redirect_uri);
  } else {
    if (!request.id_token_hint.empty()) {
      params.emplace_back("id_token_hint", request.id_token_hint);
    }
    if (!request.post_logout_redirect_uri.empty()) {
      params.emplace_back("post_logout_redirect_uri",
                          request.post_logout_redirect_uri);
    }
  }
  if (!request.state.empty()) params.emplace_back("state", request.state);
  return internal::AppendQuery(metadata_.end_session_endpoint, params);
}

absl::StatusOr<HttpResponse> OAuthClient::PostForm(const std::string& url,
                                                   FormParams form) const {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.timeout = config_.http_timeout;
  request.max_response_bytes = kMaxTokenResponseBytes;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  std::string secret;
  {
    absl::MutexLock lock(&flights_->mu);
    secret = flights_->secret;
  }
  AddClientAuthentication(config_, secret, request, form);
  request.body = internal::EncodeForm(form);
  return deps_.fetcher->Fetch(request);
}

absl::StatusOr<TokenResponse> OAuthClient::PostToken(
    FormParams form, const std::string& nonce,
    const std::string& presented_refresh_token) {
  if (metadata_.token_endpoint.empty()) return NotConfigured("token_endpoint");
  AUTHGATE_ASSIGN_OR_RETURN(
      HttpResponse response,
      PostForm(metadata_.token_endpoint, std::move(form)));
  if (response.status_code != 200) {
    return OAuthErrorFromResponse(response, "token endpoint");
  }
  AUTHGATE_ASSIGN_OR_RETURN(
      TokenResponse tokens,
      ParseTokenResponse(response.body, deps_.clock->Now()));
  if (tokens.refresh_token.empty() && !presented_refresh_token.empty()) {
    // Cognito without rotation returns no refresh token: keep the old one.
    tokens.refresh_token = presented_refresh_token;
    tokens.refresh_token_rotated = false;
  }
  if (!tokens.id_token.empty()) {
    VerifyOptions options;
    // OIDC Core 3.1.3.7 rule 11: when a nonce was sent it must come back.
    // None sent: Cognito's own federated nonce is not an error.
    options.nonce = nonce;
    // OIDC Core 3.1.3.8: at_hash, when present, binds the access token.
    options.access_token = tokens.access_token;
    if (!config_.token_uses.empty()) options.token_uses = {"id"};
    AUTHGATE_ASSIGN_OR_RETURN(VerifiedToken id,
                              verifier_->Verify(tokens.id_token, options));
    // OIDC Core 3.1.3.7 rule 3: an ID token has aud (client_id alone, as in
    // Cognito access tokens, does not make an ID token).
    const std::vector<std::string>& audience = id.audience();
    if (std::find(audience.begin(), audience.end(), config_.client_id) ==
        audience.end()) {
      return MakeError(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kAudienceMismatch,
                       "id token aud does not contain the client id");
    }
    tokens.id_token_claims = std::move(id);
  }
  return tokens;
}

absl::StatusOr<TokenResponse> OAuthClient::ExchangeCode(
    const CodeExchangeRequest& request) {
  if (request.code.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "authorization code is empty");
  }
  std::string redirect_uri = request.redirect_uri.empty()
                                 ? config_.redirect_uri
                                 : request.redirect_uri;
  FormParams form = {{"grant_type", "authorization_code"},
                     {"code", request.code}};
  if (!redirect_uri.empty()) form.emplace_back("redirect_uri", redirect_uri);
  if (!request.code_verifier.empty()) {
    form.emplace_back("code_verifier", request.code_verifier);
  } else if (config_.auth_method == ClientAuthMethod::kNone) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "a public client must send a PKCE code_verifier");
  }
  return PostToken(std::move(form), request.nonce, "");
}

absl::StatusOr<TokenResponse> OAuthClient::Refresh(
    const std::string& refresh_token, const std::vector<std::string>& scopes) {
  if (refresh_token.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument, "refresh token is empty");
  }
  // Keyed by a digest so the map never holds the token itself.
  std::string key =
      absl::StrCat(internal::Sha256(refresh_token), "|", JoinScopes(scopes));
  return flights_->refresh.Do(key, [&]() {
    FormParams form = {{"grant_type", "refresh_token"},
                       {"refresh_token", refresh_token}};
    if (!scopes.empty()) form.emplace_back("scope", JoinScopes(scopes));
    return PostToken(std::move(form), "", refresh_token);
  });
}

absl::StatusOr<TokenResponse> OAuthClient::ClientCredentials(
    const std::vector<std::string>& scopes) {
  if (config_.auth_method == ClientAuthMethod::kNone) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid,
                     "client_credentials needs a confidential client");
  }
  std::vector<std::string> sorted = scopes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key = JoinScopes(sorted);
  {
    absl::MutexLock lock(&flights_->mu);
    auto it = flights_->cc_cache.find(key);
    if (it != flights_->cc_cache.end()) {
      const TokenResponse& cached = it->second;
      absl::Duration margin = std::min(
          config_.client_credentials_refresh_margin, cached.expires_in / 2);
      if (deps_.clock->Now() < cached.expires_at - margin) return cached;
      flights_->cc_cache.erase(it);
    }
  }
  return flights_->client_credentials.Do(
      key, [&]() -> absl::StatusOr<TokenResponse> {
        FormParams form = {{"grant_type", "client_credentials"}};
        if (!sorted.empty()) form.emplace_back("scope", key);
        AUTHGATE_ASSIGN_OR_RETURN(TokenResponse tokens,
                                  PostToken(std::move(form), "", ""));
        if (tokens.expires_in > absl::ZeroDuration()) {
          absl::MutexLock lock(&flights_->mu);
          flights_->cc_cache[key] = tokens;
        }
        return tokens;
      });
}

void OAuthClient::SetClientSecret(std::string secret) {
  absl::MutexLock lock(&flights_->mu);
  flights_->secret = std::move(secret);
  // Tokens got with the old secret stay valid at the provider, but the next
  // call should prove the new one works rather than hide a bad rotation.
  flights_->cc_cache.clear();
}

void OAuthClient::ClearClientCredentialsCache() {
  absl::MutexLock lock(&flights_->mu);
  flights_->cc_cache.clear();
}

absl::StatusOr<nlohmann::json> OAuthClient::UserInfo(
    const std::string& access_token, absl::string_view expected_subject) {
  if (metadata_.userinfo_endpoint.empty()) {
    return NotConfigured("userinfo_endpoint");
  }
  if (access_token.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument, "access token is empty");
  }
  HttpRequest request;
  request.method = "GET";
  request.url = metadata_.userinfo_endpoint;
  request.timeout = config_.http_timeout;
  request.max_response_bytes = kMaxTokenResponseBytes;
  request.headers = {{"Authorization", absl::StrCat("Bearer ", access_token)},
                     {"Accept", "application/json"}};
  AUTHGATE_ASSIGN_OR_RETURN(HttpResponse response,
                            deps_.fetcher->Fetch(request));
  if (response.status_code != 200) {
    return OAuthErrorFromResponse(response, "userinfo endpoint");
  }
  nlohmann::json claims =
      nlohmann::json::parse(response.body.begin(), response.body.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderResponseInvalid,
                     "userinfo response is not a JSON object");
  }
  absl::StatusOr<std::string> sub =
      internal::json_util::GetString(claims, "sub");
  if (!sub.ok() || sub->empty()) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderResponseInvalid,
                     "userinfo response has no sub");
  }
  // OIDC Core 5.3.2: the userinfo sub must equal the ID token's, or the
  // response must not be used (token substitution).
  if (!expected_subject.empty() && *sub != expected_subject) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kClaimMismatch,
                     "userinfo sub does not match the id token sub");
  }
  NormaliseBooleans(claims);
  return claims;
}

absl::Status OAuthClient::Revoke(const std::string& token,
                                 absl::string_view token_type_hint) {
  if (metadata_.revocation_endpoint.empty()) {
    return NotConfigured("revocation_endpoint");
  }
  if (token.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument, "token to revoke is empty");
  }
  FormParams form = {{"token", token}};
  if (!token_type_hint.empty()) {
    form.emplace_back("token_type_hint", std::string(token_type_hint));
  }
  AUTHGATE_ASSIGN_OR_RETURN(
      HttpResponse response,
      PostForm(metadata_.revocation_endpoint, std::move(form)));
  // RFC 7009 section 2.2: 200 also for tokens that were invalid already.
  if (response.status_code == 200) return absl::OkStatus();
  return OAuthErrorFromResponse(response, "revocation endpoint");
}

}  // namespace authgate
