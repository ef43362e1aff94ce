// JwkSet: a parsed JSON Web Key Set (RFC 7517) holding only usable keys.
//
// Parsing is forgiving per key and strict per set: a key that cannot be used
// (unknown kty, RSA modulus under 2048 bits, EC point off the curve, "use"
// other than "sig", "key_ops" without "verify", symmetric key, ...) is skipped
// with a recorded reason and does not spoil the others; a document that is not
// a JWKS is an error. Immutable and thread-safe once built.
//
//   absl::StatusOr<std::shared_ptr<const JwkSet>> set = JwkSet::Parse(json);
//   if (!set.ok()) return set.status();
//   for (const SkippedKey& s : (*set)->skipped()) Warn(s.key_id, s.reason);
//   const Jwk* key = (*set)->Find("kid-1", Algorithm::kRs256);
#ifndef AUTHGATE_JWK_SET_H_
#define AUTHGATE_JWK_SET_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/algorithm.h"
#include "authgate/jwk.h"

namespace authgate {

// Limits, checked before any parsing.
inline constexpr size_t kMaxJwksBytes = 256 * 1024;
inline constexpr size_t kMaxKeysPerSet = 64;

// A JWK that was left out of the set, and why (public identifiers only).
struct SkippedKey {
  std::string key_id;
  std::string reason;
};

class JwkSet {
 public:
  // Parses a JWKS document ({"keys": [...]}). Errors: kInvalidArgument with
  // reason jwks_invalid when the text is too large, not JSON, has no "keys"
  // array, or lists more than kMaxKeysPerSet keys.
  static absl::StatusOr<std::shared_ptr<const JwkSet>> Parse(
      absl::string_view json);

  // Reads and parses a JWKS file (aws-jwt-verify's cacheJwks equivalent).
  static absl::StatusOr<std::shared_ptr<const JwkSet>> ParseFile(
      const std::string& path);

  // A set made of given keys (for configured shared secrets and tests).
  static std::shared_ptr<const JwkSet> FromKeys(
      std::vector<std::shared_ptr<const Jwk>> keys);

  const std::vector<std::shared_ptr<const Jwk>>& keys() const { return keys_; }
  const std::vector<SkippedKey>& skipped() const { return skipped_; }
  bool empty() const { return keys_.empty(); }

  // The key with this `kid` that can verify `alg`, or nullptr. An empty
  // `key_id` (token without "kid") matches only when the set holds exactly
  // one key and that key can verify `alg` (OIDC Core 10.1).
  const Jwk* Find(absl::string_view key_id, Algorithm alg) const;

  // True when some key (of any algorithm) has this kid.
  bool HasKeyId(absl::string_view key_id) const;

  // True when a key with this kid and thumbprint is in the set.
  bool Contains(absl::string_view key_id, absl::string_view thumbprint) const;

 private:
  JwkSet() = default;
  std::vector<std::shared_ptr<const Jwk>> keys_;
  std::vector<SkippedKey> skipped_;
};

}  // namespace authgate

#endif  // AUTHGATE_JWK_SET_H_
