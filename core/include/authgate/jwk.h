// Jwk: one parsed, usable verification key.
//
// A Jwk comes from JwkSet::Parse (asymmetric keys only) or from a configured
// HMAC shared secret (Jwk::FromSharedSecret). It is immutable and thread-safe.
//
//   std::shared_ptr<const Jwk> key = set->Find("kid-1", Algorithm::kRs256);
//   if (key != nullptr && key->CanVerify(Algorithm::kRs256)) { ... }
#ifndef AUTHGATE_JWK_H_
#define AUTHGATE_JWK_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/algorithm.h"

namespace authgate {
namespace internal {
class PublicKey;
}  // namespace internal

class Jwk {
 public:
  // A symmetric key from configuration (never from a JWKS). `secret` must be
  // at least 32 bytes (RFC 7518 section 3.2); kInvalidArgument/config_invalid.
  static absl::StatusOr<std::shared_ptr<const Jwk>> FromSharedSecret(
      std::string key_id, absl::string_view secret);

  Jwk(const Jwk&) = delete;
  Jwk& operator=(const Jwk&) = delete;
  ~Jwk();

  // "kid"; empty when the JWK has none.
  const std::string& key_id() const { return key_id_; }
  KeyType key_type() const { return key_type_; }
  // The JWK's own "alg", when it declares one.
  std::optional<Algorithm> algorithm() const { return algorithm_; }
  // Identifies the key material (RFC 7638 style SHA-256 thumbprint, base64url).
  const std::string& thumbprint() const { return thumbprint_; }

  // True when a signature made with `alg` may be checked with this key: the
  // key type (and curve) fit `alg`, and the JWK's own "alg", when present,
  // equals it. RFC 8725 section 3.1: the key, not the token, picks the alg.
  bool CanVerify(Algorithm alg) const;

  const internal::PublicKey& public_key() const { return *public_key_; }

 private:
  friend class JwkSet;
  Jwk(std::string key_id, KeyType key_type, std::optional<Algorithm> algorithm,
      std::string thumbprint, std::unique_ptr<internal::PublicKey> public_key);

  std::string key_id_;
  KeyType key_type_;
  std::optional<Algorithm> algorithm_;
  std::string thumbprint_;
  std::unique_ptr<internal::PublicKey> public_key_;
};

}  // namespace authgate

#endif  // AUTHGATE_JWK_H_
