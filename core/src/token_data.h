// TokenData: what a verified token holds, shared immutably by VerifiedToken
// copies and the verified-token cache.
#ifndef AUTHGATE_SRC_TOKEN_DATA_H_
#define AUTHGATE_SRC_TOKEN_DATA_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"

namespace authgate::internal {

struct TokenClaims {
  std::string issuer;
  std::string subject;
  std::vector<std::string> audience;
  std::string client_id;
  std::string token_use;
  // The provider's username_claim and groups_claim, set once routed.
  std::string username;
  std::vector<std::string> scopes;
  std::vector<std::string> groups;
  std::string nonce;
  std::string authorized_party;
  std::string token_id;
  std::string at_hash;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> issued_at;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> auth_time;
};

struct TokenData {
  TokenClaims claims;
  Algorithm algorithm = Algorithm::kRs256;
  std::string key_id;
  std::string key_thumbprint;
  std::string provider_name;
  // The token as verified. The verified-token cache keys on it, and the
  // payload is decoded from it when asked for rather than kept beside it:
  // a cache entry then holds the token once, not a second copy as JSON.
  std::string token;

  // The decoded payload, byte for byte as signed; empty when `token` has no
  // decodable payload segment (never for a verified token).
  std::string PayloadJson() const;

  // The memory this TokenData holds: itself (as make_shared allocates it)
  // and every heap block its strings and vectors own, each counted as the
  // allocator rounds it. The verified-token cache charges an entry this, so
  // cache_max_bytes bounds what the cache really holds. The full claim set,
  // parsed only when asked for, is not counted.
  size_t HeapBytes() const;

  // Full claim set, parsed on first use (most callers never need it). An
  // empty object when the payload is not a JSON object or nests deeper than
  // kMaxJsonDepth (which a verified payload never does).
  const nlohmann::json& AllClaims() const;

 private:
  mutable std::once_flag all_claims_once_;
  mutable nlohmann::json all_claims_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_TOKEN_DATA_H_
