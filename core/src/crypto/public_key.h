// PublicKey: a parsed verification key and the JWS signature check.
//
// This directory is the only place that includes <openssl/...>. It is written
// to the API subset OpenSSL 3 and BoringSSL share, so a BoringSSL build is a
// concern of this directory alone (tests/cpp builds it against both).
// Immutable and thread-safe after creation.
#ifndef AUTHGATE_SRC_CRYPTO_PUBLIC_KEY_H_
#define AUTHGATE_SRC_CRYPTO_PUBLIC_KEY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/algorithm.h"

namespace authgate::internal {

enum class Curve { kNone, kP256, kP384, kP521, kEd25519 };

inline constexpr int kMinRsaModulusBits = 2048;
inline constexpr int kMaxRsaModulusBits = 8192;
inline constexpr size_t kMinHmacSecretBytes = 32;

class PublicKey {
 public:
  // RSA from big-endian modulus and exponent bytes. Errors (kInvalidArgument):
  // modulus under kMinRsaModulusBits or over kMaxRsaModulusBits, exponent
  // even, < 3, or longer than 4 bytes.
  static absl::StatusOr<std::unique_ptr<PublicKey>> FromRsa(
      absl::string_view modulus, absl::string_view exponent);
  // EC from big-endian affine coordinates, each exactly the curve's field
  // size; the point must lie on the curve. Curve is kP256/kP384/kP521.
  static absl::StatusOr<std::unique_ptr<PublicKey>> FromEcPoint(
      Curve curve, absl::string_view x, absl::string_view y);
  // Ed25519 from its 32-byte public key.
  static absl::StatusOr<std::unique_ptr<PublicKey>> FromEd25519(
      absl::string_view x);
  // HMAC shared secret of at least kMinHmacSecretBytes.
  static absl::StatusOr<std::unique_ptr<PublicKey>> FromHmacSecret(
      absl::string_view secret);

  ~PublicKey();
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  KeyType type() const { return type_; }
  Curve curve() const { return curve_; }
  // Modulus bits (RSA), field bits (EC), 256 (Ed25519), secret bits (HMAC).
  int bits() const { return bits_; }

  // True when `alg` can be used with this key: RS*/PS* with RSA, ES256 with
  // P-256, ES384 with P-384, ES512 with P-521, EdDSA with Ed25519, HS* with a
  // secret at least as long as the hash output.
  bool Fits(Algorithm alg) const;

  // Checks a JWS signature over `signing_input`. ES* signatures are the JOSE
  // fixed-length r||s form (RFC 7518 section 3.4); DER is rejected. PS* use
  // MGF1 with the same hash and a salt as long as the hash. Errors
  // (kUnauthenticated): alg_not_allowed when !Fits(alg), signature_invalid
  // otherwise. HMAC comparison is constant time.
  absl::Status Verify(Algorithm alg, absl::string_view signing_input,
                      absl::string_view signature) const;

  // Canonical members for an RFC 7638 thumbprint, e.g. {"e","n","kty"} for
  // RSA, as a JSON object string with sorted keys and no whitespace.
  std::string ThumbprintInput() const;

 private:
  struct State;
  PublicKey(KeyType type, Curve curve, int bits, std::unique_ptr<State> state);

  KeyType type_;
  Curve curve_;
  int bits_;
  std::unique_ptr<State> state_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CRYPTO_PUBLIC_KEY_H_
