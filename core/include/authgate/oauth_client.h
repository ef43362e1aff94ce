// OAuthClient: one OAuth 2.0 / OpenID Connect client of one provider (a
// Cognito user pool app client or any OIDC relying party).
//
// It owns the provider's metadata (discovery plus overrides), its live
// JwksCache and a TokenVerifier for the ID tokens it receives, and performs
// the flows: authorization URL (state, nonce, PKCE S256), code exchange,
// refresh, client credentials, userInfo, revocation and logout URLs.
// Several providers at once: build one OAuthClient per provider and give
// TokenVerifier one ProviderPolicy per client (policy()); tokens are routed
// by their exact "iss".
//
// Secrets (client secret, codes, refresh and access tokens) never appear in
// statuses or logs. Thread-safe: every method may be called concurrently.
//
//   OAuthClient::Dependencies deps;                  // curl + system clock
//   auto client = OAuthClient::Create(config, deps).value();   // discovery
//   AUTHGATE_RETURN_IF_ERROR(client->WarmUp());       // JWKS
//   AuthorizationUrl auth = client->BuildAuthorizationUrl({}).value();
//   Redirect(auth.url);  Remember(auth.state, auth.nonce, auth.code_verifier);
//   ... on callback (after checking state with StateMatches):
//   CodeExchangeRequest exchange{code, auth.code_verifier, auth.nonce};
//   TokenResponse tokens = client->ExchangeCode(exchange).value();
//   tokens.id_token_claims->subject();
#ifndef AUTHGATE_OAUTH_CLIENT_H_
#define AUTHGATE_OAUTH_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

#include "authgate/clock.h"
#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/jwks_cache.h"
#include "authgate/provider_config.h"
#include "authgate/provider_spec.h"
#include "authgate/token_response.h"
#include "authgate/token_verifier.h"
#include "authgate/verified_token.h"

namespace authgate {

// Inputs of BuildAuthorizationUrl. Empty fields are left out of the URL.
struct AuthorizationRequest {
  // Empty: the configured scopes.
  std::vector<std::string> scopes;
  // Empty: the configured redirect_uri.
  std::string redirect_uri;
  std::string prompt;  // "login", "consent", "none", ...
  std::string login_hint;
  // Cognito: go straight to a federated IdP by name or by identifier.
  std::string identity_provider;
  std::string idp_identifier;
  // Further parameters (e.g. "lang"); may not repeat the ones above.
  std::vector<std::pair<std::string, std::string>> extra_params;
};

// What the caller must keep until the callback. state, nonce and
// code_verifier are secrets of this login: store them server-side or in an
// encrypted, HttpOnly cookie.
struct AuthorizationUrl {
  std::string url;
  std::string state;          // 256 random bits, base64url
  std::string nonce;          // 256 random bits, base64url
  std::string code_verifier;  // PKCE; its S256 challenge is in the URL
  std::string redirect_uri;   // the one used; needed again by ExchangeCode
};

struct CodeExchangeRequest {
  std::string code;
  // The PKCE verifier of this login (required for public clients).
  std::string code_verifier;
  // The nonce sent at authorization. When set, the ID token's nonce must
  // equal it. When empty, a nonce in the ID token is not an error: Cognito
  // adds its own on federated sign-in even when the client sent none.
  std::string nonce;
  // Empty: the configured redirect_uri (must equal the authorization one).
  std::string redirect_uri;
};

struct LogoutRequest {
  // Where the provider sends the browser afterwards (Cognito: logout_uri,
  // must be a registered sign-out URL; OIDC: post_logout_redirect_uri).
  std::string post_logout_redirect_uri;
  // OIDC only: the ID token as hint (Cognito takes none).
  std::string id_token_hint;
  std::string state;
};

class OAuthClient {
 public:
  struct Dependencies {
    // Null: CreateCurlHttpFetcher() with default options.
    std::shared_ptr<HttpFetcher> fetcher;
    std::shared_ptr<const Clock> clock = SystemClock();
  };

  // Validates `config`, runs discovery when config.use_discovery (blocking,
  // one GET), applies the endpoint overrides and creates the JwksCache (not
  // yet fetched: call WarmUp()). Errors: config_invalid (Validate()), those
  // of FetchProviderMetadata (provider_unavailable, provider_timeout,
  // provider_response_invalid, provider_response_too_large,
  // discovery_mismatch), and kFailedPrecondition config_invalid when the
  // resulting metadata has no jwks_uri.
  static absl::StatusOr<std::shared_ptr<OAuthClient>> Create(
      ProviderConfig config, Dependencies dependencies);
  // Production dependencies (libcurl fetcher, system clock).
  static absl::StatusOr<std::shared_ptr<OAuthClient>> Create(
      ProviderConfig config);
  // The client `client` of the provider `spec` (MakeProviderConfig). ID
  // tokens it receives are held to every rule of the spec (kind's audience
  // rule and claim names, algorithms, lifetime, required claims), with this
  // client as their audience; policy() accepts every client's tokens.
  // Errors as Create(config).
  static absl::StatusOr<std::shared_ptr<OAuthClient>> Create(
      const ProviderSpec& spec, const OAuthClientSpec& client,
      Dependencies dependencies);

  ~OAuthClient();
  OAuthClient(const OAuthClient&) = delete;
  OAuthClient& operator=(const OAuthClient&) = delete;

  // Loads the JWKS (JwksCache::WarmUp). Readiness probes can wait on it.
  absl::Status WarmUp();

  // Builds the authorization URL with response_type=code, client_id,
  // redirect_uri, scope, fresh state and nonce, PKCE S256 code_challenge
  // (always: also confidential clients, RFC 9700 section 2.1.1), and the
  // optional parameters. Errors: kFailedPrecondition config_invalid without
  // an authorization endpoint or redirect_uri; kInvalidArgument
  // invalid_argument for a reserved name in extra_params; kInternal internal
  // when the RNG fails.
  absl::StatusOr<AuthorizationUrl> BuildAuthorizationUrl(
      const AuthorizationRequest& request) const;

  // Cognito style: {end_session}?client_id=&logout_uri=; OIDC style:
  // {end_session}?client_id=&post_logout_redirect_uri=&id_token_hint=&state=.
  // Errors: kFailedPrecondition config_invalid without an end-session
  // endpoint; kInvalidArgument invalid_argument when Cognito style lacks
  // post_logout_redirect_uri.
  absl::StatusOr<std::string> BuildLogoutUrl(
      const LogoutRequest& request) const;

  // POSTs grant_type=authorization_code and verifies the returned ID token
  // (issuer, audience = client_id, exp, nonce rule above, at_hash when
  // present). Errors: the OAuthErrorFromResponse mapping (e.g. a used code:
  // kUnauthenticated oauth_invalid_grant), transport errors, ParseTokenResponse
  // errors, and the TokenVerifier's kUnauthenticated reasons for a bad ID
  // token (nonce_mismatch, at_hash_mismatch, audience_mismatch, ...).
  absl::StatusOr<TokenResponse> ExchangeCode(
      const CodeExchangeRequest& request);

  // POSTs grant_type=refresh_token. When the provider returns no new refresh
  // token, the result carries the presented one (refresh_token_rotated
  // false). Concurrent calls with the same refresh token share one request
  // and its result. An ID token in the answer is verified (no nonce check).
  // `scopes` empty: not sent. Errors as ExchangeCode.
  absl::StatusOr<TokenResponse> Refresh(
      const std::string& refresh_token,
      const std::vector<std::string>& scopes = {});

  // grant_type=client_credentials with `scopes` (Cognito M2M: custom
  // "{resourceServer}/{scope}" scopes; empty = the client's defaults). The
  // token is cached per scope set until client_credentials_refresh_margin
  // before it expires; concurrent callers share one request. Errors as
  // ExchangeCode; kFailedPrecondition config_invalid for a public client.
  absl::StatusOr<TokenResponse> ClientCredentials(
      const std::vector<std::string>& scopes = {});
  // Drops cached client_credentials tokens (e.g. after a 401 downstream).
  void ClearClientCredentialsCache();
  // Replaces the client secret for the requests that start from now on
  // (requests in flight keep the one they read) and drops the
  // client_credentials cache. For a rotated secret file; config() keeps the
  // secret the client was created with.
  void SetClientSecret(std::string secret);

  // GETs the userInfo endpoint with `Authorization: Bearer`. Returns the
  // claims object; Cognito's string booleans ("true"/"false") for
  // email_verified and phone_number_verified become JSON booleans. When
  // `expected_subject` is set (pass the ID token's subject()), "sub" must
  // equal it (OIDC Core 5.3.2). Errors: the OAuthErrorFromResponse mapping
  // (a rejected token: kUnauthenticated oauth_error, error "invalid_token"),
  // kUnavailable provider_response_invalid (not a JSON object, no "sub"),
  // kUnauthenticated claim_mismatch (sub differs), kFailedPrecondition
  // config_invalid without a userinfo endpoint.
  absl::StatusOr<nlohmann::json> UserInfo(
      const std::string& access_token, absl::string_view expected_subject = {});

  // RFC 7009 revocation of `token` (Cognito: a refresh token, which also
  // revokes the access tokens issued from it). 200 is success, including for
  // an unknown token. Errors: the OAuthErrorFromResponse mapping
  // (unsupported_token_type → kInvalidArgument oauth_invalid_request),
  // transport errors, kFailedPrecondition config_invalid without a
  // revocation endpoint.
  absl::Status Revoke(const std::string& token,
                      absl::string_view token_type_hint = "refresh_token");

  // Verifies a token of this provider with the client's own verifier
  // (audience = client_id; Cognito access tokens match on client_id).
  absl::StatusOr<VerifiedToken> Verify(absl::string_view token,
                                       const VerifyOptions& options = {}) const;

  // A ProviderPolicy for a shared TokenVerifier, with keys = this client's
  // JwksCache: MakeProviderPolicy(spec) when created from a spec, else
  // MakeProviderPolicy(config).
  ProviderPolicy policy() const;

  const ProviderConfig& config() const { return config_; }
  const ProviderMetadata& metadata() const { return metadata_; }
  const std::shared_ptr<JwksCache>& jwks() const { return jwks_; }

 private:
  class Flights;
  OAuthClient(ProviderConfig config, ProviderMetadata metadata,
              Dependencies dependencies, std::shared_ptr<JwksCache> jwks,
              std::unique_ptr<TokenVerifier> verifier, ProviderPolicy policy);
  // `policy` (keys unset) holds the token rules; the client's own verifier
  // narrows its audiences to config.client_id.
  static absl::StatusOr<std::shared_ptr<OAuthClient>> CreateWithPolicy(
      ProviderConfig config, Dependencies dependencies, ProviderPolicy policy);

  absl::StatusOr<TokenResponse> PostToken(
      std::vector<std::pair<std::string, std::string>> form,
      const std::string& nonce, const std::string& presented_refresh_token);
  // POSTs an authenticated form to a token or revocation endpoint.
  absl::StatusOr<HttpResponse> PostForm(
      const std::string& url,
      std::vector<std::pair<std::string, std::string>> form) const;

  ProviderConfig config_;
  ProviderMetadata metadata_;
  Dependencies deps_;
  std::shared_ptr<JwksCache> jwks_;
  std::unique_ptr<TokenVerifier> verifier_;
  ProviderPolicy policy_;
  std::unique_ptr<Flights> flights_;
};

// Reads the authorization response (RFC 6749 section 4.1.2) from the URL the
// provider redirected to (a full URL, "/callback?..." or the bare query),
// checks its state against the stored one in constant time (RFC 6749
// section 10.12) and returns the code. Errors: the provider's own error
// (e.g. error=access_denied → kPermissionDenied oauth_error; mapping as in
// MakeOAuthError, with payloads); kInvalidArgument state_mismatch when the
// state is missing or differs; kInvalidArgument invalid_argument when there
// is no code or expected_state is empty.
absl::StatusOr<std::string> CodeFromAuthorizationResponse(
    absl::string_view redirect_url, absl::string_view expected_state);

// A ProviderPolicy built from a client's configuration and any KeySource
// (e.g. a JwksCache made for a jwks_uri alone): name, issuer +
// additional_issuers, audiences {client_id}, the kind's audience rule and
// claim names, token_uses, token_types, clock_skew. A spec says more: prefer
// MakeProviderPolicy(spec).
ProviderPolicy MakeProviderPolicy(const ProviderConfig& config,
                                  std::shared_ptr<KeySource> keys);

}  // namespace authgate

#endif  // AUTHGATE_OAUTH_CLIENT_H_
