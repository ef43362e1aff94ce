// TokenVerifier: offline verification of JWTs (JWS compact form) against the
// keys and claim policy of one or more providers.
//
// A token is routed to a provider by its exact "iss"; only configured issuers
// are trusted. Verification order (RFC 8725): size, strict split and
// base64url, header (alg allow-list, crit, b64), key lookup by kid (the key
// decides the algorithm), signature, then claims. No claim-based error is
// reported for a token whose signature was not checked. A verified-token
// cache makes a repeated token skip the signature check; time rules, key
// presence and the per-call options are re-checked on every hit.
//
// Thread-safe; Verify() takes no global lock.
//
//   ProviderPolicy cognito;
//   cognito.name = "cognito";
//   cognito.issuers =
//   {"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"};
//   cognito.audiences = {"my-client-id"};
//   cognito.audience_rule = AudienceRule::kCognitoTokenUse;
//   cognito.keys = StaticKeySource::FromJwksFile("jwks.json").value();
//   VerifierOptions verifier_options;
//   verifier_options.providers = {cognito};
//   auto verifier = TokenVerifier::Create(verifier_options).value();
//   VerifyOptions options;
//   options.token_uses = {"access"};
//   options.scopes = {"orders/read"};
//   absl::StatusOr<VerifiedToken> token = verifier->Verify(jwt, options);
#ifndef AUTHGATE_TOKEN_VERIFIER_H_
#define AUTHGATE_TOKEN_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"
#include "authgate/clock.h"
#include "authgate/key_source.h"
#include "authgate/verified_token.h"

namespace authgate {

// Checked before any decoding.
inline constexpr size_t kMaxTokenBytes = 16 * 1024;
// Deepest JSON nesting accepted in a token's header or payload (the top-level
// object is level 1). Each JSON level costs three protobuf message levels in
// a google.protobuf.Struct, so 20 keeps a ValidateTokenResponse under
// protobuf's default recursion limit of 100.
inline constexpr size_t kMaxJsonDepth = 20;
inline constexpr absl::Duration kDefaultClockSkew = absl::Seconds(60);
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

// How a list of required values is matched.
enum class Match { kAll, kAny };

// "all" / "any": the one spelling every face reads and prints.
absl::string_view MatchName(Match match);
std::optional<Match> MatchFromName(absl::string_view name);

// Which claim binds a token to the client it was issued for.
enum class AudienceRule {
  // "aud" (string or array) must hold an accepted audience (OIDC Core
  // 3.1.3.7, RFC 9068 section 4).
  kAud,
  // Cognito: access tokens by "client_id" (they carry no "aud"), ID tokens by
  // "aud"; "token_use" says which.
  kCognitoTokenUse,
};

// What one provider's tokens must satisfy. Fixed when the verifier is built.
struct ProviderPolicy {
  // A label for routing and logs, e.g. "cognito".
  std::string name;
  // Exact "iss" values trusted for this provider (at least one).
  std::vector<std::string> issuers;
  // Where the keys come from (required).
  std::shared_ptr<KeySource> keys;
  // Algorithms accepted; defaults to every asymmetric algorithm. HMAC ones
  // must be listed explicitly and need a shared-secret key.
  std::vector<Algorithm> algorithms = AsymmetricAlgorithms();
  // Accepted audiences: the values the token's binding claim (see
  // audience_rule) must hold one of. Must be non-empty unless
  // allow_any_audience is set.
  std::vector<std::string> audiences;
  bool allow_any_audience = false;
  // Which claim carries the audience. kAud: "aud" only ("client_id" is
  // ignored); a token with several "aud" values must then name its client in
  // "azp", unless its header typ is "at+jwt" (RFC 9068). kCognitoTokenUse:
  // "client_id" for token_use "access", "aud" for token_use "id", and any
  // other token_use fails.
  AudienceRule audience_rule = AudienceRule::kAud;
  // The claim holding the user's groups: an array of strings, or one string
  // for a single group. OIDC providers typically use "groups".
  std::string groups_claim = "cognito:groups";
  // The claim holding the user name. OIDC providers typically use
  // "preferred_username". For "cognito:username", a token without it falls
  // back to "username" (what Cognito access tokens carry).
  std::string username_claim = "cognito:username";
  // Accepted "token_use" values ("id", "access"); empty means not checked.
  std::vector<std::string> token_uses;
  // Accepted JOSE header "typ" values (RFC 8725 section 3.11 explicit
  // typing, e.g. "at+jwt" for RFC 9068 access tokens); compared
  // case-insensitively, with or without the "application/" prefix. A token
  // without "typ" fails. Empty means not checked (Cognito sends no "typ").
  std::vector<std::string> token_types;
  // Tolerance for exp/nbf/iat; at most kMaxClockSkew.
  absl::Duration clock_skew = kDefaultClockSkew;
  // "exp" is required unless this is set.
  bool allow_missing_exp = false;
  // When set, exp - iat must not exceed it ("iat" then required).
  std::optional<absl::Duration> max_lifetime;
  // Claims that must be present with exactly these JSON values.
  std::map<std::string, nlohmann::json> required_claims;
};

// Per-call requirements, on top of the provider's policy.
struct VerifyOptions {
  // Only this provider (by name) may accept the token; empty = route by iss.
  std::string provider;
  // Accepted "token_use" values for this call; empty = provider's setting.
  std::vector<std::string> token_uses;
  // When non-empty, the claim the provider's audience_rule names ("aud", or
  // Cognito's "client_id" for access tokens) must hold one of these.
  std::vector<std::string> audiences;
  // Required "scope" entries (kPermissionDenied scope_missing).
  std::vector<std::string> scopes;
  Match scope_match = Match::kAll;
  // Required entries of the provider's groups_claim (kPermissionDenied
  // group_missing).
  std::vector<std::string> groups;
  Match group_match = Match::kAny;
  // When set, the token's "nonce" must equal it (ID tokens after a code
  // exchange). An unexpected nonce is not an error when this is empty.
  std::string nonce;
  // When set and the token carries "at_hash", it must match this token.
  std::string access_token;
};

struct VerifierOptions {
  std::vector<ProviderPolicy> providers;
  size_t max_token_bytes = kMaxTokenBytes;
  // Verified-token cache; 0 entries disables it. An entry is charged the
  // memory it holds (about 2.4 KB for a Cognito access token), so the
  // default bytes keep about 14,000 of those.
  size_t cache_max_entries = 16384;
  size_t cache_max_bytes = 32 * 1024 * 1024;
};

struct VerifierStats {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t cache_entries = 0;
};

// Collaborators, defaulting to production ones (tests inject a FakeClock).
struct VerifierDependencies {
  std::shared_ptr<const Clock> clock = SystemClock();
};

class TokenVerifier {
 public:
  using Dependencies = VerifierDependencies;

  // Validates the options. Errors: kInvalidArgument config_invalid naming the
  // field (no providers, empty issuers, no key source, empty audiences
  // without allow_any_audience, an empty groups_claim or username_claim,
  // clock skew over kMaxClockSkew, an issuer claimed by two providers, ...).
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(
      VerifierOptions options, Dependencies dependencies = Dependencies());

  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // Verifies `token` (a compact JWS; a "Bearer " prefix is not accepted here).
  // A header or payload nested deeper than kMaxJsonDepth is token_malformed.
  // A token without "kid" is accepted only when the provider's key set holds
  // exactly one key (OIDC Core 10.1); an empty "kid" is token_malformed.
  // Errors: kUnauthenticated with token_malformed, token_too_large,
  // alg_not_allowed, crit_unsupported, key_not_found, signature_invalid,
  // token_expired, token_not_yet_valid, token_issued_in_future,
  // token_lifetime_too_long, issuer_mismatch, audience_mismatch, azp_mismatch,
  // token_use_mismatch, token_type_mismatch, nonce_mismatch, at_hash_mismatch,
  // claim_mismatch, claim_missing; kPermissionDenied with scope_missing or
  // group_missing; kUnavailable provider_unavailable when the provider has no
  // keys yet; kInvalidArgument invalid_argument when options.provider names no
  // configured provider.
  absl::StatusOr<VerifiedToken> Verify(absl::string_view token,
                                       const VerifyOptions& options = {}) const;

  // Verify's answer when it takes no signature check: the token is over
  // max_token_bytes, options.provider names no provider, or the token is a
  // cached verification whose key is still present (time and per-call
  // rules are checked as Verify checks them). nullopt when the token must
  // be verified: then call Verify. Never blocks and costs well under a
  // microsecond, so a caller may run it where blocking is not allowed (the
  // Python module keeps the GIL for it; a miss releases it for Verify).
  std::optional<absl::StatusOr<VerifiedToken>> VerifyIfCached(
      absl::string_view token, const VerifyOptions& options = {}) const;

  // Names of the configured providers, in configuration order.
  std::vector<std::string> provider_names() const;

  VerifierStats stats() const;

 private:
  class Impl;
  explicit TokenVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authgate

#endif  // AUTHGATE_TOKEN_VERIFIER_H_
