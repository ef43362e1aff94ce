// openssl_util.h names OpenSSL 3-deprecated types (RSA, EC_KEY) that
// BoringSSL keeps; silence the deprecation before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/digest.h"

#include <cstdint>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "authgate/status.h"
#include "crypto/openssl_util.h"

namespace authgate::internal {
std::string Sha256(absl::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(Bytes(data), data.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string HashForAlgorithm(Algorithm alg, absl::string_view data) {
  // Not on the verification hot path (at_hash only), so the generic EVP
  // one-shot with DigestFor's mapping is fine.
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(),
                 reinterpret_cast<uint8_t*>(out.data()), &size, DigestFor(alg),
                 nullptr) != 1) {
    ERR_clear_error();
    return std::string();
  }
  out.resize(size);
  return out;
}

absl::StatusOr<std::string> RandomBytes(size_t count) {
  std::string out(count, '\0');
  auto* cursor = reinterpret_cast<uint8_t*>(out.data());
  size_t remaining = count;
  // RAND_bytes takes an int length in OpenSSL; feed it in bounded chunks.
  constexpr size_t kChunk = 1 << 20;
  while (remaining > 0) {
    size_t chunk = remaining < kChunk ? remaining : kChunk;
    if (RAND_bytes(cursor, static_cast<int>(chunk)) != 1) {
      ERR_clear_error();
      return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                       "random number generator failed");
    }
    cursor += chunk;
    remaining -= chunk;
  }
  return out;
}

}  // namespace authgate::internal
