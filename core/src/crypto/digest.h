// Hashes and randomness used outside signature checks (fingerprints, at_hash,
// RFC 7638 thumbprints, PKCE, state and nonce).
#ifndef AUTHGATE_SRC_CRYPTO_DIGEST_H_
#define AUTHGATE_SRC_CRYPTO_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/algorithm.h"

namespace authgate::internal {

std::string Sha256(absl::string_view data);

// The hash a JWS algorithm uses (SHA-256/384/512; EdDSA: SHA-512), as needed
// by OIDC's at_hash and c_hash.
std::string HashForAlgorithm(Algorithm alg, absl::string_view data);

// Cryptographically secure random bytes (RAND_bytes). kInternal on failure.
absl::StatusOr<std::string> RandomBytes(size_t count);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CRYPTO_DIGEST_H_
