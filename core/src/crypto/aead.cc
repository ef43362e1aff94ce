// openssl_util.h names OpenSSL 3-deprecated types (RSA, EC_KEY) that
// BoringSSL keeps; silence the deprecation before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/aead.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "authgate/status.h"
#include "crypto/digest.h"
#include "crypto/openssl_util.h"

namespace authgate::internal {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

absl::Status CipherFailed() {
  ERR_clear_error();
  return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                   "AES-256-GCM failed");
}

absl::Status CheckKey(absl::string_view key) {
  if (key.size() != kAes256GcmKeyBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "AES-256-GCM key is not 32 bytes");
  }
  return absl::OkStatus();
}

absl::Status NotAuthentic() {
  ERR_clear_error();
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSessionInvalid,
                   "sealed value does not authenticate");
}

// EVP's lengths are ints; authgate seals kilobytes, so refuse anything that
// would not fit rather than truncate.
bool FitsInt(absl::string_view data) {
  return data.size() <= static_cast<size_t>(INT_MAX);
}

}  // namespace

absl::StatusOr<std::string> Aes256GcmSeal(absl::string_view key,
                                          absl::string_view plaintext,
                                          absl::string_view aad) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  absl::StatusOr<std::string> nonce = RandomBytes(kAes256GcmNonceBytes);
  if (!nonce.ok()) return nonce.status();
  return Aes256GcmSealWithNonce(key, *nonce, plaintext, aad);
}

absl::StatusOr<std::string> Aes256GcmSealWithNonce(absl::string_view key,
                                                   absl::string_view nonce,
                                                   absl::string_view plaintext,
                                                   absl::string_view aad) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  if (nonce.size() != kAes256GcmNonceBytes || !FitsInt(plaintext) ||
      !FitsInt(aad)) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "AES-256-GCM nonce is not 12 bytes or input too large");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return CipherFailed();
  std::string out(kAes256GcmOverhead + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  std::copy(nonce.begin(), nonce.end(), out.begin());
  int len = 0;
  // The IV length is set before the key and IV, the order both libraries
  // document for GCM.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(kAes256GcmNonceBytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), bytes) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1)) {
    return CipherFailed();
  }
  uint8_t* ciphertext = bytes + kAes256GcmNonceBytes;
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      return CipherFailed();
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + written, &len) != 1) {
    return CipherFailed();
  }
  written += len;
  if (static_cast<size_t>(written) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                          static_cast<int>(kAes256GcmTagBytes),
                          ciphertext + written) != 1) {
    return CipherFailed();
  }
  return out;
}

absl::StatusOr<std::string> Aes256GcmOpen(absl::string_view key,
                                          absl::string_view sealed,
                                          absl::string_view aad) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  if (sealed.size() < kAes256GcmOverhead || !FitsInt(sealed) || !FitsInt(aad)) {
    return NotAuthentic();
  }
  const uint8_t* nonce = Bytes(sealed);
  absl::string_view ciphertext =
      sealed.substr(kAes256GcmNonceBytes, sealed.size() - kAes256GcmOverhead);
  absl::string_view tag = sealed.substr(sealed.size() - kAes256GcmTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return CipherFailed();
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(kAes256GcmNonceBytes),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), nonce) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1)) {
    return CipherFailed();
  }
  std::string out(ciphertext.size(), '\0');
  auto* plain = reinterpret_cast<uint8_t*>(out.data());
  int written = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), plain, &len, Bytes(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1) {
      return NotAuthentic();
    }
    written = len;
  }
  // OpenSSL 3 takes a non-const tag pointer for SET_TAG; it only reads it.
  uint8_t tag_copy[kAes256GcmTagBytes];
  std::copy(tag.begin(), tag.end(), tag_copy);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kAes256GcmTagBytes),
                          tag_copy) != 1) {
    return CipherFailed();
  }
  // SP 800-38D 7.2: nothing of the plaintext is released unless the tag
  // verifies; on failure `out` is dropped here.
  if (EVP_DecryptFinal_ex(ctx.get(), plain + written, &len) != 1) {
    return NotAuthentic();
  }
  written += len;
  if (static_cast<size_t>(written) != ciphertext.size()) return CipherFailed();
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace authgate::internal
