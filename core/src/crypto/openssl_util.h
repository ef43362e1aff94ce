// Helpers shared by the crypto module's files: owners for OpenSSL objects,
// byte views and the hash each JWS algorithm uses. Include only from
// core/src/crypto/, after defining OPENSSL_SUPPRESS_DEPRECATED.
#ifndef AUTHGATE_SRC_CRYPTO_OPENSSL_UTIL_H_
#define AUTHGATE_SRC_CRYPTO_OPENSSL_UTIL_H_

#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "authgate/algorithm.h"

// The BoringSSL test target defines AUTHGATE_EXPECT_BORINGSSL; fail the build
// if /usr/include/openssl shadowed BoringSSL's headers there.
#if defined(AUTHGATE_EXPECT_BORINGSSL) && !defined(OPENSSL_IS_BORINGSSL)
#error "crypto_boringssl_test is compiling against OpenSSL headers"
#endif

namespace authgate::internal {

struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct RsaDeleter {
  void operator()(RSA* rsa) const { RSA_free(rsa); }
};
struct EcKeyDeleter {
  void operator()(EC_KEY* key) const { EC_KEY_free(key); }
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

inline const uint8_t* Bytes(absl::string_view data) {
  return reinterpret_cast<const uint8_t*>(data.data());
}

// RFC 7518 sections 3.2-3.5 and RFC 8037 (Ed25519 hashes with SHA-512, which
// OIDC's at_hash also uses for EdDSA).
inline const EVP_MD* DigestFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRs384:
    case Algorithm::kPs384:
    case Algorithm::kEs384:
    case Algorithm::kHs384:
      return EVP_sha384();
    case Algorithm::kRs512:
    case Algorithm::kPs512:
    case Algorithm::kEs512:
    case Algorithm::kHs512:
    case Algorithm::kEdDsa:
      return EVP_sha512();
    default:
      return EVP_sha256();
  }
}

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CRYPTO_OPENSSL_UTIL_H_
