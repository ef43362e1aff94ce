#include "authgate/algorithm.h"

#include <array>
#include <utility>

namespace authgate {
namespace {

constexpr std::array<std::pair<Algorithm, absl::string_view>, 13> kNames = {{
    {Algorithm::kRs256, "RS256"},
    {Algorithm::kRs384, "RS384"},
    {Algorithm::kRs512, "RS512"},
    {Algorithm::kPs256, "PS256"},
    {Algorithm::kPs384, "PS384"},
    {Algorithm::kPs512, "PS512"},
    {Algorithm::kEs256, "ES256"},
    {Algorithm::kEs384, "ES384"},
    {Algorithm::kEs512, "ES512"},
    {Algorithm::kEdDsa, "EdDSA"},
    {Algorithm::kHs256, "HS256"},
    {Algorithm::kHs384, "HS384"},
    {Algorithm::kHs512, "HS512"},
}};

}  // namespace

std::optional<Algorithm> AlgorithmFromName(absl::string_view name) {
  // RFC 8725 section 3.1: names match exactly; "none" is never an algorithm.
  for (const auto& [alg, alg_name] : kNames) {
    if (alg_name == name) return alg;
  }
  return std::nullopt;
}

absl::string_view AlgorithmName(Algorithm alg) {
  return kNames[static_cast<size_t>(alg)].second;
}

KeyType KeyTypeForAlgorithm(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRs256:
    case Algorithm::kRs384:
    case Algorithm::kRs512:
    case Algorithm::kPs256:
    case Algorithm::kPs384:
    case Algorithm::kPs512:
      return KeyType::kRsa;
    case Algorithm::kEs256:
    case Algorithm::kEs384:
    case Algorithm::kEs512:
      return KeyType::kEc;
    case Algorithm::kEdDsa:
      return KeyType::kOkp;
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      return KeyType::kOct;
  }
  return KeyType::kOct;
}

absl::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return "RSA";
    case KeyType::kEc:
      return "EC";
    case KeyType::kOkp:
      return "OKP";
    case KeyType::kOct:
      return "oct";
  }
  return "oct";
}

std::vector<Algorithm> AsymmetricAlgorithms() {
  std::vector<Algorithm> algs;
  for (const auto& [alg, name] : kNames) {
    if (KeyTypeForAlgorithm(alg) != KeyType::kOct) algs.push_back(alg);
  }
  return algs;
}

}  // namespace authgate
