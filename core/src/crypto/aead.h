// AES-256-GCM (NIST SP 800-38D) sealing for authgate's own secrets at rest:
// the browser face's cookies and the sessions it keeps in Redis.
//
// A sealed value is nonce (12 bytes) || ciphertext || tag (16 bytes); the
// nonce is random per seal (RandomBytes), which SP 800-38D 8.3 allows for up
// to 2^32 seals per key. Written to the EVP_CIPHER GCM controls that OpenSSL
// 3 and BoringSSL share, so the BoringSSL build compiles it unchanged.
//
//   std::string sealed = Aes256GcmSeal(key, plaintext, "purpose").value();
//   absl::StatusOr<std::string> plain = Aes256GcmOpen(key, sealed, "purpose");
#ifndef AUTHGATE_SRC_CRYPTO_AEAD_H_
#define AUTHGATE_SRC_CRYPTO_AEAD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate::internal {

inline constexpr size_t kAes256GcmKeyBytes = 32;
inline constexpr size_t kAes256GcmNonceBytes = 12;
inline constexpr size_t kAes256GcmTagBytes = 16;
// Bytes a sealed value adds to its plaintext.
inline constexpr size_t kAes256GcmOverhead =
    kAes256GcmNonceBytes + kAes256GcmTagBytes;

// Seals `plaintext` under `key` (32 bytes) with `aad` authenticated but not
// encrypted, using a fresh random nonce. Errors: kInvalidArgument
// invalid_argument for a key that is not 32 bytes; kInternal internal when
// the RNG or the cipher fails.
absl::StatusOr<std::string> Aes256GcmSeal(absl::string_view key,
                                          absl::string_view plaintext,
                                          absl::string_view aad);

// The same with a caller-chosen 12-byte nonce: for known-answer tests only
// (a repeated nonce under one key breaks GCM).
absl::StatusOr<std::string> Aes256GcmSealWithNonce(absl::string_view key,
                                                   absl::string_view nonce,
                                                   absl::string_view plaintext,
                                                   absl::string_view aad);

// Opens a value of Aes256GcmSeal. Errors: kInvalidArgument invalid_argument
// for a key that is not 32 bytes; kUnauthenticated session_invalid when
// `sealed` is shorter than kAes256GcmOverhead or does not authenticate under
// `key` and `aad` (tampered, truncated, another key, another aad); kInternal
// internal when the cipher cannot be set up.
absl::StatusOr<std::string> Aes256GcmOpen(absl::string_view key,
                                          absl::string_view sealed,
                                          absl::string_view aad);

// Compares two byte strings in time that depends on their lengths only
// (CRYPTO_memcmp), for secrets such as an OAuth state.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CRYPTO_AEAD_H_
