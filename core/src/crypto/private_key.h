// PrivateKey: key generation and JWS signing, for tests, benchmarks and the
// command-line tool's self-test. Production verification never signs.
#ifndef AUTHGATE_SRC_CRYPTO_PRIVATE_KEY_H_
#define AUTHGATE_SRC_CRYPTO_PRIVATE_KEY_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/algorithm.h"
#include "crypto/public_key.h"

namespace authgate::internal {

class PrivateKey {
 public:
  static absl::StatusOr<std::unique_ptr<PrivateKey>> GenerateRsa(int bits);
  // RSA from PKCS#8 or traditional PEM (for RFC test vectors).
  static absl::StatusOr<std::unique_ptr<PrivateKey>> FromPem(
      absl::string_view pem);
  static absl::StatusOr<std::unique_ptr<PrivateKey>> GenerateEc(Curve curve);
  static absl::StatusOr<std::unique_ptr<PrivateKey>> GenerateEd25519();
  // Ed25519 from its 32-byte seed (RFC 8037 test vector).
  static absl::StatusOr<std::unique_ptr<PrivateKey>> FromEd25519Seed(
      absl::string_view seed);
  static absl::StatusOr<std::unique_ptr<PrivateKey>> FromHmacSecret(
      absl::string_view secret);

  ~PrivateKey();
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  KeyType type() const { return type_; }
  Curve curve() const { return curve_; }

  // Signs `signing_input` with `alg` (ES*: JOSE r||s form). Deliberately does
  // not check that `alg` fits the key beyond what the library requires, so
  // tests can make mismatched tokens; errors only when signing is impossible.
  absl::StatusOr<std::string> Sign(Algorithm alg,
                                   absl::string_view signing_input) const;

  // Public JWK members with base64url values, e.g. {"kty":"RSA","n":..,"e":..}
  // or {"kty":"EC","crv":"P-256","x":..,"y":..} or {"kty":"OKP","crv":
  // "Ed25519","x":..}. HMAC keys give {"kty":"oct","k":..}.
  std::map<std::string, std::string> PublicJwkMembers() const;

 private:
  struct State;
  PrivateKey(KeyType type, Curve curve, std::unique_ptr<State> state);
  KeyType type_;
  Curve curve_;
  std::unique_ptr<State> state_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CRYPTO_PRIVATE_KEY_H_
