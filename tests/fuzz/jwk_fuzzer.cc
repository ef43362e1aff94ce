// libFuzzer target: one JWK (RSA, EC, OKP, or anything else) as a JWKS with
// that key (or, when the input is "k1},{k2", several). JwkSet::Parse is the
// only reader of a key object, so this is where a single key's parser is
// reached; wrapping it lets every mutation land inside a key. A parsed key
// must be usable for what it claims.
#include <cstdint>
#include <string>

#include "authgate/jwk_set.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = "{\"keys\":[";
  text.append(reinterpret_cast<const char*>(data), size);
  text += "]}";
  auto set = authgate::JwkSet::Parse(text);
  authgate::fuzz::CheckTyped(set.status(), "JwkSet::Parse");
  if (!set.ok()) return 0;
  for (const auto& key : (*set)->keys()) {
    bool verifies_something = false;
    for (authgate::Algorithm alg : authgate::AsymmetricAlgorithms()) {
      verifies_something = verifies_something || key->CanVerify(alg);
    }
    authgate::fuzz::Require(verifies_something,
                            "a kept key verifies some algorithm");
    authgate::fuzz::Require(!key->thumbprint().empty(),
                            "a key has a thumbprint");
    authgate::fuzz::Require((*set)->HasKeyId(key->key_id()), "kid is found");
  }
  return 0;
}
