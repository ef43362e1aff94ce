// VerifiedToken: the claims of a token that passed every check.
//
// Only TokenVerifier can create one (private constructor, the Tink pattern),
// so a function taking `const VerifiedToken&` knows the identity is real.
// Cheap to copy (shared immutable data); thread-safe.
//
//   absl::StatusOr<VerifiedToken> token = verifier->Verify(jwt, options);
//   if (token.ok()) Serve(token->subject(), token->scopes());
//   const nlohmann::json& all = token->claims();   // every claim
#ifndef AUTHGATE_VERIFIED_TOKEN_H_
#define AUTHGATE_VERIFIED_TOKEN_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

#include "authgate/algorithm.h"

namespace authgate {
namespace internal {
struct TokenData;
}  // namespace internal

class VerifiedToken {
 public:
  const std::string& issuer() const;
  const std::string& subject() const;
  // "aud" as a list (a string "aud" becomes one element); empty when absent.
  const std::vector<std::string>& audience() const;
  // Cognito access tokens name their app client in "client_id" (no "aud").
  const std::string& client_id() const;
  // Cognito "token_use": "id" or "access"; empty when absent.
  const std::string& token_use() const;
  // The provider's username_claim (ProviderPolicy): by default
  // "cognito:username" (ID tokens), else "username" (access tokens); empty
  // when absent.
  const std::string& username() const;
  // "scope", split on spaces.
  const std::vector<std::string>& scopes() const;
  // The provider's groups_claim (ProviderPolicy), by default
  // "cognito:groups"; a single string is one group. Empty when absent.
  const std::vector<std::string>& groups() const;
  const std::string& nonce() const;
  const std::string& authorized_party() const;  // "azp"
  const std::string& token_id() const;          // "jti"
  // "exp"; absl::InfiniteFuture() only if the provider allows tokens without.
  absl::Time expires_at() const;
  std::optional<absl::Time> issued_at() const;
  std::optional<absl::Time> not_before() const;
  std::optional<absl::Time> auth_time() const;

  // Header facts and routing.
  Algorithm algorithm() const;
  const std::string& key_id() const;
  const std::string& provider_name() const;

  // Every claim as parsed JSON (parsed on first call, then kept).
  const nlohmann::json& claims() const;
  // The decoded payload, byte for byte as signed (decoded from the token on
  // each call: a cached verification keeps the token, not this copy).
  std::string payload_json() const;

 private:
  friend class TokenVerifier;
  explicit VerifiedToken(std::shared_ptr<const internal::TokenData> data);
  std::shared_ptr<const internal::TokenData> data_;
};

}  // namespace authgate

#endif  // AUTHGATE_VERIFIED_TOKEN_H_
