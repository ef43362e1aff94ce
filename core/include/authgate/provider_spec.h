// ProviderSpec: the one description of an identity provider (an Amazon
// Cognito user pool or any OpenID Connect issuer) that every face of
// authgate feeds: the server's config file and environment, Python's keyword
// arguments and the CLI's flags all become the same JSON object, read by
// ParseProviderSpec(), so defaults and rules live here once.
//
// What a provider's kind implies (how endpoints are found, which claim binds
// a token to its client, the group and username claims, the logout style) is
// a row of the KindProfile table, not an `if` in each face.
//
// Thread-compatible value types.
//
//   nlohmann::json value = {{"issuer", "https://cognito-idp.eu-west-1"
//                                      ".amazonaws.com/eu-west-1_AbCdEf123"},
//                           {"client_id", "1example23456789"}};
//   absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(value, "provider");
//   ProviderPolicy policy = MakeProviderPolicy(*spec, keys);      // verify
//   ProviderConfig config = MakeProviderConfig(*spec, 0).value();  // OAuth
#ifndef AUTHGATE_PROVIDER_SPEC_H_
#define AUTHGATE_PROVIDER_SPEC_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"
#include "authgate/clock.h"
#include "authgate/config_object.h"
#include "authgate/http_fetcher.h"
#include "authgate/jwks_cache.h"
#include "authgate/key_source.h"
#include "authgate/provider_config.h"
#include "authgate/token_verifier.h"

namespace authgate {

// The bounds of the spec's durations; docs/providers.md lists them with the
// defaults. A value outside is config_invalid "PATH.FIELD: must be between
// MIN and MAX, got VALUE", so nan, inf, 1e30 and 0s cooldowns never reach
// a cache or a timeout.
inline constexpr DurationRange kHttpTimeoutRange = {absl::Milliseconds(1),
                                                    absl::Minutes(5)};
inline constexpr DurationRange kJwksTtlRange = {absl::Seconds(1),
                                                absl::Hours(7 * 24)};
inline constexpr DurationRange kJwksMinTtlRange = {absl::Seconds(1),
                                                   absl::Hours(24)};
inline constexpr DurationRange kJwksRefetchCooldownRange = {absl::Seconds(1),
                                                            absl::Hours(1)};
inline constexpr DurationRange kJwksMaxStalenessRange = {absl::ZeroDuration(),
                                                         absl::Hours(7 * 24)};
inline constexpr DurationRange kJwksRefreshAheadRange = {absl::ZeroDuration(),
                                                         absl::Hours(1)};
inline constexpr DurationRange kClockSkewRange = {absl::ZeroDuration(),
                                                  kMaxClockSkew};
inline constexpr DurationRange kMaxLifetimeRange = {absl::Seconds(1),
                                                    absl::Hours(366 * 24)};
inline constexpr DurationRange kRefreshMarginRange = {absl::ZeroDuration(),
                                                      absl::Hours(1)};

// What a kind of provider implies. One row per kind; adding a provider type
// is one row and its tests.
struct KindProfile {
  ProviderKind kind;
  absl::string_view name;  // "oidc", "cognito"
  // Which claim binds a token to its client, per token use.
  AudienceRule audience_rule;
  absl::string_view groups_claim;
  absl::string_view username_claim;
  LogoutStyle logout_style;
  // Accepted "token_use" values when the spec names none (empty: unchecked).
  std::vector<std::string> default_token_uses;
  // Endpoints derive from a hosted-UI domain (Cognito) when one is given;
  // otherwise they come from discovery.
  bool endpoints_from_domain;
};

const KindProfile& GetKindProfile(ProviderKind kind);
// "oidc" or "cognito"; nullopt for anything else.
std::optional<ProviderKind> ProviderKindFromName(absl::string_view name);

// One OAuth client of the provider (a Cognito app client, an OIDC relying
// party): a pool often has a web client, a public SPA client and a machine
// client, and tokens of each are accepted.
struct OAuthClientSpec {
  std::string client_id;
  // Never logged nor put in an error. Read from client_secret_file when that
  // is set (the path is kept so the secret can be re-read).
  std::string client_secret;
  std::string client_secret_file;
  // Default: client_secret_basic with a secret, none (PKCE) without.
  ClientAuthMethod auth_method = ClientAuthMethod::kNone;
  std::string redirect_uri;
  std::vector<std::string> scopes = {"openid"};
};

// Where the provider's keys come from. Exactly one of: live (jwks_uri, or
// discovery when it is empty), a local JWKS file, an inline JWKS document.
struct KeySourceSpec {
  std::string jwks_uri;
  std::string jwks_file;
  std::string jwks_json;
  // Live sources only.
  JwksCacheOptions cache;

  bool is_static() const { return !jwks_file.empty() || !jwks_json.empty(); }
};

// What the provider's tokens must satisfy (beyond signature and exact iss).
struct TokenRules {
  std::vector<Algorithm> algorithms = AsymmetricAlgorithms();
  // Accepted audiences besides the clients' ids.
  std::vector<std::string> audiences;
  bool allow_any_audience = false;
  // Accepted "token_use"; empty in the spec = the kind's default.
  std::vector<std::string> token_uses;
  std::vector<std::string> token_types;
  absl::Duration clock_skew = kDefaultClockSkew;
  bool allow_missing_exp = false;
  std::optional<absl::Duration> max_lifetime;
  std::map<std::string, nlohmann::json> required_claims;
  // Empty: the kind's claim.
  std::string groups_claim;
  std::string username_claim;
};

struct ProviderSpec {
  std::string name;
  ProviderKind kind = ProviderKind::kOidc;
  // Exact "iss" values; the first is the discovery base.
  std::vector<std::string> issuers;
  // Cognito hosted-UI / managed-login domain (prefix, host or origin).
  std::string domain;
  // Fetch {issuers[0]}/.well-known/openid-configuration at start.
  bool use_discovery = true;
  // Explicit endpoints; each wins over derived and discovered ones.
  ProviderEndpoints endpoints;
  LogoutStyle logout_style = LogoutStyle::kOidc;
  std::vector<OAuthClientSpec> clients;
  KeySourceSpec keys;
  TokenRules rules;
  bool allow_insecure_http = false;
  absl::Duration http_timeout = absl::Seconds(5);
  absl::Duration client_credentials_refresh_margin = absl::Seconds(60);

  const KindProfile& profile() const { return GetKindProfile(kind); }
  // Every client id plus rules.audiences.
  std::vector<std::string> AcceptedAudiences() const;
  // The client with this id; empty id: the first. Null when none matches.
  const OAuthClientSpec* FindClient(absl::string_view client_id) const;
};

// Reads one provider from JSON. `path` prefixes every message
// ("providers[0]"). The keys (docs/providers.md lists them):
//   name kind issuer additional_issuers user_pool_id region domain
//   updated_issuer_format use_discovery jwks_uri jwks_file jwks_inline
//   endpoints{...} logout_style jwks{cache options} http_timeout
//   allow_insecure_http client_credentials_refresh_margin
//   client_id client_secret client_secret_file auth_method redirect_uri
//   scopes clients[{client_id ...}]
//   audiences allow_any_audience token_uses token_types algorithms
//   clock_skew allow_missing_exp max_lifetime required_claims groups_claim
//   username_claim
// Durations are strings ("90s", "1m30s") or numbers of seconds. Unknown keys
// are errors. Errors: kInvalidArgument config_invalid "PATH.FIELD: what",
// never containing a secret.
absl::StatusOr<ProviderSpec> ParseProviderSpec(const nlohmann::json& value,
                                               absl::string_view path);

// The same, with messages named by `object`'s Namer (e.g. the environment
// variable that set a field).
absl::StatusOr<ProviderSpec> ParseProviderSpec(const ConfigObject& object);

// Parses JSON text (comments allowed) into a value; errors name `what` and
// the line and column. Shared by every JSON configuration reader.
absl::StatusOr<nlohmann::json> ParseConfigJson(absl::string_view text,
                                               absl::string_view what);

// Reads one environment variable; nullopt when unset.
using Environment =
    std::function<std::optional<std::string>(absl::string_view name)>;
// The process environment (getenv).
Environment ProcessEnvironment();

// Reads NAME, or the file NAME_FILE names (trailing newline dropped; secrets
// mounted by Kubernetes). Both set is an error naming NAME.
absl::StatusOr<std::optional<std::string>> ReadEnvironmentValue(
    const Environment& env, absl::string_view name);

// The provider object (JSON, as ParseProviderSpec reads it) the ecosystem's
// variables describe: COGNITO_ISSUER | AUTH_COGNITO_ISSUER, or
// COGNITO_USER_POOL_ID with AWS_REGION; COGNITO_CLIENT_ID | AUTH_COGNITO_ID;
// COGNITO_CLIENT_SECRET | AUTH_COGNITO_SECRET; COGNITO_DOMAIN;
// COGNITO_REDIRECT_URI; AUTHGATE_JWKS_URI; AUTHGATE_PROVIDER_NAME (default
// "cognito"); each also as NAME_FILE. nullopt when none is set. `fields`
// receives field → variable, so messages can name the variable.
absl::StatusOr<std::optional<nlohmann::json>> ProviderJsonFromEnvironment(
    const Environment& env, std::map<std::string, std::string>* fields);

// ProviderJsonFromEnvironment, then ParseProviderSpec; messages name the
// variable ("COGNITO_ISSUER: ...").
absl::StatusOr<std::optional<ProviderSpec>> ProviderSpecFromEnvironment(
    const Environment& env);

// The client's view of the spec for OAuthClient (one per client). Errors:
// config_invalid from ProviderConfig::Validate().
absl::StatusOr<ProviderConfig> MakeProviderConfig(
    const ProviderSpec& spec, const OAuthClientSpec& client);

// The verifier's view: issuers, audiences of every client, the kind's
// audience rule and claim names, and the token rules.
ProviderPolicy MakeProviderPolicy(const ProviderSpec& spec,
                                  std::shared_ptr<KeySource> keys);

// A StaticKeySource for jwks_file / jwks_json. Errors: those of
// StaticKeySource; kInvalidArgument config_invalid when the spec's keys are
// live.
absl::StatusOr<std::shared_ptr<KeySource>> MakeStaticKeys(
    const ProviderSpec& spec);

// A live key set for a spec whose keys are not static: its jwks_uri, or the
// one its issuer's discovery document names (one blocking GET). Not yet
// fetched: call WarmUp(). Errors: FetchProviderMetadata's; kInvalidArgument
// config_invalid for static keys.
absl::StatusOr<std::shared_ptr<JwksCache>> MakeLiveKeys(
    const ProviderSpec& spec, std::shared_ptr<HttpFetcher> fetcher,
    std::shared_ptr<const Clock> clock);

// The spec as JSON, for --check_config and repr(): secrets masked.
nlohmann::json DescribeProviderSpec(const ProviderSpec& spec);

}  // namespace authgate

#endif  // AUTHGATE_PROVIDER_SPEC_H_
