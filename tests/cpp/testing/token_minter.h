// TokenMinter: signs any header and claims with keys generated at run time, so
// tests state the claims they mean instead of pasting base64 blobs.
//
//   TokenMinter minter;
//   minter.AddKey("rsa-1", Algorithm::kRs256);
//   std::string jwt = minter.Mint("rsa-1", {{"sub", "u1"}, {"exp", now + 60}});
//   auto keys = StaticKeySource::FromJwksJson(minter.JwksJson()).value();
#ifndef AUTHGATE_TESTS_CPP_TESTING_TOKEN_MINTER_H_
#define AUTHGATE_TESTS_CPP_TESTING_TOKEN_MINTER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"
#include "crypto/private_key.h"

namespace authgate::testing {

class TokenMinter {
 public:
  // Adds a signing key for `alg` under `kid`. Keys of the same kind are
  // generated once per process and reused (RSA generation is slow); pass a
  // distinct `variant` to get a different key of the same kind. HS* keys use
  // a fixed 64-byte secret per variant (see HmacSecret).
  void AddKey(const std::string& kid, Algorithm alg, int variant = 0);

  // Signs `claims` with key `kid`; header {"alg": its alg, "kid": kid,
  // "typ": "JWT"}.
  std::string Mint(const std::string& kid, const nlohmann::json& claims) const;

  // Signs with key `kid` using `sign_alg`, with `header` serialized exactly as
  // given (it may omit or lie about alg/kid, add crit, ...).
  std::string MintWithHeader(const std::string& kid, Algorithm sign_alg,
                             const nlohmann::json& header,
                             const nlohmann::json& claims) const;

  // Signs raw header and payload text (e.g. invalid JSON) with key `kid`.
  std::string MintRaw(const std::string& kid, Algorithm sign_alg,
                      absl::string_view header_text,
                      absl::string_view payload_text) const;

  // The public JWKS of every asymmetric key added: kid, alg, use "sig".
  nlohmann::json Jwks() const;
  std::string JwksJson() const { return Jwks().dump(); }

  // The shared secret used for HS* keys of this variant.
  static std::string HmacSecret(int variant = 0);

 private:
  struct Entry {
    Algorithm alg;
    std::shared_ptr<const internal::PrivateKey> key;
  };
  std::map<std::string, Entry> keys_;
};

}  // namespace authgate::testing

#endif  // AUTHGATE_TESTS_CPP_TESTING_TOKEN_MINTER_H_
