#include "authgate/token_verifier.h"

#include <array>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"

#include "authgate/status.h"
#include "base64url.h"
#include "compact_jws.h"
#include "crypto/digest.h"
#include "crypto/public_key.h"
#include "jose_header.h"
#include "json_util.h"
#include "sharded_counter.h"
#include "status_macros.h"
#include "token_claims.h"
#include "token_data.h"
#include "verified_token_cache.h"

namespace authgate {
namespace {

using internal::TokenClaims;
using internal::TokenData;

constexpr size_t kAlgorithmCount = static_cast<size_t>(Algorithm::kHs512) + 1;

absl::Status Rejected(ErrorReason reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kUnauthenticated, reason, message);
}

absl::Status Denied(ErrorReason reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, reason, message);
}

absl::Status ConfigError(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kConfigInvalid, message);
}

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  for (const std::string& item : list) {
    if (item == value) return true;
  }
  return false;
}

bool AnyOf(const std::vector<std::string>& values,
           const std::vector<std::string>& accepted) {
  for (const std::string& value : values) {
    if (Contains(accepted, value)) return true;
  }
  return false;
}

std::string Printable(absl::string_view text) {
  return internal::json_util::Printable(text);
}

std::optional<std::string> AudMismatch(const TokenClaims& claims,
                                       const std::vector<std::string>& accepted,
                                       absl::string_view where) {
  if (claims.audience.empty()) return absl::StrCat("token has no aud", where);
  if (AnyOf(claims.audience, accepted)) return std::nullopt;
  return absl::StrCat("token audience is not accepted", where);
}

// Why the token is not bound to an accepted client under `rule`, or nullopt
// when it is. `where` ends the message (" here" for per-call audiences).
std::optional<std::string> AudienceMismatch(
    AudienceRule rule, const TokenClaims& claims,
    const std::vector<std::string>& accepted, absl::string_view where) {
  if (rule == AudienceRule::kCognitoTokenUse) {
    if (claims.token_use == "access") {
      // Cognito: access tokens (and M2M tokens) name their app client in
      // "client_id" and carry no "aud"; an "aud" they might have is not used.
      if (claims.client_id.empty()) {
        return absl::StrCat("access token has no client_id", where);
      }
      if (Contains(accepted, claims.client_id)) return std::nullopt;
      return absl::StrCat("token client_id is not accepted", where);
    }
    if (claims.token_use == "id") {
      // Cognito: ID tokens name their app client in "aud" (OIDC Core
      // 3.1.3.7 point 3); "client_id" is not used.
      return AudMismatch(claims, accepted, where);
    }
    // Cognito: "token_use" decides which claim binds the client; without a
    // known one no claim does.
    if (claims.token_use.empty()) {
      return std::string("token has no token_use to name its audience rule");
    }
    return absl::StrCat("token_use ", Printable(claims.token_use),
                        " names no audience rule");
  }
  // OIDC Core 3.1.3.7 point 3, RFC 9068 section 4, RFC 7519 section 4.1.3:
  // "aud" must contain an accepted audience; "client_id" does not count.
  return AudMismatch(claims, accepted, where);
}

// RFC 7515 section 4.1.9: media type names are case-insensitive and the
// "application/" prefix may be left out, so "at+jwt" is
// "application/at+JWT".
absl::string_view MediaSubtype(absl::string_view typ) {
  constexpr absl::string_view kApplication = "application/";
  if (absl::StartsWithIgnoreCase(typ, kApplication)) {
    typ.remove_prefix(kApplication.size());
  }
  return typ;
}

// RFC 9068 section 2.1: JWT access tokens are typed "at+jwt".
bool IsAccessTokenType(absl::string_view typ) {
  return absl::EqualsIgnoreCase(MediaSubtype(typ), "at+jwt");
}

bool TypeAccepted(absl::string_view typ,
                  const std::vector<std::string>& accepted) {
  if (typ.empty()) return false;
  for (const std::string& type : accepted) {
    if (absl::EqualsIgnoreCase(MediaSubtype(typ), MediaSubtype(type))) {
      return true;
    }
  }
  return false;
}

// Scopes or groups the caller requires, matched all-of or any-of.
std::optional<std::string> MissingRequirement(
    const std::vector<std::string>& have, const std::vector<std::string>& want,
    Match match) {
  if (want.empty()) return std::nullopt;
  if (match == Match::kAny) {
    if (AnyOf(want, have)) return std::nullopt;
    return absl::StrCat("none of ", want.size(), " accepted values present");
  }
  for (const std::string& item : want) {
    if (!Contains(have, item)) return Printable(item);
  }
  return std::nullopt;
}

struct Provider {
  explicit Provider(ProviderPolicy p)
      : policy(std::move(p)),
        identity(policy.groups_claim, policy.username_claim) {
    for (Algorithm alg : policy.algorithms) {
      allowed_algs[static_cast<size_t>(alg)] = true;
    }
  }

  ProviderPolicy policy;
  internal::IdentityClaims identity;
  std::array<bool, kAlgorithmCount> allowed_algs{};
};

}  // namespace

class TokenVerifier::Impl {
 public:
  Impl(VerifierOptions options, Dependencies dependencies)
      : options_(std::move(options)), clock_(std::move(dependencies.clock)) {
    for (ProviderPolicy& policy : options_.providers) {
      Provider provider(std::move(policy));
      for (const std::string& issuer : provider.policy.issuers) {
        by_issuer_.emplace(issuer, providers_.size());
      }
      providers_.push_back(std::move(provider));
    }
    options_.providers.clear();
    if (options_.cache_max_entries > 0) {
      cache_ = std::make_unique<internal::VerifiedTokenCache>(
          options_.cache_max_entries, options_.cache_max_bytes);
    }
  }

  absl::StatusOr<VerifiedToken> Verify(absl::string_view token,
                                       const VerifyOptions& options) const;
  std::optional<absl::StatusOr<VerifiedToken>> VerifyIfCached(
      absl::string_view token, const VerifyOptions& options) const {
    std::optional<internal::CacheKey> key;
    return VerifyWithoutSignature(token, options, clock_->Now(), key);
  }
  std::vector<std::string> provider_names() const {
    std::vector<std::string> names;
    for (const Provider& p : providers_) names.push_back(p.policy.name);
    return names;
  }
  bool HasProvider(absl::string_view name) const {
    for (const Provider& p : providers_) {
      if (p.policy.name == name) return true;
    }
    return false;
  }
  VerifierStats stats() const {
    VerifierStats stats;
    stats.cache_hits = hits_.Sum();
    stats.cache_misses = misses_.Sum();
    stats.cache_entries = cache_ ? cache_->size() : 0;
    return stats;
  }

 private:
  // The verdict that needs no signature check: a token over the size
  // bound, an unknown options.provider, or a cached verification whose key
  // is still present. nullopt when the token must be verified; `key` is
  // then set when the cache is on.
  std::optional<absl::StatusOr<VerifiedToken>> VerifyWithoutSignature(
      absl::string_view token, const VerifyOptions& options, absl::Time now,
      std::optional<internal::CacheKey>& key) const;
  // Signature and provider-level checks; everything a cache entry vouches for.
  absl::Status VerifyUncached(absl::string_view token, TokenData& data,
                              size_t& provider_index,
                              uint64_t& key_generation) const;
  absl::Status CheckProviderClaims(const Provider& provider,
                                   const TokenData& data,
                                   absl::string_view typ) const;
  absl::Status CheckTimes(const Provider& provider, const TokenClaims& claims,
                          absl::Time now) const;
  absl::Status CheckCall(const Provider& provider, const TokenData& data,
                         const VerifyOptions& options) const;
  absl::Status CheckAtHash(const TokenData& data,
                           absl::string_view access_token) const;

  VerifierOptions options_;
  std::shared_ptr<const Clock> clock_;
  std::vector<Provider> providers_;
  absl::flat_hash_map<std::string, size_t> by_issuer_;
  std::unique_ptr<internal::VerifiedTokenCache> cache_;
  // Counted per thread slot: one shared counter would serialise hits.
  mutable internal::ShardedCounter hits_;
  mutable internal::ShardedCounter misses_;
};

std::optional<absl::StatusOr<VerifiedToken>>
TokenVerifier::Impl::VerifyWithoutSignature(
    absl::string_view token, const VerifyOptions& options, absl::Time now,
    std::optional<internal::CacheKey>& key) const {
  if (token.size() > options_.max_token_bytes) {
    return Rejected(ErrorReason::kTokenTooLarge,
                    absl::StrCat("token is larger than ",
                                 options_.max_token_bytes, " bytes"));
  }
  if (!options.provider.empty() && !HasProvider(options.provider)) {
    // A caller's mistake, not a verdict on the token.
    return MakeError(
        absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
        absl::StrCat("unknown provider ", Printable(options.provider)));
  }
  if (cache_ == nullptr) return std::nullopt;
  // Hashed once, only when a cache may hold the token.
  key.emplace(token);
  std::optional<internal::CachedVerification> hit = cache_->Lookup(*key, now);
  if (!hit.has_value()) return std::nullopt;
  const Provider& provider = providers_[hit->provider_index];
  const KeySource& keys = *provider.policy.keys;
  uint64_t generation = keys.generation();
  if (generation != hit->key_generation) {
    // The key set changed since: the entry lives only while its key does.
    std::shared_ptr<const JwkSet> current = keys.Current();
    if (current == nullptr ||
        !current->Contains(hit->data->key_id, hit->data->key_thumbprint)) {
      cache_->Erase(*key);
      return std::nullopt;
    }
    cache_->SetKeyGeneration(*key, generation);
  }
  hits_.Increment();
  AUTHGATE_RETURN_IF_ERROR(CheckTimes(provider, hit->data->claims, now));
  AUTHGATE_RETURN_IF_ERROR(CheckCall(provider, *hit->data, options));
  return VerifiedToken(std::move(hit->data));
}

absl::StatusOr<VerifiedToken> TokenVerifier::Impl::Verify(
    absl::string_view token, const VerifyOptions& options) const {
  absl::Time now = clock_->Now();
  std::optional<internal::CacheKey> key;
  if (std::optional<absl::StatusOr<VerifiedToken>> verdict =
          VerifyWithoutSignature(token, options, now, key)) {
    return *std::move(verdict);
  }
  misses_.Increment();

  auto data = std::make_shared<TokenData>();
  size_t provider_index = 0;
  uint64_t key_generation = 0;
  AUTHGATE_RETURN_IF_ERROR(
      VerifyUncached(token, *data, provider_index, key_generation));
  const Provider& provider = providers_[provider_index];
  AUTHGATE_RETURN_IF_ERROR(CheckTimes(provider, data->claims, now));
  if (cache_ != nullptr && data->claims.expires_at.has_value()) {
    cache_->Insert(*key, {data, provider_index, key_generation},
                   *data->claims.expires_at);
  }
  AUTHGATE_RETURN_IF_ERROR(CheckCall(provider, *data, options));
  return VerifiedToken(std::move(data));
}

absl::Status TokenVerifier::Impl::VerifyUncached(
    absl::string_view token, TokenData& data, size_t& provider_index,
    uint64_t& key_generation) const {
  AUTHGATE_ASSIGN_OR_RETURN(
      internal::CompactJws jws,
      internal::SplitCompactJws(token, options_.max_token_bytes));

  // Decode buffers are reused per thread; simdjson reads past the end.
  thread_local std::string header_bytes;
  thread_local std::string signature_bytes;
  AUTHGATE_ASSIGN_OR_RETURN(
      size_t header_size,
      internal::DecodeSegment(jws.header, "header", simdjson::SIMDJSON_PADDING,
                              header_bytes));
  AUTHGATE_ASSIGN_OR_RETURN(
      internal::JoseHeader header,
      internal::ParseJoseHeader(header_bytes.data(), header_size));

  thread_local std::string payload;
  AUTHGATE_ASSIGN_OR_RETURN(
      size_t payload_size,
      internal::DecodeSegment(jws.payload, "payload",
                              simdjson::SIMDJSON_PADDING, payload));
  internal::IdentityClaimCandidates candidates;
  AUTHGATE_RETURN_IF_ERROR(internal::ParseTokenClaims(
      payload.data(), payload_size, data.claims, candidates));

  // The unverified "iss" only chooses whose keys to try (RFC 8725 section
  // 3.8); a token from an issuer nobody configured is refused outright.
  auto routed = by_issuer_.find(data.claims.issuer);
  if (routed == by_issuer_.end()) {
    return Rejected(ErrorReason::kIssuerMismatch,
                    data.claims.issuer.empty()
                        ? std::string("token has no iss")
                        : absl::StrCat("issuer ", Printable(data.claims.issuer),
                                       " is not trusted"));
  }
  provider_index = routed->second;
  const Provider& provider = providers_[provider_index];

  // RFC 8725 section 3.1: the provider's allow-list, then the key, decide.
  if (!provider.allowed_algs[static_cast<size_t>(header.alg)]) {
    return Rejected(
        ErrorReason::kAlgNotAllowed,
        absl::StrCat("alg ", AlgorithmName(header.alg),
                     " is not allowed for provider ", provider.policy.name));
  }
  if (!provider.policy.token_types.empty() &&
      !TypeAccepted(header.typ, provider.policy.token_types)) {
    return Rejected(
        ErrorReason::kTokenTypeMismatch,
        header.typ.empty()
            ? std::string("token header has no typ")
            : absl::StrCat("typ ", Printable(header.typ), " is not accepted"));
  }
  KeySource& keys = *provider.policy.keys;
  key_generation = keys.generation();
  std::shared_ptr<const JwkSet> set = keys.Current();
  const Jwk* key = set != nullptr ? set->Find(header.kid, header.alg) : nullptr;
  if (key == nullptr &&
      (set == nullptr || (!header.kid.empty() && !set->HasKeyId(header.kid)))) {
    // An unknown kid may mean the provider rotated its keys: the source may
    // refetch, at most once per cooldown however many tokens ask.
    key_generation = keys.generation();
    AUTHGATE_ASSIGN_OR_RETURN(set, keys.OnUnknownKeyId(header.kid));
    key = set->Find(header.kid, header.alg);
  }
  if (key == nullptr) {
    if (header.kid.empty()) {
      // OIDC Core 10.1: a kid is required whenever the set holds more than
      // one key; only a set's sole key may be used without one.
      if (set->keys().size() != 1) {
        return Rejected(ErrorReason::kKeyNotFound,
                        absl::StrCat("token has no kid and the key set holds ",
                                     set->keys().size(), " keys"));
      }
      // RFC 8725 section 3.1: the key decides the algorithm, kid or not.
      return Rejected(ErrorReason::kAlgNotAllowed,
                      absl::StrCat("alg ", AlgorithmName(header.alg),
                                   " does not fit the key set's only key"));
    }
    if (set->HasKeyId(header.kid)) {
      return Rejected(
          ErrorReason::kAlgNotAllowed,
          absl::StrCat("alg ", AlgorithmName(header.alg), " does not fit key ",
                       Printable(header.kid)));
    }
    return Rejected(ErrorReason::kKeyNotFound,
                    absl::StrCat("no key with kid ", Printable(header.kid)));
  }

  AUTHGATE_ASSIGN_OR_RETURN(
      size_t signature_size,
      internal::DecodeSegment(jws.signature, "signature", 0, signature_bytes));
  AUTHGATE_RETURN_IF_ERROR(key->public_key().Verify(
      header.alg, jws.signing_input,
      absl::string_view(signature_bytes.data(), signature_size)));

  data.token = std::string(token);
  data.algorithm = header.alg;
  data.key_id = key->key_id();
  data.key_thumbprint = key->thumbprint();
  data.provider_name = provider.policy.name;
  // The provider's own claim names; a token is routed only now.
  AUTHGATE_RETURN_IF_ERROR(provider.identity.Select(candidates, data));
  return CheckProviderClaims(provider, data, header.typ);
}

absl::Status TokenVerifier::Impl::CheckProviderClaims(
    const Provider& provider, const TokenData& data,
    absl::string_view typ) const {
  const ProviderPolicy& policy = provider.policy;
  const TokenClaims& claims = data.claims;
  // Before the audience, as in CheckCall(): under kCognitoTokenUse the
  // token_use also picks the audience claim, and a use the provider does not
  // accept is the more precise verdict.
  if (!policy.token_uses.empty() &&
      !Contains(policy.token_uses, claims.token_use)) {
    return Rejected(ErrorReason::kTokenUseMismatch,
                    absl::StrCat("token_use ", Printable(claims.token_use),
                                 " is not accepted"));
  }
  if (!policy.allow_any_audience) {
    // RFC 7519 section 4.1.3 / OIDC Core 3.1.3.7: the audience must be us,
    // by the claim the provider's audience rule names.
    if (std::optional<std::string> mismatch = AudienceMismatch(
            policy.audience_rule, claims, policy.audiences, "")) {
      return Rejected(ErrorReason::kAudienceMismatch, *mismatch);
    }
    // OIDC Core 3.1.3.7 point 5: an azp must name an accepted client.
    if (!claims.authorized_party.empty() &&
        !Contains(policy.audiences, claims.authorized_party)) {
      return Rejected(ErrorReason::kAzpMismatch,
                      "token azp is not an accepted client");
    }
    // OIDC Core 3.1.3.7 points 4 and 5, enforced as openid-client does: a
    // token for several audiences must name in "azp" the client it was
    // issued to. RFC 9068 access tokens (typ at+jwt) define no azp.
    if (policy.audience_rule == AudienceRule::kAud &&
        claims.audience.size() > 1 && claims.authorized_party.empty() &&
        !IsAccessTokenType(typ)) {
      return Rejected(ErrorReason::kAzpMismatch,
                      "token has several audiences and no azp");
    }
  }
  if (policy.max_lifetime.has_value()) {
    if (!claims.issued_at.has_value() || !claims.expires_at.has_value()) {
      return Rejected(ErrorReason::kClaimMissing,
                      "token needs iat and exp for its lifetime check");
    }
    if (*claims.expires_at - *claims.issued_at > *policy.max_lifetime) {
      return Rejected(ErrorReason::kTokenLifetimeTooLong,
                      "token lifetime exceeds the maximum");
    }
  }
  if (!policy.required_claims.empty()) {
    const nlohmann::json& all = data.AllClaims();
    for (const auto& [name, expected] : policy.required_claims) {
      auto it = all.find(name);
      if (it == all.end()) {
        return Rejected(ErrorReason::kClaimMissing,
                        absl::StrCat("claim ", Printable(name), " is missing"));
      }
      if (*it != expected) {
        return Rejected(ErrorReason::kClaimMismatch,
                        absl::StrCat("claim ", Printable(name),
                                     " has an unexpected value"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status TokenVerifier::Impl::CheckTimes(const Provider& provider,
                                             const TokenClaims& claims,
                                             absl::Time now) const {
  const absl::Duration skew = provider.policy.clock_skew;
  // RFC 7519 section 4.1.4: reject on or after exp (plus the allowed skew).
  if (!claims.expires_at.has_value()) {
    if (!provider.policy.allow_missing_exp) {
      return Rejected(ErrorReason::kClaimMissing, "token has no exp");
    }
  } else if (now >= *claims.expires_at + skew) {
    return Rejected(ErrorReason::kTokenExpired, "token expired");
  }
  // RFC 7519 section 4.1.5.
  if (claims.not_before.has_value() && now + skew < *claims.not_before) {
    return Rejected(ErrorReason::kTokenNotYetValid, "token is not yet valid");
  }
  if (claims.issued_at.has_value() && now + skew < *claims.issued_at) {
    return Rejected(ErrorReason::kTokenIssuedInFuture,
                    "token was issued in the future");
  }
  return absl::OkStatus();
}

absl::Status TokenVerifier::Impl::CheckCall(
    const Provider& provider, const TokenData& data,
    const VerifyOptions& options) const {
  const TokenClaims& claims = data.claims;
  if (!options.provider.empty() && options.provider != provider.policy.name) {
    return Rejected(ErrorReason::kIssuerMismatch,
                    absl::StrCat("token is not from provider ",
                                 Printable(options.provider)));
  }
  if (!options.token_uses.empty() &&
      !Contains(options.token_uses, claims.token_use)) {
    return Rejected(ErrorReason::kTokenUseMismatch,
                    absl::StrCat("token_use ", Printable(claims.token_use),
                                 " is not accepted here"));
  }
  if (!options.audiences.empty()) {
    // The provider's audience rule, against this call's audiences.
    if (std::optional<std::string> mismatch =
            AudienceMismatch(provider.policy.audience_rule, claims,
                             options.audiences, " here")) {
      return Rejected(ErrorReason::kAudienceMismatch, *mismatch);
    }
  }
  // OIDC Core 3.1.3.7 point 11: the nonce sent must come back. Cognito adds
  // a nonce of its own on federated sign-in, so one we did not send is fine.
  if (!options.nonce.empty() && claims.nonce != options.nonce) {
    return Rejected(ErrorReason::kNonceMismatch, "token nonce does not match");
  }
  if (!options.access_token.empty() && !claims.at_hash.empty()) {
    AUTHGATE_RETURN_IF_ERROR(CheckAtHash(data, options.access_token));
  }
  if (std::optional<std::string> missing = MissingRequirement(
          claims.scopes, options.scopes, options.scope_match)) {
    return Denied(ErrorReason::kScopeMissing,
                  absl::StrCat("required scope missing: ", *missing));
  }
  if (std::optional<std::string> missing = MissingRequirement(
          claims.groups, options.groups, options.group_match)) {
    return Denied(ErrorReason::kGroupMissing,
                  absl::StrCat("required group missing: ", *missing));
  }
  return absl::OkStatus();
}

absl::Status TokenVerifier::Impl::CheckAtHash(
    const TokenData& data, absl::string_view access_token) const {
  // OIDC Core 3.1.3.6: base64url of the left half of the hash the ID token's
  // alg uses, over the access token's ASCII octets.
  std::string digest = internal::HashForAlgorithm(data.algorithm, access_token);
  std::string expected = internal::Base64UrlEncode(
      absl::string_view(digest).substr(0, digest.size() / 2));
  if (expected != data.claims.at_hash) {
    return Rejected(ErrorReason::kAtHashMismatch,
                    "at_hash does not match the access token");
  }
  return absl::OkStatus();
}

absl::string_view MatchName(Match match) {
  return match == Match::kAny ? "any" : "all";
}

std::optional<Match> MatchFromName(absl::string_view name) {
  if (name == "all") return Match::kAll;
  if (name == "any") return Match::kAny;
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(
    VerifierOptions options, Dependencies dependencies) {
  if (options.providers.empty()) return ConfigError("no providers configured");
  if (options.max_token_bytes == 0) {
    return ConfigError("max_token_bytes must be positive");
  }
  if (dependencies.clock == nullptr) return ConfigError("clock is null");
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> issuers;
  for (size_t i = 0; i < options.providers.size(); ++i) {
    const ProviderPolicy& p = options.providers[i];
    std::string field = absl::StrCat("providers[", i, "]");
    if (p.name.empty())
      return ConfigError(absl::StrCat(field, ".name is empty"));
    if (!names.insert(p.name).second) {
      return ConfigError(absl::StrCat(field, ".name ", p.name, " is repeated"));
    }
    field = absl::StrCat("provider ", p.name);
    if (p.issuers.empty()) {
      return ConfigError(absl::StrCat(field, ": issuers is empty"));
    }
    for (const std::string& issuer : p.issuers) {
      if (issuer.empty()) {
        return ConfigError(absl::StrCat(field, ": an issuer is empty"));
      }
      if (!issuers.insert(issuer).second) {
        return ConfigError(absl::StrCat(field, ": issuer ", issuer,
                                        " is claimed by two providers"));
      }
    }
    if (p.keys == nullptr) {
      return ConfigError(absl::StrCat(field, ": keys is not set"));
    }
    if (p.algorithms.empty()) {
      return ConfigError(absl::StrCat(field, ": algorithms is empty"));
    }
    // An empty audience list must not silently mean "accept any".
    if (p.audiences.empty() && !p.allow_any_audience) {
      return ConfigError(absl::StrCat(
          field,
          ": audiences is empty (set allow_any_audience to accept any)"));
    }
    if (p.groups_claim.empty()) {
      return ConfigError(absl::StrCat(field, ": groups_claim is empty"));
    }
    if (p.username_claim.empty()) {
      return ConfigError(absl::StrCat(field, ": username_claim is empty"));
    }
    for (const std::string& type : p.token_types) {
      if (MediaSubtype(type).empty()) {
        return ConfigError(absl::StrCat(field, ": a token type is empty"));
      }
    }
    if (p.clock_skew < absl::ZeroDuration() || p.clock_skew > kMaxClockSkew) {
      return ConfigError(
          absl::StrCat(field, ": clock_skew must be within 0 and 5 minutes"));
    }
    if (p.max_lifetime.has_value() && *p.max_lifetime <= absl::ZeroDuration()) {
      return ConfigError(
          absl::StrCat(field, ": max_lifetime must be positive"));
    }
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(
      std::make_unique<Impl>(std::move(options), std::move(dependencies))));
}

TokenVerifier::TokenVerifier(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
TokenVerifier::~TokenVerifier() = default;

absl::StatusOr<VerifiedToken> TokenVerifier::Verify(
    absl::string_view token, const VerifyOptions& options) const {
  return impl_->Verify(token, options);
}

std::optional<absl::StatusOr<VerifiedToken>> TokenVerifier::VerifyIfCached(
    absl::string_view token, const VerifyOptions& options) const {
  return impl_->VerifyIfCached(token, options);
}

std::vector<std::string> TokenVerifier::provider_names() const {
  return impl_->provider_names();
}

VerifierStats TokenVerifier::stats() const { return impl_->stats(); }

}  // namespace authgate
