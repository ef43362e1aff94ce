// libFuzzer target: whole verification. Random tokens against a fixed key
// set (an HS256 secret and an ES256 key) and one policy, at a fixed time,
// with the verified-token cache on. Verify never crashes, always answers a
// typed error for what it refuses, and a second Verify of the same token
// (served from the cache when the first passed) gives the same answer.
//
// The first input byte picks a mode: bit 0 clear, the rest is the token as
// is; set, the rest is split at the first NUL into header and payload texts
// that are signed with the trusted HS256 secret (bit 2 clear) or ES256 key
// (bit 2 set), so the fuzzer reaches claim parsing and policy checks behind
// a valid signature. Bit 1 asks for a nonce, bit 3 for the "admins" group.
#include <cstdint>
#include <memory>
#include <string>

#include "authgate/fixed_clock.h"
#include "authgate/jwk.h"
#include "authgate/jwk_set.h"
#include "authgate/static_key_source.h"
#include "authgate/token_verifier.h"
#include "fuzz_check.h"
#include "testing/token_minter.h"

namespace {

using authgate::Algorithm;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

struct Fixture {
  authgate::testing::TokenMinter minter;
  std::unique_ptr<authgate::TokenVerifier> verifier;

  Fixture() {
    minter.AddKey("hs", Algorithm::kHs256);
    minter.AddKey("es", Algorithm::kEs256);
    std::vector<std::shared_ptr<const authgate::Jwk>> keys =
        authgate::JwkSet::Parse(minter.JwksJson()).value()->keys();
    keys.push_back(
        authgate::Jwk::FromSharedSecret("hs", minter.HmacSecret()).value());
    authgate::ProviderPolicy policy;
    policy.name = "fuzz";
    policy.issuers = {"https://issuer.example"};
    policy.audiences = {"client"};
    policy.algorithms = {Algorithm::kHs256, Algorithm::kEs256,
                         Algorithm::kRs256};
    policy.groups_claim = "groups";
    policy.username_claim = "preferred_username";
    policy.keys = std::make_shared<authgate::StaticKeySource>(
        authgate::JwkSet::FromKeys(std::move(keys)));
    authgate::VerifierOptions options;
    options.providers.push_back(std::move(policy));
    options.cache_max_entries = 64;  // small, so eviction runs too
    authgate::VerifierDependencies deps;
    deps.clock = std::make_shared<authgate::FixedClock>(kNow);
    verifier =
        authgate::TokenVerifier::Create(std::move(options), deps).value();
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
    bool ec = data[0] & 4;
    token = fixture->minter.MintRaw(ec ? "es" : "hs",
                                    ec ? Algorithm::kEs256 : Algorithm::kHs256,
                                    header, payload);
  } else {
    token = input;
  }
  authgate::VerifyOptions options;
  options.scopes = {"read"};
  options.nonce = (data[0] & 2) ? "n" : "";
  if (data[0] & 8) options.groups = {"admins"};
  auto first = fixture->verifier->Verify(token, options);
  authgate::fuzz::CheckTyped(first.status(), "Verify");
  const uint64_t hits = fixture->verifier->stats().cache_hits;
  auto second = fixture->verifier->Verify(token, options);
  authgate::fuzz::Require(first.status() == second.status(),
                          "a second Verify answers the same");
  if (first.ok()) {
    // A token accepted only through the clock skew (exp <= now) is not
    // cached; any other accepted token must be.
    if (first->expires_at() > kNow) {
      authgate::fuzz::Require(fixture->verifier->stats().cache_hits == hits + 1,
                              "an accepted token is served from the cache");
    }
    authgate::fuzz::Require(first->claims() == second->claims() &&
                                first->subject() == second->subject(),
                            "the cached token has the same claims");
    (void)first->claims().dump();
  }
  return 0;
}
