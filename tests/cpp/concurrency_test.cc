// Concurrency tests: many threads on the verifier while its key set rotates,
// on the verified-token cache while it evicts, on an unknown-kid refresh that
// must collapse into one fetch, and on the worker pool while it stops. Each
// asserts exact outcomes (counts and verdicts); scripts/sanitize runs them
// under ThreadSanitizer (and AddressSanitizer with the other unit tests).
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc_service/auth_service.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/server_config.h"
#include "grpc_service/worker_pool.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/jwk_set.h"
#include "authgate/jwks_cache.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/v1/auth_service.grpc.pb.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate {
namespace {

using ::authgate::service::AuthServiceImpl;
using ::authgate::service::Logger;
using ::authgate::service::LogLevel;
using ::authgate::service::Metrics;
using ::authgate::service::ProviderRegistry;
using ::authgate::service::ServerConfig;
using ::authgate::service::WorkerPool;
using ::authgate::testing::FakeClock;
using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;

constexpr char kJwksUri[] = "https://idp.example.com/.well-known/jwks.json";
constexpr char kIssuer[] = "https://idp.example.com";
constexpr int kThreads = 8;

// Runs `body(thread_index)` on kThreads threads and joins them.
template <typename Body>
void OnThreads(Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (std::thread& thread : threads) thread.join();
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  ConcurrencyTest() {
    minter_.AddKey("stable", Algorithm::kRs256);
    minter_.AddKey("even", Algorithm::kRs256, /*variant=*/1);
    minter_.AddKey("odd", Algorithm::kEs256);
    minter_.AddKey("late", Algorithm::kEs256, /*variant=*/1);
  }

  // The minter's public keys whose kid is in `kids`, as a JWKS document.
  std::string Jwks(const std::vector<std::string>& kids) const {
    nlohmann::json all = minter_.Jwks();
    nlohmann::json keys = nlohmann::json::array();
    for (const nlohmann::json& key : all["keys"]) {
      for (const std::string& kid : kids) {
        if (key["kid"] == kid) keys.push_back(key);
      }
    }
    return nlohmann::json{{"keys", keys}}.dump();
  }

  std::shared_ptr<JwksCache> MakeCache() {
    JwksCacheOptions options;
    options.background_refresh = false;
    JwksCache::Dependencies deps;
    deps.fetcher = http_;
    deps.clock = clock_;
    return JwksCache::Create(kJwksUri, options, deps).value();
  }

  std::unique_ptr<TokenVerifier> MakeVerifier(std::shared_ptr<KeySource> keys,
                                              size_t cache_entries = 16384) {
    ProviderPolicy policy;
    policy.name = "idp";
    policy.issuers = {kIssuer};
    policy.audiences = {"client"};
    policy.keys = std::move(keys);
    VerifierOptions options;
    options.providers = {policy};
    options.cache_max_entries = cache_entries;
    TokenVerifier::Dependencies deps;
    deps.clock = clock_;
    return TokenVerifier::Create(options, deps).value();
  }

  std::string Mint(const std::string& kid, const std::string& subject) const {
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    return minter_.Mint(kid, {{"iss", kIssuer},
                              {"sub", subject},
                              {"aud", "client"},
                              {"iat", now},
                              {"exp", now + 600}});
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeHttpFetcher> http_ = std::make_shared<FakeHttpFetcher>();
  TokenMinter minter_;
};

// The provider alternates between {stable, even} and {stable, odd} on every
// fetch while threads verify. A token of the key in every set always
// verifies; a token of a rotating key verifies or fails key_not_found,
// never anything else; the last set served decides the final verdicts.
TEST_F(ConcurrencyTest, VerifiesWhileTheKeySetRotates) {
  const std::string even_set = Jwks({"stable", "even"});
  const std::string odd_set = Jwks({"stable", "odd"});
  std::atomic<int> served{0};
  http_->SetHandler(kJwksUri, [&](const HttpRequest&) {
    int n = served.fetch_add(1);
    return absl::StatusOr<HttpResponse>(
        FakeHttpFetcher::Response(200, n % 2 == 0 ? even_set : odd_set));
  });
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  // Spend the one unknown-kid refetch the frozen clock allows now, so every
  // later fetch is a rotation (an unknown kid then waits for one in flight
  // or is throttled).
  ASSERT_THAT(cache->OnUnknownKeyId("prime"), IsOk());
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(cache);
  const std::string stable = Mint("stable", "u-stable");
  const std::string even = Mint("even", "u-even");
  const std::string odd = Mint("odd", "u-odd");

  constexpr int kRotations = 40;
  constexpr int kRounds = 150;
  std::thread rotator([&] {
    for (int i = 0; i < kRotations; ++i) cache->Refresh().IgnoreError();
  });
  std::atomic<int> stable_ok{0};
  std::atomic<int> rotating_ok{0};
  std::atomic<int> rotating_not_found{0};
  std::atomic<int> unexpected{0};
  absl::Mutex mu;
  std::string first_unexpected;  // guarded by mu
  auto note_unexpected = [&](const absl::Status& status) {
    ++unexpected;
    absl::MutexLock lock(&mu);
    if (first_unexpected.empty()) first_unexpected = status.ToString();
  };
  OnThreads([&](int) {
    for (int i = 0; i < kRounds; ++i) {
      absl::StatusOr<VerifiedToken> a = verifier->Verify(stable);
      if (a.ok() && a->subject() == "u-stable") {
        ++stable_ok;
      } else {
        note_unexpected(a.status());
      }
      for (const std::string* token : {&even, &odd}) {
        absl::StatusOr<VerifiedToken> b = verifier->Verify(*token);
        if (b.ok()) {
          ++rotating_ok;
        } else if (b.status().code() == absl::StatusCode::kUnauthenticated &&
                   GetErrorReason(b.status()) == ErrorReason::kKeyNotFound) {
          ++rotating_not_found;
        } else {
          note_unexpected(b.status());
        }
      }
    }
  });
  rotator.join();
  EXPECT_EQ(unexpected.load(), 0) << first_unexpected;
  EXPECT_EQ(stable_ok.load(), kThreads * kRounds);
  EXPECT_EQ(rotating_ok.load() + rotating_not_found.load(),
            2 * kThreads * kRounds);
  // The warm-up, the primed unknown-kid refetch, then only rotations.
  EXPECT_EQ(cache->stats().fetches, 2u + kRotations);
  EXPECT_EQ(cache->stats().unknown_kid_refetches, 1u);
  EXPECT_EQ(served.load(), 2 + kRotations);
  EXPECT_EQ(http_->RequestCount(kJwksUri), 2 + kRotations);
  bool last_was_even = (served.load() - 1) % 2 == 0;
  EXPECT_THAT(verifier->Verify(stable), IsOk());
  EXPECT_THAT(verifier->Verify(last_was_even ? even : odd), IsOk());
  EXPECT_THAT(
      verifier->Verify(last_was_even ? odd : even),
      StatusIs(absl::StatusCode::kUnauthenticated, ErrorReason::kKeyNotFound));
}

// A verified-token cache far smaller than the working set evicts on every
// shard while threads insert and look up: each answer is still the token's
// own, and the cache stays within its bound.
TEST_F(ConcurrencyTest, VerifiedTokenCacheEvictsUnderLoad) {
  auto keys = StaticKeySource::FromJwksJson(Jwks({"stable"})).value();
  constexpr size_t kCacheEntries = 32;
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(keys, kCacheEntries);
  constexpr int kTokensPerThread = 60;
  constexpr int kPasses = 3;
  std::vector<std::vector<std::string>> tokens(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kTokensPerThread; ++i) {
      tokens[t].push_back(Mint("stable", absl::StrCat("user-", t, "-", i)));
    }
  }
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  OnThreads([&](int t) {
    for (int pass = 0; pass < kPasses; ++pass) {
      for (int i = 0; i < kTokensPerThread; ++i) {
        absl::StatusOr<VerifiedToken> token = verifier->Verify(tokens[t][i]);
        if (token.ok() &&
            token->subject() == absl::StrCat("user-", t, "-", i)) {
          ++ok;
        } else {
          ++wrong;
        }
      }
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok.load(), kThreads * kTokensPerThread * kPasses);
  VerifierStats stats = verifier->stats();
  EXPECT_EQ(stats.cache_hits + stats.cache_misses,
            static_cast<uint64_t>(kThreads * kTokensPerThread * kPasses));
  // Each distinct token misses at least once; 480 tokens cannot fit in 32.
  EXPECT_GE(stats.cache_misses,
            static_cast<uint64_t>(kThreads * kTokensPerThread));
  EXPECT_LE(stats.cache_entries, kCacheEntries);
}

// Many threads meet a kid the cached set lacks. They share one fetch (the
// fetch is held until every thread has started verifying), every token then
// verifies, and the next unknown kid within the cooldown fetches nothing.
TEST_F(ConcurrencyTest, UnknownKidRefreshCollapsesIntoOneFetch) {
  http_->SetResponse(kJwksUri, 200, Jwks({"stable"}));
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(cache);
  const std::string late = Mint("late", "u-late");
  const std::string unknown = Mint("even", "u-even");  // never served

  absl::Mutex mu;
  int started = 0;
  const std::string rotated = Jwks({"stable", "late"});
  http_->SetHandler(kJwksUri, [&](const HttpRequest&) {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == kThreads; }, &started));
    return absl::StatusOr<HttpResponse>(
        FakeHttpFetcher::Response(200, rotated));
  });
  constexpr int kRounds = 50;
  std::atomic<int> late_ok{0};
  std::atomic<int> unknown_not_found{0};
  std::atomic<int> unexpected{0};
  OnThreads([&](int) {
    {
      absl::MutexLock lock(&mu);
      ++started;
    }
    for (int i = 0; i < kRounds; ++i) {
      absl::StatusOr<VerifiedToken> token = verifier->Verify(late);
      if (token.ok() && token->subject() == "u-late") {
        ++late_ok;
      } else {
        ++unexpected;
      }
      absl::StatusOr<VerifiedToken> other = verifier->Verify(unknown);
      if (!other.ok() &&
          GetErrorReason(other.status()) == ErrorReason::kKeyNotFound) {
        ++unknown_not_found;
      } else {
        ++unexpected;
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(late_ok.load(), kThreads * kRounds);
  EXPECT_EQ(unknown_not_found.load(), kThreads * kRounds);
  EXPECT_EQ(http_->RequestCount(kJwksUri), 2);
  EXPECT_EQ(cache->stats().unknown_kid_refetches, 1u);

  // One cooldown later the next flood costs exactly one more fetch.
  clock_->Advance(kDefaultJwksRefetchCooldown);
  http_->SetResponse(kJwksUri, 200, rotated);
  OnThreads([&](int) {
    for (int i = 0; i < kRounds; ++i) verifier->Verify(unknown).IgnoreError();
  });
  EXPECT_EQ(http_->RequestCount(kJwksUri), 3);
  EXPECT_EQ(cache->stats().unknown_kid_refetches, 2u);
}

// Stop() while many threads submit: every accepted task runs exactly once,
// every refused one never runs, and nothing is accepted once Stop() returned.
TEST(WorkerPoolConcurrencyTest, StopWhileSubmittingRunsEachAcceptedTaskOnce) {
  WorkerPool pool(/*threads=*/4, /*max_queued=*/64);
  // runs[t][i]: how often task i of submitter t ran (a deque: the tasks
  // hold pointers to their counters while the submitter appends).
  std::vector<std::deque<std::atomic<int>>> runs(kThreads);
  std::vector<std::vector<bool>> accepted(kThreads);
  std::atomic<int> total_accepted{0};
  std::atomic<bool> stopped{false};
  std::atomic<int> accepted_after_stop{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (;;) {
        bool was_stopped = stopped.load();
        std::atomic<int>* slot = &runs[t].emplace_back(0);
        bool ok = pool.TrySubmit([slot] { slot->fetch_add(1); });
        accepted[t].push_back(ok);
        if (ok) ++total_accepted;
        if (was_stopped) {
          if (ok) ++accepted_after_stop;
          return;  // one submission after Stop() returned is enough
        }
      }
    });
  }
  // Stop once work is flowing (a count, not a time).
  while (total_accepted.load() < 500) std::this_thread::yield();
  pool.Stop();
  stopped = true;
  for (std::thread& thread : submitters) thread.join();

  EXPECT_EQ(accepted_after_stop.load(), 0);
  int ran_accepted = 0;
  int wrong = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < accepted[t].size(); ++i) {
      int ran = runs[t][i].load();
      if (accepted[t][i]) {
        ran_accepted += ran == 1;
        wrong += ran != 1;
      } else {
        wrong += ran != 0;
      }
    }
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(ran_accepted, total_accepted.load());
  EXPECT_GE(total_accepted.load(), 500);
  EXPECT_EQ(pool.queued(), 0u);
  EXPECT_EQ(pool.busy(), 0u);
}

// Stop() is idempotent and the pool thread-safe, so several threads may
// stop it at once (a signal handler's drain racing the destructor).
TEST(WorkerPoolConcurrencyTest, ConcurrentStopsJoinOnce) {
  WorkerPool pool(/*threads=*/4, /*max_queued=*/1024);
  std::atomic<int> ran{0};
  int accepted = 0;
  for (int i = 0; i < 200; ++i) {
    accepted += pool.TrySubmit([&ran] { ran.fetch_add(1); });
  }
  OnThreads([&](int) { pool.Stop(); });
  EXPECT_EQ(ran.load(), accepted);
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

// The in-process gRPC server (AuthService on a loopback port) shuts down
// while 8 threads keep calling ValidateToken. Every call answers OK with its
// token's subject or, once the server stopped accepting, UNAVAILABLE (or
// CANCELLED, see below); each caller's first failure is its last call; the
// worker pool drains after.
TEST_F(ConcurrencyTest, ServerShutdownWithCallsInFlight) {
  nlohmann::json provider = {{"name", "idp"},
                             {"kind", "oidc"},
                             {"issuer", kIssuer},
                             {"use_discovery", false},
                             {"jwks_inline", Jwks({"stable"})},
                             {"audiences", {"client"}}};
  ServerConfig config;
  config.providers.push_back(
      {ParseProviderSpec(provider, "providers[0]").value(), "providers[0]"});
  auto logger = std::make_shared<Logger>(LogLevel::kError);
  ProviderRegistry::Dependencies deps;
  deps.fetcher = http_;
  deps.clock = clock_;
  deps.logger = logger;
  std::shared_ptr<const ProviderRegistry> registry =
      ProviderRegistry::Create(config, deps).value();
  auto pool = std::make_shared<WorkerPool>(/*threads=*/2, /*max_queued=*/64);
  AuthServiceImpl service(registry, pool, std::make_shared<Metrics>(), logger);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_NE(port, 0);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());

  std::vector<std::string> tokens;
  for (int t = 0; t < kThreads; ++t) {
    tokens.push_back(Mint("stable", absl::StrCat("caller-", t)));
  }
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  absl::Mutex mu;
  std::string unexpected_codes;  // guarded by mu
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      std::unique_ptr<v1::AuthService::Stub> stub =
          v1::AuthService::NewStub(channel);
      for (;;) {
        grpc::ClientContext context;
        // A bound so a lost call cannot hang the test; never reached.
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(60));
        v1::ValidateTokenRequest request;
        request.set_token(tokens[t]);
        v1::ValidateTokenResponse response;
        grpc::Status status = stub->ValidateToken(&context, request, &response);
        if (status.ok() &&
            response.principal().subject() == absl::StrCat("caller-", t)) {
          ++ok;
          continue;
        }
        // UNAVAILABLE once the server stopped accepting; CANCELLED for a
        // call gRPC had received but not yet handed to the service when
        // Shutdown() began (gRPC cancels those, grace or not).
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
            status.error_code() == grpc::StatusCode::CANCELLED) {
          ++refused;
        } else {
          ++unexpected;
          absl::MutexLock lock(&mu);
          absl::StrAppend(&unexpected_codes, " ", status.error_code(), ":",
                          status.error_message());
        }
        return;
      }
    });
  }
  // Shut down once calls are flowing (a count, not a time).
  while (ok.load() < 200 && unexpected.load() + refused.load() == 0) {
    std::this_thread::yield();
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pool->Stop();
  server->Wait();
  for (std::thread& caller : callers) caller.join();

  EXPECT_EQ(unexpected.load(), 0) << unexpected_codes;
  EXPECT_EQ(refused.load(), kThreads);  // one per caller: its last call
  EXPECT_GE(ok.load(), 200);
  EXPECT_EQ(pool->queued(), 0u);
  EXPECT_EQ(pool->busy(), 0u);
}

}  // namespace
}  // namespace authgate
