// authgate-bench-verify: one measured run of one C++ verifier hot path over
// the shared hot-path corpus (tests/perf/hot_paths/corpus.py), for
// verifier_table.py. Prints one JSON line:
//   {"mode": M, "threads": T, "ops": N, "seconds": S, "rate": N/S,
//    "cpu_seconds": process CPU time over the same span}
//
// Modes:
//   floor      EVP_DigestVerifyInit + EVP_DigestVerify per token with a fresh
//              EVP_MD_CTX, one pre-parsed key, signatures decoded in advance
//              (BM_Bare's loop in tests/cpp/verify_benchmark.cc)
//   cache_off  TokenVerifier, cache_max_entries = 0
//   cache_on   TokenVerifier with the default cache, a fresh verifier per
//              pass, so every token is a miss and an insert
//   retained   cache_off, keeping every result until the pass ends, as the
//              cache keeps its entries: cache_on's reference for what holding
//              a verification's memory costs without the cache's own work
//   repeated   100 tokens in turn through a warmed default verifier, scopes
//              and groups required (cache hits, policy checked)
//   map_floor  the reference for `repeated`: a std::unordered_map of token ->
//              exp over the same 100 tokens, find + compare with now
//
// A pass is one traversal of the tokens in use (--limit of the corpus, or the
// 100 repeated ones); --threads 2 splits each pass between two threads that
// start together. Only the measured loop is timed (steady clock, from the
// release of the started threads to the last join); setup is not.
//
// OpenSSL is included here only to measure the floor, as in
// verify_benchmark.cc; authgate itself reaches OpenSSL through core/src/crypto.
//
//   authgate-bench-verify --corpus DIR --mode cache_on --passes 3 --threads 1
#define OPENSSL_SUPPRESS_DEPRECATED
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "authgate/process_setup.h"
#include "authgate/static_key_source.h"
#include "authgate/token_verifier.h"
#include "authgate/verified_token.h"

namespace {

using nlohmann::json;

// How many tokens `repeated` and `map_floor` cycle through (issue 12).
constexpr size_t kRepeatedTokens = 100;

struct Corpus {
  std::vector<std::string> tokens;
  std::vector<std::string> signing_inputs;
  std::vector<std::string> signatures;  // decoded
  std::string jwks;
  json jwk;  // the one signing key
  std::string issuer;
  std::string client_id;
  int64_t exp = 0;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<Corpus> LoadCorpus(const std::string& dir, size_t limit) {
  Corpus corpus;
  absl::StatusOr<std::string> tokens = ReadFile(dir + "/tokens.txt");
  absl::StatusOr<std::string> jwks = ReadFile(dir + "/jwks.json");
  absl::StatusOr<std::string> meta_text = ReadFile(dir + "/meta.json");
  if (!tokens.ok()) return tokens.status();
  if (!jwks.ok()) return jwks.status();
  if (!meta_text.ok()) return meta_text.status();
  json meta = json::parse(*meta_text);
  corpus.issuer = meta["issuer"].get<std::string>();
  corpus.client_id = meta["client_id"].get<std::string>();
  corpus.exp = meta["exp"].get<int64_t>();
  corpus.jwks = *jwks;
  corpus.jwk = json::parse(*jwks)["keys"][0];
  for (absl::string_view token :
       absl::StrSplit(*tokens, '\n', absl::SkipEmpty())) {
    if (limit != 0 && corpus.tokens.size() == limit) break;
    std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
    if (parts.size() != 3) {
      return absl::InvalidArgumentError("corpus token is not a compact JWS");
    }
    std::string signature;
    if (!absl::WebSafeBase64Unescape(parts[2], &signature)) {
      return absl::InvalidArgumentError("corpus signature is not base64url");
    }
    corpus.signing_inputs.push_back(absl::StrCat(parts[0], ".", parts[1]));
    corpus.signatures.push_back(std::move(signature));
    corpus.tokens.emplace_back(token);
  }
  if (corpus.tokens.size() < kRepeatedTokens) {
    return absl::InvalidArgumentError(
        absl::StrCat("the corpus needs at least ", kRepeatedTokens, " tokens"));
  }
  return corpus;
}

// The corpus key as OpenSSL's own object, built as core/src/crypto builds it.
EVP_PKEY* FloorKey(const json& jwk) {
  std::string n, e;
  absl::WebSafeBase64Unescape(jwk["n"].get<std::string>(), &n);
  absl::WebSafeBase64Unescape(jwk["e"].get<std::string>(), &e);
  RSA* rsa = RSA_new();
  RSA_set0_key(rsa,
               BN_bin2bn(reinterpret_cast<const uint8_t*>(n.data()),
                         static_cast<int>(n.size()), nullptr),
               BN_bin2bn(reinterpret_cast<const uint8_t*>(e.data()),
                         static_cast<int>(e.size()), nullptr),
               nullptr);
  EVP_PKEY* pkey = EVP_PKEY_new();
  EVP_PKEY_assign_RSA(pkey, rsa);
  return pkey;
}

std::unique_ptr<authgate::TokenVerifier> MakeVerifier(const Corpus& corpus,
                                                      bool cache_on) {
  authgate::ProviderPolicy policy;
  policy.name = "cognito";
  policy.issuers = {corpus.issuer};
  policy.audiences = {corpus.client_id};
  policy.audience_rule = authgate::AudienceRule::kCognitoTokenUse;
  policy.token_uses = {"access"};
  policy.keys = authgate::StaticKeySource::FromJwksJson(corpus.jwks).value();
  authgate::VerifierOptions options;
  options.providers.push_back(std::move(policy));
  // cache_on keeps VerifierOptions' default size: what users run.
  if (!cache_on) options.cache_max_entries = 0;
  return authgate::TokenVerifier::Create(std::move(options)).value();
}

struct Run {
  size_t ops = 0;
  double seconds = 0;
  // Process CPU time over the same span: well under threads x seconds means
  // the pinned core was shared with another process during the pass.
  double cpu_seconds = 0;
  size_t failures = 0;
};

// Runs work(thread_index) on `threads` threads released together and fills
// run's seconds (from the release to the last join), cpu_seconds and
// failures (work returns its own).
void TimeThreads(int threads, const std::function<size_t(int)>& work,
                 Run& run) {
  absl::BlockingCounter ready(threads);
  absl::Notification go;
  std::vector<size_t> failed(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.DecrementCount();
      go.WaitForNotification();
      failed[t] = work(t);
    });
  }
  ready.Wait();
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  go.Notify();
  for (std::thread& thread : pool) thread.join();
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  run.seconds = elapsed.count();
  run.cpu_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  for (size_t f : failed) run.failures += f;
}

Run RunMode(const std::string& mode, const Corpus& corpus, int passes,
            int threads) {
  const size_t n = corpus.tokens.size();
  Run run;
  if (mode == "floor") {
    EVP_PKEY* key = FloorKey(corpus.jwk);
    run.ops = static_cast<size_t>(passes) * n;
    TimeThreads(
        threads,
        [&](int t) {
          size_t failed = 0;
          for (int p = 0; p < passes; ++p) {
            for (size_t i = t; i < n; i += threads) {
              const std::string& input = corpus.signing_inputs[i];
              const std::string& sig = corpus.signatures[i];
              EVP_MD_CTX* ctx = EVP_MD_CTX_new();
              bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(),
                                             nullptr, key) == 1 &&
                        EVP_DigestVerify(
                            ctx, reinterpret_cast<const uint8_t*>(sig.data()),
                            sig.size(),
                            reinterpret_cast<const uint8_t*>(input.data()),
                            input.size()) == 1;
              EVP_MD_CTX_free(ctx);
              failed += !ok;
            }
          }
          return failed;
        },
        run);
    EVP_PKEY_free(key);
  } else if (mode == "cache_off" || mode == "cache_on" || mode == "retained") {
    const bool cache_on = mode == "cache_on";
    const bool retain = mode == "retained";
    // cache_on: one fresh verifier per pass, made before the clock starts.
    std::vector<std::unique_ptr<authgate::TokenVerifier>> verifiers;
    for (int p = 0; p < (cache_on ? passes : 1); ++p) {
      verifiers.push_back(MakeVerifier(corpus, cache_on));
    }
    // retained: each thread's results, reserved before the clock starts
    // and freed after it stops (as the cache_on verifiers are).
    std::vector<std::vector<absl::StatusOr<authgate::VerifiedToken>>> retained(
        threads);
    if (retain) {
      for (auto& kept : retained) kept.reserve(static_cast<size_t>(passes) * n);
    }
    authgate::VerifyOptions options;
    options.token_uses = {"access"};
    run.ops = static_cast<size_t>(passes) * n;
    TimeThreads(
        threads,
        [&](int t) {
          size_t failed = 0;
          std::vector<absl::StatusOr<authgate::VerifiedToken>>& kept =
              retained[t];
          for (int p = 0; p < passes; ++p) {
            const authgate::TokenVerifier& verifier =
                *verifiers[cache_on ? p : 0];
            for (size_t i = t; i < n; i += threads) {
              absl::StatusOr<authgate::VerifiedToken> verified =
                  verifier.Verify(corpus.tokens[i], options);
              failed += !verified.ok();
              if (retain) kept.push_back(std::move(verified));
            }
          }
          return failed;
        },
        run);
  } else if (mode == "repeated") {
    std::unique_ptr<authgate::TokenVerifier> verifier =
        MakeVerifier(corpus, /*cache_on=*/true);
    authgate::VerifyOptions options;
    options.token_uses = {"access"};
    options.scopes = {"openid"};
    options.groups = {"readers"};
    for (size_t i = 0; i < kRepeatedTokens; ++i) {
      if (!verifier->Verify(corpus.tokens[i], options).ok()) ++run.failures;
    }
    const size_t calls = static_cast<size_t>(passes) * kRepeatedTokens;
    run.ops = calls;
    TimeThreads(
        threads,
        [&](int t) {
          size_t failed = 0;
          for (size_t k = t; k < calls; k += threads) {
            failed +=
                !verifier->Verify(corpus.tokens[k % kRepeatedTokens], options)
                     .ok();
          }
          return failed;
        },
        run);
  } else if (mode == "map_floor") {
    std::unordered_map<std::string, int64_t> expiry;
    for (size_t i = 0; i < kRepeatedTokens; ++i) {
      expiry.emplace(corpus.tokens[i], corpus.exp);
    }
    const size_t calls = static_cast<size_t>(passes) * kRepeatedTokens;
    run.ops = calls;
    TimeThreads(
        threads,
        [&](int t) {
          size_t failed = 0;
          for (size_t k = t; k < calls; k += threads) {
            auto found = expiry.find(corpus.tokens[k % kRepeatedTokens]);
            failed += found == expiry.end() ||
                      found->second <= absl::ToUnixSeconds(absl::Now());
          }
          return failed;
        },
        run);
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  // As the server, the CLI and the Python module run (process_setup.h).
  authgate::PrepareProcess();
  CLI::App app{"authgate-bench-verify: one measured verifier hot-path run"};
  std::string corpus_dir;
  std::string mode;
  int passes = 1;
  int threads = 1;
  size_t limit = 0;
  app.add_option("--corpus", corpus_dir, "corpus directory (corpus.py)")
      ->required();
  app.add_option("--mode", mode, "what to measure")
      ->required()
      ->check(CLI::IsMember({"floor", "cache_off", "cache_on", "retained",
                             "repeated", "map_floor"}));
  app.add_option("--passes", passes, "traversals of the tokens in use")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "threads sharing the work")
      ->check(CLI::Range(1, 2));
  app.add_option("--limit", limit,
                 "use only the first N tokens of the corpus (0: all)");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<Corpus> corpus = LoadCorpus(corpus_dir, limit);
  if (!corpus.ok()) {
    std::fprintf(stderr, "authgate-bench-verify: %s\n",
                 std::string(corpus.status().message()).c_str());
    return 2;
  }
  Run run = RunMode(mode, *corpus, passes, threads);
  if (run.failures != 0) {
    // Counts only: a token is a secret and never printed.
    std::fprintf(stderr,
                 "authgate-bench-verify: %zu %s calls failed (warm-up and "
                 "measured)\n",
                 run.failures, mode.c_str());
    return 1;
  }
  json line = {{"mode", mode},
               {"threads", threads},
               {"ops", run.ops},
               {"seconds", run.seconds},
               {"cpu_seconds", run.cpu_seconds},
               {"rate", static_cast<double>(run.ops) / run.seconds}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}
