#include "crypto/digest.h"

#include <cstdint>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "authgate/status.h"

// The BoringSSL test target defines AUTHGATE_EXPECT_BORINGSSL; fail the build
// if /usr/include/openssl shadowed BoringSSL's headers there.
#if defined(AUTHGATE_EXPECT_BORINGSSL) && !defined(OPENSSL_IS_BORINGSSL)
#error "crypto_boringssl_test is compiling against OpenSSL headers"
#endif

namespace authgate::internal {
namespace {

const uint8_t* Bytes(absl::string_view data) {
  return reinterpret_cast<const uint8_t*>(data.data());
}

}  // namespace

std::string Sha256(absl::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(Bytes(data), data.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string HashForAlgorithm(Algorithm alg, absl::string_view data) {
  switch (alg) {
    case Algorithm::kRs256:
    case Algorithm::kPs256:
    case Algorithm::kEs256:
    case Algorithm::kHs256:
      return Sha256(data);
    case Algorithm::kRs384:
    case Algorithm::kPs384:
    case Algorithm::kEs384:
    case Algorithm::kHs384: {
      std::string out(SHA384_DIGEST_LENGTH, '\0');
      SHA384(Bytes(data), data.size(), reinterpret_cast<uint8_t*>(out.data()));
      return out;
    }
    // RFC 8032 section 5.1: Ed25519 is built on SHA-512, so OIDC at_hash
    // for EdDSA tokens uses SHA-512.
    case Algorithm::kEdDsa:
    case Algorithm::kRs512:
    case Algorithm::kPs512:
    case Algorithm::kEs512:
    case Algorithm::kHs512: {
      std::string out(SHA512_DIGEST_LENGTH, '\0');
      SHA512(Bytes(data), data.size(), reinterpret_cast<uint8_t*>(out.data()));
      return out;
    }
  }
  return Sha256(data);
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
