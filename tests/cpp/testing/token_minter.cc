#include "testing/token_minter.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "base64url.h"
#include "crypto/digest.h"

namespace authgate::testing {
namespace {

using internal::Curve;
using internal::PrivateKey;

enum class KeyKind { kRsa, kP256, kP384, kP521, kEd25519, kHmac };

KeyKind KindFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return KeyKind::kP256;
    case Algorithm::kEs384:
      return KeyKind::kP384;
    case Algorithm::kEs512:
      return KeyKind::kP521;
    case Algorithm::kEdDsa:
      return KeyKind::kEd25519;
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      return KeyKind::kHmac;
    default:
      return KeyKind::kRsa;
  }
}

absl::StatusOr<std::unique_ptr<PrivateKey>> Generate(KeyKind kind,
                                                     int variant) {
  switch (kind) {
    case KeyKind::kRsa:
      return PrivateKey::GenerateRsa(2048);
    case KeyKind::kP256:
      return PrivateKey::GenerateEc(Curve::kP256);
    case KeyKind::kP384:
      return PrivateKey::GenerateEc(Curve::kP384);
    case KeyKind::kP521:
      return PrivateKey::GenerateEc(Curve::kP521);
    case KeyKind::kEd25519:
      return PrivateKey::GenerateEd25519();
    case KeyKind::kHmac:
      return PrivateKey::FromHmacSecret(TokenMinter::HmacSecret(variant));
  }
  return PrivateKey::GenerateRsa(2048);
}

// RSA generation takes tens to hundreds of milliseconds, so every minter in
// the process shares one key per (kind, variant).
std::shared_ptr<const PrivateKey> CachedKey(KeyKind kind, int variant) {
  static std::mutex mu;
  static auto* cache =
      new std::map<std::pair<KeyKind, int>, std::shared_ptr<const PrivateKey>>;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*cache)[{kind, variant}];
  if (slot == nullptr) {
    absl::StatusOr<std::unique_ptr<PrivateKey>> key = Generate(kind, variant);
    if (!key.ok()) {
      ADD_FAILURE() << "TokenMinter key generation failed: " << key.status();
      return nullptr;
    }
    slot = std::move(*key);
  }
  return slot;
}

}  // namespace

void TokenMinter::AddKey(const std::string& kid, Algorithm alg, int variant) {
  keys_[kid] = Entry{alg, CachedKey(KindFor(alg), variant)};
}

std::string TokenMinter::Mint(const std::string& kid,
                              const nlohmann::json& claims) const {
  auto it = keys_.find(kid);
  if (it == keys_.end()) {
    ADD_FAILURE() << "TokenMinter has no key " << kid;
    return "";
  }
  nlohmann::json header = {{"alg", std::string(AlgorithmName(it->second.alg))},
                           {"kid", kid},
                           {"typ", "JWT"}};
  return MintWithHeader(kid, it->second.alg, header, claims);
}

std::string TokenMinter::MintWithHeader(const std::string& kid,
                                        Algorithm sign_alg,
                                        const nlohmann::json& header,
                                        const nlohmann::json& claims) const {
  return MintRaw(kid, sign_alg, header.dump(), claims.dump());
}

std::string TokenMinter::MintRaw(const std::string& kid, Algorithm sign_alg,
                                 absl::string_view header_text,
                                 absl::string_view payload_text) const {
  auto it = keys_.find(kid);
  if (it == keys_.end() || it->second.key == nullptr) {
    ADD_FAILURE() << "TokenMinter has no usable key " << kid;
    return "";
  }
  std::string signing_input =
      absl::StrCat(internal::Base64UrlEncode(header_text), ".",
                   internal::Base64UrlEncode(payload_text));
  absl::StatusOr<std::string> signature =
      it->second.key->Sign(sign_alg, signing_input);
  if (!signature.ok()) {
    ADD_FAILURE() << "TokenMinter cannot sign " << AlgorithmName(sign_alg)
                  << " with key " << kid << ": " << signature.status();
    return "";
  }
  return absl::StrCat(signing_input, ".",
                      internal::Base64UrlEncode(*signature));
}

nlohmann::json TokenMinter::Jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [kid, entry] : keys_) {
    // Shared secrets are configured, never published in a JWKS.
    if (KeyTypeForAlgorithm(entry.alg) == KeyType::kOct) continue;
    if (entry.key == nullptr) continue;
    nlohmann::json jwk = nlohmann::json::object();
    for (const auto& [name, value] : entry.key->PublicJwkMembers()) {
      jwk[name] = value;
    }
    jwk["kid"] = kid;
    jwk["alg"] = std::string(AlgorithmName(entry.alg));
    jwk["use"] = "sig";
    keys.push_back(std::move(jwk));
  }
  return nlohmann::json{{"keys", std::move(keys)}};
}

std::string TokenMinter::HmacSecret(int variant) {
  // 64 printable bytes (the hex of a SHA-256 output): long enough for HS512
  // and easy to pass through configuration files and environment variables.
  std::string digest =
      internal::Sha256(absl::StrCat("authgate test hmac secret ", variant));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string secret;
  secret.reserve(2 * digest.size());
  for (char c : digest) {
    auto byte = static_cast<unsigned char>(c);
    secret.push_back(kHex[byte >> 4]);
    secret.push_back(kHex[byte & 0x0f]);
  }
  return secret;
}

}  // namespace authgate::testing
