// libFuzzer target: TokenVerifier::Verify never crashes, never throws and
// always answers a typed error for what it refuses.
//
// The first input byte picks a mode: raw bytes as the token, or the rest
// split at the first NUL into header and payload texts that are signed with
// the trusted HS256 secret, so the fuzzer reaches claim parsing and policy
// checks behind a valid signature.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "authgate/jwk.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "testing/token_minter.h"

namespace {

using authgate::Algorithm;

struct Fixture {
  authgate::testing::TokenMinter minter;
  std::unique_ptr<authgate::TokenVerifier> verifier;

  Fixture() {
    minter.AddKey("hs", Algorithm::kHs256);
    authgate::ProviderPolicy policy;
    policy.name = "fuzz";
    policy.issuers = {"https://issuer.example"};
    policy.audiences = {"client"};
    policy.algorithms = {Algorithm::kHs256, Algorithm::kRs256};
    policy.keys =
        std::make_shared<authgate::StaticKeySource>(authgate::JwkSet::FromKeys(
            {authgate::Jwk::FromSharedSecret("hs", minter.HmacSecret())
                 .value()}));
    authgate::VerifierOptions options;
    options.providers.push_back(std::move(policy));
    options.cache_max_entries = 64;
    verifier = authgate::TokenVerifier::Create(std::move(options)).value();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  if (data[0] & 1) {
    size_t split = input.find('\0');
    std::string header =
        split == std::string::npos ? input : input.substr(0, split);
    std::string payload =
        split == std::string::npos ? "{}" : input.substr(split + 1);
    token = fixture->minter.MintRaw("hs", Algorithm::kHs256, header, payload);
  } else {
    token = input;
  }
  authgate::VerifyOptions options;
  options.scopes = {"read"};
  options.nonce = (data[0] & 2) ? "n" : "";
  auto result = fixture->verifier->Verify(token, options);
  if (!result.ok() && authgate::GetErrorReason(result.status()) ==
                          authgate::ErrorReason::kUnspecified) {
    std::abort();  // every refusal must carry a reason
  }
  if (result.ok()) {
    (void)result->claims().dump();
  }
  return 0;
}
