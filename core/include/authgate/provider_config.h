// ProviderConfig: everything authgate needs to talk to one OpenID Connect
// provider (an Amazon Cognito user pool or any OIDC issuer) as one client.
//
// Endpoints come from discovery ({issuer}/.well-known/openid-configuration)
// unless overridden; each can be overridden on its own, including jwks_uri
// alone (moto's Cognito emulator serves only a JWKS while its tokens name the
// real AWS issuer). MakeCognitoProviderConfig() derives a pool's issuer, JWKS
// and hosted-UI endpoints so no discovery round trip is needed.
//
//   CognitoPool pool;
//   pool.user_pool_id = "eu-west-1_AbCdEf123";
//   pool.domain = "myapp";                   // or "auth.example.com"
//   ProviderConfig config = MakeCognitoProviderConfig(pool).value();
//   config.client_id = "1example23456789";
//   config.client_secret = secret;            // never logged
//   config.redirect_uri = "https://app.example.com/callback";
//   AUTHGATE_RETURN_IF_ERROR(config.Validate());
#ifndef AUTHGATE_PROVIDER_CONFIG_H_
#define AUTHGATE_PROVIDER_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "authgate/jwks_cache.h"

namespace authgate {

// How the client authenticates at the token and revocation endpoints.
enum class ClientAuthMethod {
  // RFC 6749 section 2.3.1: Authorization: Basic base64(
  // form-urlencode(client_id) ":" form-urlencode(client_secret)).
  kClientSecretBasic,
  // client_id and client_secret in the form body.
  kClientSecretPost,
  // Public client: client_id in the body, no secret; use PKCE.
  kNone,
};

// "client_secret_basic", "client_secret_post", "none".
absl::string_view ClientAuthMethodName(ClientAuthMethod method);
std::optional<ClientAuthMethod> ClientAuthMethodFromName(
    absl::string_view name);

// What kind of provider: selects a KindProfile (provider_spec.h).
enum class ProviderKind { kOidc, kCognito };

// How BuildLogoutUrl() talks to the provider's logout endpoint.
enum class LogoutStyle {
  // OIDC RP-Initiated Logout: end_session_endpoint with id_token_hint,
  // post_logout_redirect_uri, client_id, state.
  kOidc,
  // Cognito /logout?client_id=&logout_uri= (no id_token_hint).
  kCognito,
};

// Endpoint URLs. An empty field means "from discovery" (when enabled).
struct ProviderEndpoints {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;
  std::string revocation_endpoint;
  std::string end_session_endpoint;
  std::string jwks_uri;
};

struct ProviderConfig {
  // A label for routing, logs and metrics, e.g. "cognito-prod".
  std::string name;
  ProviderKind kind = ProviderKind::kOidc;
  // The issuer: the discovery base, and the exact "iss" trusted (no
  // normalisation; a trailing slash matters).
  std::string issuer;
  // Further exact "iss" values trusted for the same keys (e.g. a Cognito
  // pool's UPDATED-format issuer). Never derived automatically.
  std::vector<std::string> additional_issuers;

  std::string client_id;
  // Required unless auth_method is kNone. Never logged nor put in errors.
  std::string client_secret;
  ClientAuthMethod auth_method = ClientAuthMethod::kClientSecretBasic;
  // Default redirect_uri for authorization and code exchange.
  std::string redirect_uri;
  // Default scopes requested at authorization.
  std::vector<std::string> scopes = {"openid"};

  // Fetch {issuer}/.well-known/openid-configuration at start. When false, the
  // endpoints below are all there is (jwks_uri is then required).
  bool use_discovery = true;
  // Overrides; each non-empty field wins over discovery.
  ProviderEndpoints endpoints;
  LogoutStyle logout_style = LogoutStyle::kOidc;

  // Live JWKS behaviour: TTL bounds, refetch cooldown (default 10 s), max
  // staleness, background refresh.
  JwksCacheOptions jwks;

  // Accepted "token_use" values for tokens verified through this provider
  // (Cognito: {"id", "access"}); empty means not checked.
  std::vector<std::string> token_uses;
  // Accepted JOSE "typ" values (e.g. "at+jwt"); empty means not checked.
  // See ProviderPolicy::token_types.
  std::vector<std::string> token_types;
  // Tolerance for exp/nbf/iat.
  absl::Duration clock_skew = absl::Seconds(60);

  // Plain http:// issuer and endpoints are accepted only for loopback hosts
  // unless this is set (e.g. a provider inside a private network).
  bool allow_insecure_http = false;
  // Total timeout of each request to the provider.
  absl::Duration http_timeout = absl::Seconds(5);
  // A cached client_credentials token is replaced this long before it
  // expires (or at half its lifetime, whichever comes first).
  absl::Duration client_credentials_refresh_margin = absl::Seconds(60);

  // Checks the configuration without network access. Errors: kInvalidArgument
  // config_invalid naming the field: empty name/issuer/client_id, an issuer
  // or endpoint that is not an absolute https URL (http only for loopback
  // hosts or with allow_insecure_http), a missing secret for a confidential
  // client, a secret given to a public client, use_discovery false without
  // jwks_uri, inconsistent JWKS durations, a non-positive http_timeout.
  absl::Status Validate() const;
};

// A Cognito user pool, as region + pool id + (optional) hosted-UI domain.
struct CognitoPool {
  // e.g. "eu-west-1"; derived from user_pool_id when empty.
  std::string region;
  // e.g. "eu-west-1_AbCdEf123".
  std::string user_pool_id;
  // Hosted UI / managed login domain: a prefix ("myapp" →
  // https://myapp.auth.{region}.amazoncognito.com), a full host name
  // ("auth.example.com", "myapp.auth.eu-west-1.amazoncognito.com") or an
  // origin with scheme ("https://auth.example.com"; "http://127.0.0.1:9000"
  // for local tests). Empty: no OAuth endpoints, JWKS only.
  std::string domain;
  // Use https://issuer-cognito-idp.{region}.amazonaws.com/{pool} (the
  // UPDATED issuer format) instead of the ORIGINAL one.
  bool updated_issuer_format = false;
  // Overrides the JWKS URL (e.g. moto:
  // http://127.0.0.1:PORT/{pool}/.well-known/jwks.json) while the issuer stays
  // the AWS one.
  std::string jwks_uri;
};

// Parses the settings an application usually has at hand: COGNITO_ISSUER
// ("https://cognito-idp.{region}.amazonaws.com/{poolId}", either issuer
// format) and COGNITO_DOMAIN (any form CognitoPool::domain accepts, may be
// empty). Errors: kInvalidArgument config_invalid when the issuer is not a
// Cognito issuer.
absl::StatusOr<CognitoPool> CognitoPoolFromIssuer(absl::string_view issuer,
                                                  absl::string_view domain);

// The pool's issuer ("https://cognito-idp.{region}.amazonaws.com/{poolId}",
// no trailing slash). Errors: config_invalid for a malformed pool id/region.
absl::StatusOr<std::string> CognitoIssuer(const CognitoPool& pool);

// The hosted-UI endpoints of a Cognito domain (a prefix, which needs the
// region, a host name or an origin): /oauth2/authorize, /oauth2/token,
// /oauth2/userInfo, /oauth2/revoke and /logout; jwks_uri left empty.
// Errors: kInvalidArgument config_invalid starting "domain ".
absl::StatusOr<ProviderEndpoints> CognitoHostedUiEndpoints(
    absl::string_view domain, absl::string_view region);

// A ProviderConfig for the pool: name = pool id, issuer, jwks_uri
// ({issuer}/.well-known/jwks.json unless overridden), and with a domain the
// hosted-UI endpoints /oauth2/authorize, /oauth2/token, /oauth2/userInfo,
// /oauth2/revoke and /logout (logout_style kCognito); kind kCognito;
// use_discovery false;
// token_uses {"id", "access"}. The caller fills client_id, client_secret,
// redirect_uri and scopes. Errors: kInvalidArgument config_invalid.
absl::StatusOr<ProviderConfig> MakeCognitoProviderConfig(
    const CognitoPool& pool);

}  // namespace authgate

#endif  // AUTHGATE_PROVIDER_CONFIG_H_
