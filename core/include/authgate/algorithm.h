// JWS algorithms (RFC 7518, RFC 8037) and key types authgate understands.
//
//   std::optional<Algorithm> alg = AlgorithmFromName("RS256");
//   KeyTypeForAlgorithm(*alg) == KeyType::kRsa;
#ifndef AUTHGATE_ALGORITHM_H_
#define AUTHGATE_ALGORITHM_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace authgate {

enum class Algorithm {
  kRs256,
  kRs384,
  kRs512,
  kPs256,
  kPs384,
  kPs512,
  kEs256,
  kEs384,
  kEs512,
  kEdDsa,
  kHs256,
  kHs384,
  kHs512,
};

enum class KeyType { kRsa, kEc, kOkp, kOct };

// Parses a JOSE "alg" value. "none" and anything unknown give nullopt: an
// unsecured JWS can never be verified.
std::optional<Algorithm> AlgorithmFromName(absl::string_view name);

// The JOSE name, e.g. "RS256".
absl::string_view AlgorithmName(Algorithm alg);

KeyType KeyTypeForAlgorithm(Algorithm alg);
absl::string_view KeyTypeName(KeyType type);  // "RSA", "EC", "OKP", "oct"

// Every asymmetric algorithm: the default allow-list. HMAC algorithms must be
// enabled explicitly, together with a configured shared secret.
std::vector<Algorithm> AsymmetricAlgorithms();

}  // namespace authgate

#endif  // AUTHGATE_ALGORITHM_H_
