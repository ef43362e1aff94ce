// Verification speed against a bare OpenSSL loop measured in the same run.
//
// The baseline ("Bare") is EVP_DigestVerifyInit + EVP_DigestVerify over the
// very signing inputs the verifier sees, with one pre-parsed key and the
// signatures decoded in advance: the cost of one signature check and nothing
// else. Benchmarks include OpenSSL here only to measure that floor; product
// code reaches OpenSSL through core/src/crypto alone.
//
//   build/tests/cpp/verify_benchmark            # prints ratios at the end
//   AUTHGATE_BENCH_TOKENS=1000 build/tests/cpp/verify_benchmark   # quicker
#define OPENSSL_SUPPRESS_DEPRECATED
#include <malloc.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "nlohmann/json.hpp"
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "authgate/process_setup.h"
#include "authgate/static_key_source.h"
#include "authgate/token_verifier.h"
#include "base64url.h"
#include "testing/token_minter.h"

namespace authgate {
namespace {

using nlohmann::json;

constexpr char kIssuer[] =
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool";
constexpr char kClientId[] = "4q2vbq6d3rvk5ak0tlk9kkl3gr";

size_t CorpusSize() {
  const char* env = std::getenv("AUTHGATE_BENCH_TOKENS");
  return env != nullptr ? std::max(1, std::atoi(env)) : 10000;
}

std::string Decode(absl::string_view text) {
  return internal::Base64UrlDecode(text).value();
}

// The same public key as OpenSSL's own object, for the bare baseline.
EVP_PKEY* BareKey(const json& jwk) {
  EVP_PKEY* pkey = EVP_PKEY_new();
  if (jwk["kty"] == "RSA") {
    std::string n = Decode(jwk["n"].get<std::string>());
    std::string e = Decode(jwk["e"].get<std::string>());
    RSA* rsa = RSA_new();
    RSA_set0_key(rsa,
                 BN_bin2bn(reinterpret_cast<const uint8_t*>(n.data()),
                           static_cast<int>(n.size()), nullptr),
                 BN_bin2bn(reinterpret_cast<const uint8_t*>(e.data()),
                           static_cast<int>(e.size()), nullptr),
                 nullptr);
    EVP_PKEY_assign_RSA(pkey, rsa);
  } else if (jwk["kty"] == "EC") {
    std::string x = Decode(jwk["x"].get<std::string>());
    std::string y = Decode(jwk["y"].get<std::string>());
    EC_KEY* ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM* bx = BN_bin2bn(reinterpret_cast<const uint8_t*>(x.data()),
                           static_cast<int>(x.size()), nullptr);
    BIGNUM* by = BN_bin2bn(reinterpret_cast<const uint8_t*>(y.data()),
                           static_cast<int>(y.size()), nullptr);
    EC_KEY_set_public_key_affine_coordinates(ec, bx, by);
    BN_free(bx);
    BN_free(by);
    EVP_PKEY_assign_EC_KEY(pkey, ec);
  } else {
    std::string x = Decode(jwk["x"].get<std::string>());
    EVP_PKEY_free(pkey);
    pkey = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const uint8_t*>(x.data()),
        x.size());
  }
  return pkey;
}

// JOSE r||s to the DER form OpenSSL's ECDSA verify expects.
std::string EcdsaDer(const std::string& jose) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  size_t half = jose.size() / 2;
  ECDSA_SIG_set0(sig,
                 BN_bin2bn(reinterpret_cast<const uint8_t*>(jose.data()),
                           static_cast<int>(half), nullptr),
                 BN_bin2bn(reinterpret_cast<const uint8_t*>(jose.data() + half),
                           static_cast<int>(half), nullptr));
  uint8_t* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

struct Corpus {
  std::vector<std::string> tokens;
  std::vector<std::string> signing_inputs;
  std::vector<std::string> signatures;  // decoded, in OpenSSL's form
  EVP_PKEY* bare_key = nullptr;
  const EVP_MD* md = nullptr;
  std::unique_ptr<TokenVerifier> verifier;         // cache off
  std::unique_ptr<TokenVerifier> cached_verifier;  // cache on
  // A cache far smaller than the corpus: every token misses, is inserted and
  // evicts another, as in a service seeing mostly new tokens.
  std::unique_ptr<TokenVerifier> missing_verifier;
  std::string jwks;
};

// A Cognito access-token verifier over the corpus's key with a cache of
// `cache_entries` (0: off).
std::unique_ptr<TokenVerifier> NewVerifier(const Corpus& corpus,
                                           size_t cache_entries) {
  ProviderPolicy policy;
  policy.name = "cognito";
  policy.issuers = {kIssuer};
  policy.audiences = {kClientId};
  policy.audience_rule = AudienceRule::kCognitoTokenUse;
  policy.token_uses = {"access"};
  policy.keys = StaticKeySource::FromJwksJson(corpus.jwks).value();
  VerifierOptions options;
  options.providers.push_back(std::move(policy));
  options.cache_max_entries = cache_entries;
  return TokenVerifier::Create(std::move(options)).value();
}

size_t HeapInUse() { return mallinfo2().uordblks; }

// Distinct Cognito-shaped access tokens, minted once per algorithm.
const Corpus& GetCorpus(Algorithm alg) {
  static absl::Mutex mu;
  static auto* corpora = new std::map<Algorithm, Corpus>();
  absl::MutexLock lock(&mu);
  auto found = corpora->find(alg);
  if (found != corpora->end()) return found->second;

  Corpus& corpus = (*corpora)[alg];
  testing::TokenMinter minter;
  minter.AddKey("bench-kid", alg);
  json jwks = minter.Jwks();
  int64_t now = absl::ToUnixSeconds(absl::Now());
  size_t count = CorpusSize();
  for (size_t i = 0; i < count; ++i) {
    json claims = {
        {"sub", absl::StrCat("5c7a1f0e-0d4b-4a8e-9c1d-", 100000000000 + i)},
        {"cognito:groups", {"readers"}},
        {"iss", kIssuer},
        {"version", 2},
        {"client_id", kClientId},
        {"origin_jti", absl::StrCat("a4b3c2d1-", i)},
        {"event_id", absl::StrCat("e1f2a3b4-", i)},
        {"token_use", "access"},
        {"scope", "openid profile email"},
        {"auth_time", now - 60},
        {"exp", now + 3600},
        {"iat", now - 60},
        {"jti", absl::StrCat("0a1b2c3d-4e5f-6789-abcd-", 100000000000 + i)},
        {"username", absl::StrCat("user", i)}};
    std::string token = minter.Mint("bench-kid", claims);
    std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
    corpus.signing_inputs.push_back(absl::StrCat(parts[0], ".", parts[1]));
    std::string signature = Decode(parts[2]);
    corpus.signatures.push_back(alg == Algorithm::kEs256 ? EcdsaDer(signature)
                                                         : signature);
    corpus.tokens.push_back(std::move(token));
  }
  corpus.bare_key = BareKey(jwks["keys"][0]);
  corpus.md = alg == Algorithm::kEdDsa ? nullptr : EVP_sha256();

  corpus.jwks = jwks.dump();
  corpus.verifier = NewVerifier(corpus, 0);
  corpus.cached_verifier = NewVerifier(corpus, 16384);
  corpus.missing_verifier = NewVerifier(corpus, 256);
  return corpus;
}

void BM_Bare(benchmark::State& state, Algorithm alg) {
  const Corpus& corpus = GetCorpus(alg);
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) {
    size_t n = i++ % corpus.tokens.size();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const std::string& input = corpus.signing_inputs[n];
    const std::string& sig = corpus.signatures[n];
    int ok = EVP_DigestVerifyInit(ctx, nullptr, corpus.md, nullptr,
                                  corpus.bare_key) == 1 &&
             EVP_DigestVerify(ctx, reinterpret_cast<const uint8_t*>(sig.data()),
                              sig.size(),
                              reinterpret_cast<const uint8_t*>(input.data()),
                              input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("bare verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify(benchmark::State& state, Algorithm alg) {
  const Corpus& corpus = GetCorpus(alg);
  VerifyOptions options;
  options.token_uses = {"access"};
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) {
    absl::StatusOr<VerifiedToken> token = corpus.verifier->Verify(
        corpus.tokens[i++ % corpus.tokens.size()], options);
    if (!token.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}

// Distinct tokens through a verifier whose cache they all miss.
void BM_VerifyCacheMiss(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  VerifyOptions options;
  options.token_uses = {"access"};
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<VerifiedToken> token = corpus.missing_verifier->Verify(
        corpus.tokens[i++ % corpus.tokens.size()], options);
    if (!token.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}

// A repeated token: a cache hit that still checks time, key and policy.
void BM_VerifyRepeated(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  VerifyOptions options;
  options.token_uses = {"access"};
  options.scopes = {"openid"};
  options.groups = {"readers"};
  const std::string& token = corpus.tokens[state.thread_index()];
  for (auto _ : state) {
    absl::StatusOr<VerifiedToken> verified =
        corpus.cached_verifier->Verify(token, options);
    if (!verified.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
}

// Distinct tokens through the default cache (16,384 entries), as a service
// runs: every token misses and is inserted. The verifier is rebuilt when the
// corpus wraps, so no token is ever a hit; the bytes the cache's entries
// hold (heap in use after a full pass, over entries) are a counter.
void BM_VerifyCacheFill(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  VerifyOptions options;
  options.token_uses = {"access"};
  std::unique_ptr<TokenVerifier> verifier;
  size_t i = 0;
  double heap_per_entry = 0;
  size_t heap_before = 0;
  for (auto _ : state) {
    if (i % corpus.tokens.size() == 0) {
      state.PauseTiming();
      if (verifier != nullptr && heap_per_entry == 0) {
        heap_per_entry = static_cast<double>(HeapInUse() - heap_before) /
                         static_cast<double>(verifier->stats().cache_entries);
      }
      verifier.reset();
      heap_before = HeapInUse();
      verifier = NewVerifier(corpus, VerifierOptions{}.cache_max_entries);
      state.ResumeTiming();
    }
    absl::StatusOr<VerifiedToken> token =
        verifier->Verify(corpus.tokens[i++ % corpus.tokens.size()], options);
    if (!token.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
  if (heap_per_entry > 0) state.counters["heap_B_per_entry"] = heap_per_entry;
}

// BM_VerifyCacheFill's baseline: the cache off, but every result kept until
// the corpus wraps, as the cache keeps its entries. What a fill costs beyond
// this is the cache's own work; up to this is what holding a verification's
// memory costs (fresh memory written on every call, not malloc's hot blocks).
void BM_VerifyRetained(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  VerifyOptions options;
  options.token_uses = {"access"};
  std::vector<VerifiedToken> kept;
  kept.reserve(corpus.tokens.size());
  size_t i = 0;
  for (auto _ : state) {
    if (i % corpus.tokens.size() == 0) {
      state.PauseTiming();
      kept.clear();
      state.ResumeTiming();
    }
    absl::StatusOr<VerifiedToken> token = corpus.verifier->Verify(
        corpus.tokens[i++ % corpus.tokens.size()], options);
    if (!token.ok()) state.SkipWithError("verify failed");
    kept.push_back(*std::move(token));
  }
  state.SetItemsProcessed(state.iterations());
}

// 100 tokens in turn, every call a hit that checks time, key and policy.
void BM_VerifyRepeated100(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  VerifyOptions options;
  options.token_uses = {"access"};
  options.scopes = {"openid"};
  options.groups = {"readers"};
  size_t count = std::min<size_t>(100, corpus.tokens.size());
  size_t i = state.thread_index() * 50;
  for (auto _ : state) {
    absl::StatusOr<VerifiedToken> verified =
        corpus.cached_verifier->Verify(corpus.tokens[i++ % count], options);
    if (!verified.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
}

// The floor of a repeated token: a plain map of token to expiry, each call a
// find and a time comparison.
void BM_MapFloor100(benchmark::State& state) {
  const Corpus& corpus = GetCorpus(Algorithm::kRs256);
  size_t count = std::min<size_t>(100, corpus.tokens.size());
  std::unordered_map<std::string, int64_t> expiry;
  int64_t exp = absl::ToUnixSeconds(absl::Now()) + 3600;
  for (size_t n = 0; n < count; ++n) expiry.emplace(corpus.tokens[n], exp);
  size_t i = 0;
  for (auto _ : state) {
    auto found = expiry.find(corpus.tokens[i++ % count]);
    bool live = found != expiry.end() &&
                absl::ToUnixSeconds(absl::Now()) < found->second;
    if (!live) state.SkipWithError("map lookup failed");
    benchmark::DoNotOptimize(live);
  }
  state.SetItemsProcessed(state.iterations());
}

// Single-thread figures use CPU time, which a shared, noisy machine disturbs
// least; the scaling figures need wall-clock time.
BENCHMARK_CAPTURE(BM_Bare, RS256, Algorithm::kRs256)->MinTime(2);
BENCHMARK_CAPTURE(BM_Verify, RS256, Algorithm::kRs256)->MinTime(2);
BENCHMARK_CAPTURE(BM_Bare, ES256, Algorithm::kEs256)->MinTime(1);
BENCHMARK_CAPTURE(BM_Verify, ES256, Algorithm::kEs256)->MinTime(1);
BENCHMARK_CAPTURE(BM_Bare, EdDSA, Algorithm::kEdDsa)->MinTime(1);
BENCHMARK_CAPTURE(BM_Verify, EdDSA, Algorithm::kEdDsa)->MinTime(1);
BENCHMARK(BM_VerifyCacheMiss)->MinTime(2);
BENCHMARK(BM_VerifyRepeated)->MinTime(1);
BENCHMARK(BM_VerifyCacheFill)->MinTime(2);
BENCHMARK(BM_VerifyRetained)->MinTime(2);
BENCHMARK(BM_VerifyRepeated100)->MinTime(1);
BENCHMARK(BM_MapFloor100)->MinTime(1);
BENCHMARK_CAPTURE(BM_Verify, RS256_scaling, Algorithm::kRs256)
    ->MinTime(2)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_VerifyRepeated)->MinTime(1)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK(BM_VerifyCacheFill)
    ->MinTime(2)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_VerifyRepeated100)
    ->MinTime(1)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2);

// Prints the usual table, then the ratios the README reports.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      rates_[Key(run.run_name.function_name, run.run_name.threads,
                 run.run_name.time_type)] = it->second;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf(
        "\nauthgate vs a bare EVP_DigestVerify loop, same run "
        "(CPU time, one thread):\n");
    for (const char* alg : {"RS256", "ES256", "EdDSA"}) {
      double bare = Rate(absl::StrCat("BM_Bare/", alg));
      double ours = Rate(absl::StrCat("BM_Verify/", alg));
      if (bare > 0 && ours > 0) {
        std::printf(
            "  %-5s distinct tokens %8.0f/s, bare %8.0f/s, ratio %.3f\n", alg,
            ours, bare, ours / bare);
      }
    }
    double miss = Rate("BM_VerifyCacheMiss");
    double bare_rs256 = Rate("BM_Bare/RS256");
    if (miss > 0 && bare_rs256 > 0) {
      std::printf(
          "  RS256 distinct tokens, cache on (all misses) %8.0f/s, ratio "
          "%.3f\n",
          miss, miss / bare_rs256);
    }
    double hit = Rate("BM_VerifyRepeated");
    if (hit > 0) {
      std::printf("  repeated token (cache hit, policy checked) %.0f/s\n", hit);
    }
    double fill = Rate("BM_VerifyCacheFill");
    double off = Rate("BM_Verify/RS256");
    if (fill > 0 && off > 0) {
      std::printf(
          "  RS256 distinct tokens, default cache (every one inserted) "
          "%8.0f/s, %.3f x cache off\n",
          fill, fill / off);
    }
    double hits = Rate("BM_VerifyRepeated100");
    double map = Rate("BM_MapFloor100");
    if (hits > 0 && map > 0) {
      std::printf(
          "  100 tokens in turn (hits, policy checked) %.0f/s; a plain "
          "unordered_map of token to expiry %.0f/s\n",
          hits, map);
    }
    for (const char* name : {"BM_VerifyCacheFill", "BM_VerifyRepeated100"}) {
      double t1 = Rate(name, "threads:1", "real_time");
      double t2 = Rate(name, "threads:2", "real_time");
      if (t1 > 0 && t2 > 0) {
        std::printf("  %s two threads / one thread: %.2f\n", name, t2 / t1);
      }
    }
    double one = Rate("BM_Verify/RS256_scaling", "threads:1", "real_time");
    double two = Rate("BM_Verify/RS256_scaling", "threads:2", "real_time");
    double hit_one = Rate("BM_VerifyRepeated", "threads:1", "real_time");
    double hit_two = Rate("BM_VerifyRepeated", "threads:2", "real_time");
    if (one > 0 && two > 0) {
      std::printf("  RS256 two threads / one thread (wall clock): %.2f\n",
                  two / one);
    }
    if (hit_one > 0 && hit_two > 0) {
      std::printf("  repeated token two threads / one thread: %.2f\n",
                  hit_two / hit_one);
    }
  }

 private:
  static std::string Key(const std::string& function,
                         const std::string& threads,
                         const std::string& time_type) {
    return absl::StrCat(function, "|", threads, "|", time_type);
  }
  double Rate(const std::string& function, const std::string& threads = "",
              const std::string& time_type = "") const {
    auto it = rates_.find(Key(function, threads, time_type));
    return it == rates_.end() ? 0.0 : it->second;
  }

  std::map<std::string, double> rates_;
};

}  // namespace
}  // namespace authgate

int main(int argc, char** argv) {
  // As the server and the Python module run (process_setup.h).
  authgate::PrepareProcess();
  benchmark::Initialize(&argc, argv);
  authgate::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
