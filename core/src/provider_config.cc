#include "authgate/provider_config.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "curl_http_fetcher.h"

#include "authgate/status.h"
#include "status_macros.h"

namespace authgate {
namespace {

absl::Status ConfigError(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kConfigInvalid, message);
}

// Cognito pool ids look like "eu-west-1_AbCdEf123": region, '_', id.
bool IsRegion(absl::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  bool has_dash = false;
  for (char c : region) {
    if (c == '-') {
      has_dash = true;
    } else if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) {
      return false;
    }
  }
  return has_dash && absl::ascii_isdigit(region.back());
}

absl::StatusOr<std::string> PoolRegion(absl::string_view pool_id) {
  size_t underscore = pool_id.find('_');
  if (underscore == absl::string_view::npos ||
      underscore + 1 >= pool_id.size() || pool_id.size() > 55) {
    return ConfigError("user_pool_id is not of the form {region}_{id}");
  }
  absl::string_view region = pool_id.substr(0, underscore);
  for (char c : pool_id.substr(underscore + 1)) {
    if (!absl::ascii_isalnum(c)) {
      return ConfigError("user_pool_id is not of the form {region}_{id}");
    }
  }
  if (!IsRegion(region)) {
    return ConfigError("user_pool_id does not start with an AWS region");
  }
  return std::string(region);
}

}  // namespace

absl::string_view ClientAuthMethodName(ClientAuthMethod method) {
  switch (method) {
    case ClientAuthMethod::kClientSecretBasic:
      return "client_secret_basic";
    case ClientAuthMethod::kClientSecretPost:
      return "client_secret_post";
    case ClientAuthMethod::kNone:
      return "none";
  }
  return "none";
}

std::optional<ClientAuthMethod> ClientAuthMethodFromName(
    absl::string_view name) {
  if (name == "client_secret_basic" || name == "basic") {
    return ClientAuthMethod::kClientSecretBasic;
  }
  if (name == "client_secret_post" || name == "post") {
    return ClientAuthMethod::kClientSecretPost;
  }
  if (name == "none") return ClientAuthMethod::kNone;
  return std::nullopt;
}

absl::Status ProviderConfig::Validate() const {
  if (name.empty()) return ConfigError("provider name is empty");
  if (issuer.empty()) return ConfigError("issuer is empty");
  AUTHGATE_RETURN_IF_ERROR(
      internal::CheckProviderUrl(issuer, "issuer", allow_insecure_http));
  // OIDC Discovery section 3: the issuer has no query or fragment.
  if (absl::StrContains(issuer, '?')) {
    return ConfigError("issuer must not have a query");
  }
  for (const std::string& extra : additional_issuers) {
    if (extra.empty())
      return ConfigError("additional_issuers has an empty entry");
  }
  if (client_id.empty()) return ConfigError("client_id is empty");
  if (auth_method == ClientAuthMethod::kNone && !client_secret.empty()) {
    return ConfigError(
        "client_secret given for a public client (auth method none)");
  }
  if (auth_method != ClientAuthMethod::kNone && client_secret.empty()) {
    return ConfigError(absl::StrCat("client_secret is required for ",
                                    ClientAuthMethodName(auth_method)));
  }
  if (!redirect_uri.empty()) {
    // Cognito allows custom schemes for native apps; require only an
    // absolute URL without a fragment (RFC 6749 section 3.1.2).
    if (!internal::ParseUrl(redirect_uri).ok() ||
        absl::StrContains(redirect_uri, '#')) {
      return ConfigError(
          "redirect_uri is not an absolute URL without fragment");
    }
  }
  const std::pair<const std::string*, absl::string_view> endpoint_fields[] = {
      {&endpoints.authorization_endpoint, "authorization_endpoint"},
      {&endpoints.token_endpoint, "token_endpoint"},
      {&endpoints.userinfo_endpoint, "userinfo_endpoint"},
      {&endpoints.revocation_endpoint, "revocation_endpoint"},
      {&endpoints.end_session_endpoint, "end_session_endpoint"},
      {&endpoints.jwks_uri, "jwks_uri"},
  };
  for (const auto& [value, field] : endpoint_fields) {
    if (value->empty()) continue;
    AUTHGATE_RETURN_IF_ERROR(
        internal::CheckProviderUrl(*value, field, allow_insecure_http));
  }
  if (!use_discovery && endpoints.jwks_uri.empty()) {
    return ConfigError("jwks_uri is required when discovery is off");
  }
  if (jwks.min_ttl <= absl::ZeroDuration() || jwks.min_ttl > jwks.max_ttl) {
    return ConfigError("jwks min_ttl must be positive and at most max_ttl");
  }
  if (jwks.default_ttl < jwks.min_ttl || jwks.default_ttl > jwks.max_ttl) {
    return ConfigError("jwks default_ttl must lie within [min_ttl, max_ttl]");
  }
  if (jwks.refetch_cooldown < absl::ZeroDuration() ||
      jwks.max_staleness < absl::ZeroDuration() ||
      jwks.refresh_ahead < absl::ZeroDuration() ||
      jwks.fetch_timeout <= absl::ZeroDuration()) {
    return ConfigError("jwks durations must not be negative");
  }
  if (http_timeout <= absl::ZeroDuration()) {
    return ConfigError("http_timeout must be positive");
  }
  if (clock_skew < absl::ZeroDuration() || clock_skew > absl::Minutes(5)) {
    return ConfigError("clock_skew must lie within [0, 5m]");
  }
  if (client_credentials_refresh_margin < absl::ZeroDuration()) {
    return ConfigError(
        "client_credentials_refresh_margin must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<CognitoPool> CognitoPoolFromIssuer(absl::string_view issuer,
                                                  absl::string_view domain) {
  absl::string_view rest = issuer;
  bool updated = false;
  if (absl::ConsumePrefix(&rest, "https://issuer-cognito-idp.")) {
    updated = true;
  } else if (!absl::ConsumePrefix(&rest, "https://cognito-idp.")) {
    return ConfigError(
        "issuer is not https://cognito-idp.{region}.amazonaws.com/{poolId}");
  }
  size_t dot = rest.find(".amazonaws.com/");
  if (dot == absl::string_view::npos) {
    return ConfigError(
        "issuer is not https://cognito-idp.{region}.amazonaws.com/{poolId}");
  }
  CognitoPool pool;
  pool.region = std::string(rest.substr(0, dot));
  pool.user_pool_id = std::string(
      rest.substr(dot + absl::string_view(".amazonaws.com/").size()));
  pool.domain = std::string(absl::StripAsciiWhitespace(domain));
  pool.updated_issuer_format = updated;
  if (!IsRegion(pool.region)) return ConfigError("issuer names no AWS region");
  AUTHGATE_RETURN_IF_ERROR(PoolRegion(pool.user_pool_id).status());
  return pool;
}

absl::StatusOr<std::string> CognitoIssuer(const CognitoPool& pool) {
  AUTHGATE_ASSIGN_OR_RETURN(std::string pool_region,
                            PoolRegion(pool.user_pool_id));
  std::string region = pool.region.empty() ? pool_region : pool.region;
  if (!IsRegion(region)) return ConfigError("region is not an AWS region");
  return absl::StrCat(pool.updated_issuer_format ? "https://issuer-cognito-idp."
                                                 : "https://cognito-idp.",
                      region, ".amazonaws.com/", pool.user_pool_id);
}

absl::StatusOr<ProviderEndpoints> CognitoHostedUiEndpoints(
    absl::string_view domain, absl::string_view region) {
  std::string origin;
  while (absl::ConsumeSuffix(&domain, "/")) {
  }
  if (absl::StrContains(domain, "://")) {
    origin = std::string(domain);
  } else if (absl::StrContains(domain, '.')) {
    origin = absl::StrCat("https://", domain);
  } else if (IsRegion(region)) {
    origin = absl::StrCat("https://", domain, ".auth.", region,
                          ".amazoncognito.com");
  } else {
    return ConfigError(
        "domain is a prefix, which needs the pool's region; give the full "
        "host name");
  }
  absl::StatusOr<internal::UrlParts> parts = internal::ParseUrl(origin);
  if (domain.empty() || !parts.ok() || parts->path.size() > 1) {
    return ConfigError("domain is not a Cognito prefix, host or origin");
  }
  ProviderEndpoints endpoints;
  endpoints.authorization_endpoint = absl::StrCat(origin, "/oauth2/authorize");
  endpoints.token_endpoint = absl::StrCat(origin, "/oauth2/token");
  endpoints.userinfo_endpoint = absl::StrCat(origin, "/oauth2/userInfo");
  endpoints.revocation_endpoint = absl::StrCat(origin, "/oauth2/revoke");
  endpoints.end_session_endpoint = absl::StrCat(origin, "/logout");
  return endpoints;
}

absl::StatusOr<ProviderConfig> MakeCognitoProviderConfig(
    const CognitoPool& pool) {
  AUTHGATE_ASSIGN_OR_RETURN(std::string issuer, CognitoIssuer(pool));
  AUTHGATE_ASSIGN_OR_RETURN(std::string pool_region,
                            PoolRegion(pool.user_pool_id));
  std::string region = pool.region.empty() ? pool_region : pool.region;

  ProviderConfig config;
  config.name = pool.user_pool_id;
  config.kind = ProviderKind::kCognito;
  config.issuer = issuer;
  config.use_discovery = false;
  // Cognito: ID and access tokens carry token_use; nothing else is a token.
  config.token_uses = {"id", "access"};
  config.endpoints.jwks_uri =
      pool.jwks_uri.empty() ? absl::StrCat(issuer, "/.well-known/jwks.json")
                            : pool.jwks_uri;
  if (!pool.domain.empty()) {
    AUTHGATE_ASSIGN_OR_RETURN(ProviderEndpoints hosted,
                              CognitoHostedUiEndpoints(pool.domain, region));
    hosted.jwks_uri = config.endpoints.jwks_uri;
    config.endpoints = hosted;
    config.logout_style = LogoutStyle::kCognito;
  }
  return config;
}

}  // namespace authgate
