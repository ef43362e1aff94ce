#include "authgate/jwks_cache.h"

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate {
namespace {

using ::authgate::testing::FakeClock;
using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;

constexpr char kJwksUri[] = "https://idp.example.com/.well-known/jwks.json";
constexpr char kIssuer[] = "https://idp.example.com";

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest() {
    minter_.AddKey("key-1", Algorithm::kRs256);
    http_->SetJson(kJwksUri, minter_.Jwks());
  }

  std::shared_ptr<JwksCache> MakeCache(JwksCacheOptions options = {}) {
    options.background_refresh = false;
    JwksCache::Dependencies deps;
    deps.fetcher = http_;
    deps.clock = clock_;
    absl::StatusOr<std::shared_ptr<JwksCache>> cache =
        JwksCache::Create(kJwksUri, options, deps);
    EXPECT_THAT(cache, IsOk());
    return *cache;
  }

  int Fetches() const { return http_->RequestCount(kJwksUri); }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeHttpFetcher> http_ = std::make_shared<FakeHttpFetcher>();
  TokenMinter minter_;
};

TEST_F(JwksCacheTest, WarmUpFetchesOnceAndServesTheSet) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  EXPECT_FALSE(cache->ready());
  EXPECT_EQ(cache->Current(), nullptr);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  ASSERT_NE(cache->Current(), nullptr);
  EXPECT_TRUE(cache->Current()->HasKeyId("key-1"));
  EXPECT_THAT(cache->WarmUp(), IsOk());
  EXPECT_EQ(Fetches(), 1);
  EXPECT_EQ(cache->stats().fetches, 1u);
  EXPECT_EQ(cache->stats().key_sets_loaded, 1u);
  HttpRequest request = http_->LastRequest(kJwksUri);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.max_response_bytes, kMaxJwksBytes);
}

TEST_F(JwksCacheTest, TtlFollowsMaxAgeWithinBounds) {
  JwksCacheOptions options;
  options.min_ttl = absl::Minutes(1);
  options.max_ttl = absl::Hours(24);
  options.default_ttl = absl::Hours(1);
  struct Case {
    std::string cache_control;
    absl::Duration ttl;
  };
  const Case cases[] = {
      {"public, max-age=600", absl::Seconds(600)},
      {"max-age=5", absl::Minutes(1)},
      {"max-age=9999999", absl::Hours(24)},
      {"", absl::Hours(1)},
      {"no-store", absl::Minutes(1)},
      {"max-age=abc", absl::Hours(1)},
  };
  for (const Case& c : cases) {
    FakeHttpFetcher::Headers headers;
    if (!c.cache_control.empty())
      headers = {{"cache-control", c.cache_control}};
    http_->SetJson(kJwksUri, minter_.Jwks(), headers);
    std::shared_ptr<JwksCache> cache = MakeCache(options);
    ASSERT_THAT(cache->WarmUp(), IsOk());
    EXPECT_EQ(cache->stats().expires_at, clock_->Now() + c.ttl)
        << c.cache_control;
  }
}

TEST_F(JwksCacheTest, RefreshIfDueFetchesOnlyAfterTtlMinusRefreshAhead) {
  http_->SetJson(kJwksUri, minter_.Jwks(), {{"cache-control", "max-age=600"}});
  JwksCacheOptions options;
  options.refresh_ahead = absl::Seconds(30);
  std::shared_ptr<JwksCache> cache = MakeCache(options);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  clock_->Advance(absl::Seconds(569));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(Fetches(), 1);
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(Fetches(), 2);
}

// Verifies that an unknown kid triggers exactly one refetch per cooldown.
TEST_F(JwksCacheTest, UnknownKidRefetchesAtMostOncePerCooldown) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  clock_->Advance(absl::Seconds(10));
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      cache->OnUnknownKeyId("nope-1");
  ASSERT_THAT(set, IsOk());
  EXPECT_FALSE((*set)->HasKeyId("nope-1"));
  EXPECT_EQ(Fetches(), 2);
  EXPECT_THAT(cache->OnUnknownKeyId("nope-2"), IsOk());
  clock_->Advance(absl::Seconds(9));
  EXPECT_THAT(cache->OnUnknownKeyId("nope-3"), IsOk());
  EXPECT_EQ(Fetches(), 2);
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(cache->OnUnknownKeyId("nope-4"), IsOk());
  EXPECT_EQ(Fetches(), 3);
  EXPECT_EQ(cache->stats().unknown_kid_refetches, 2u);
  EXPECT_EQ(cache->stats().unknown_kid_throttled, 2u);
}

TEST_F(JwksCacheTest, KnownKidNeverFetches) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  clock_->Advance(absl::Minutes(1));
  EXPECT_THAT(cache->OnUnknownKeyId("key-1"), IsOk());
  EXPECT_EQ(Fetches(), 1);
}

TEST_F(JwksCacheTest, RotatedKeyIsFoundAfterOneRefetch) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  uint64_t generation = cache->generation();
  minter_.AddKey("key-2", Algorithm::kEs256);
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(11));
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      cache->OnUnknownKeyId("key-2");
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE((*set)->HasKeyId("key-2"));
  EXPECT_NE(cache->generation(), generation);
  EXPECT_EQ(Fetches(), 2);
}

// A flood of random kids from many threads costs one fetch per cooldown.
TEST_F(JwksCacheTest, RandomKidFloodFromManyThreadsCostsOneFetch) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  clock_->Advance(absl::Seconds(30));
  http_->SetHandler(kJwksUri, [this](const HttpRequest&) {
    absl::SleepFor(absl::Milliseconds(50));  // keep the fetch in flight
    return absl::StatusOr<HttpResponse>(
        FakeHttpFetcher::Response(200, minter_.JwksJson()));
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 100; ++i) {
        absl::StatusOr<std::shared_ptr<const JwkSet>> set =
            cache->OnUnknownKeyId(absl::StrCat("random-", rng()));
        if (!set.ok() || !(*set)->HasKeyId("key-1")) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Fetches(), 2);
  EXPECT_EQ(cache->stats().fetches, 2u);
  EXPECT_EQ(cache->stats().unknown_kid_refetches, 1u);
}

TEST_F(JwksCacheTest, ServesLastGoodSetWhileProviderIsDown) {
  http_->SetJson(kJwksUri, minter_.Jwks(), {{"cache-control", "max-age=600"}});
  JwksCacheOptions options;
  options.max_staleness = absl::Hours(1);
  std::shared_ptr<JwksCache> cache = MakeCache(options);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetResponse(kJwksUri, 503, "down");
  clock_->Advance(absl::Minutes(11));
  EXPECT_THAT(cache->RefreshIfDue(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  ASSERT_NE(cache->Current(), nullptr);
  EXPECT_TRUE(cache->Current()->HasKeyId("key-1"));
  EXPECT_THAT(cache->last_error(), StatusIs(absl::StatusCode::kUnavailable,
                                            ErrorReason::kProviderUnavailable));
  EXPECT_EQ(cache->stats().fetch_failures, 1u);
  // Failed refreshes are retried no faster than the cooldown.
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(Fetches(), 2);
  clock_->Advance(absl::Seconds(10));
  EXPECT_THAT(cache->RefreshIfDue(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  EXPECT_EQ(Fetches(), 3);
}

TEST_F(JwksCacheTest, StopsServingPastMaxStaleness) {
  http_->SetJson(kJwksUri, minter_.Jwks(), {{"cache-control", "max-age=600"}});
  JwksCacheOptions options;
  options.max_staleness = absl::Hours(1);
  std::shared_ptr<JwksCache> cache = MakeCache(options);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetError(kJwksUri, MakeError(absl::StatusCode::kUnavailable,
                                      ErrorReason::kProviderUnavailable,
                                      "connection refused"));
  clock_->Advance(absl::Seconds(600) + absl::Hours(1));
  EXPECT_NE(cache->Current(), nullptr);
  uint64_t generation = cache->generation();
  clock_->Advance(absl::Seconds(1));
  EXPECT_EQ(cache->Current(), nullptr);
  EXPECT_NE(cache->generation(), generation);
  EXPECT_THAT(cache->OnUnknownKeyId("key-1"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
}

TEST_F(JwksCacheTest, RecoversWhenProviderIsDownAtStart) {
  http_->SetError(kJwksUri, MakeError(absl::StatusCode::kUnavailable,
                                      ErrorReason::kProviderUnavailable,
                                      "connection refused"));
  std::shared_ptr<JwksCache> cache = MakeCache();
  EXPECT_THAT(cache->WarmUp(), StatusIs(absl::StatusCode::kUnavailable,
                                        ErrorReason::kProviderUnavailable));
  EXPECT_THAT(cache->OnUnknownKeyId("key-1"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  EXPECT_EQ(Fetches(), 1);  // inside the cooldown
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(10));
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      cache->OnUnknownKeyId("key-1");
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE((*set)->HasKeyId("key-1"));
  EXPECT_TRUE(cache->ready());
}

TEST_F(JwksCacheTest, KeepsOldSetOnMalformedOrOversizedAnswer) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetResponse(kJwksUri, 200, "{\"keys\": [");
  EXPECT_THAT(cache->Refresh(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  http_->SetResponse(kJwksUri, 200, "{\"not_keys\": []}");
  EXPECT_THAT(cache->Refresh(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  http_->SetResponse(
      kJwksUri, 200,
      "{\"keys\": [], \"pad\": \"" + std::string(kMaxJwksBytes, 'x') + "\"}");
  EXPECT_THAT(cache->Refresh(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge));
  ASSERT_NE(cache->Current(), nullptr);
  EXPECT_TRUE(cache->Current()->HasKeyId("key-1"));
  EXPECT_EQ(cache->stats().fetch_failures, 3u);
}

TEST_F(JwksCacheTest, RejectsInvalidOptions) {
  JwksCache::Dependencies deps;
  deps.fetcher = http_;
  deps.clock = clock_;
  EXPECT_THAT(JwksCache::Create("not a url", {}, deps),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  JwksCacheOptions options;
  options.min_ttl = absl::Hours(2);
  options.max_ttl = absl::Hours(1);
  EXPECT_THAT(JwksCache::Create(kJwksUri, options, deps),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  deps.fetcher = nullptr;
  EXPECT_THAT(JwksCache::Create(kJwksUri, {}, deps),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

// A failed unknown-kid refetch while the set is fresh used to leave
// last_error() set until the next TTL refresh, an hour later: the failure
// is now retried after its backoff, and the success clears it.
TEST_F(JwksCacheTest, LastErrorClearsOnTheNextSuccessWhileTheSetIsFresh) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetResponse(kJwksUri, 503, "down");
  clock_->Advance(absl::Seconds(10));
  ASSERT_THAT(cache->OnUnknownKeyId("new-kid"), IsOk());  // old set serves
  EXPECT_THAT(cache->last_error(), StatusIs(absl::StatusCode::kUnavailable,
                                            ErrorReason::kProviderUnavailable));
  EXPECT_EQ(cache->stats().consecutive_failures, 1u);
  EXPECT_EQ(cache->stats().next_fetch, clock_->Now() + absl::Seconds(10));
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(9));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(Fetches(), 2);
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(Fetches(), 3);
  EXPECT_THAT(cache->last_error(), IsOk());
  EXPECT_EQ(cache->stats().consecutive_failures, 0u);
  // Fresh again: the next fetch is the TTL's (1 h default, 30 s ahead).
  EXPECT_EQ(cache->stats().next_fetch,
            clock_->Now() + absl::Hours(1) - absl::Seconds(30));
}

TEST_F(JwksCacheTest, UnknownKidSuccessClearsLastError) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetResponse(kJwksUri, 500, "oops");
  EXPECT_THAT(cache->Refresh(), StatusIs(absl::StatusCode::kUnavailable,
                                         ErrorReason::kProviderUnavailable));
  minter_.AddKey("key-2", Algorithm::kEs256);
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(10));
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      cache->OnUnknownKeyId("key-2");
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE((*set)->HasKeyId("key-2"));
  EXPECT_THAT(cache->last_error(), IsOk());
}

// While the provider keeps failing, retries back off: cooldown, doubled per
// consecutive failure, capped at kMaxJwksRetryBackoff.
TEST_F(JwksCacheTest, RetriesBackOffWhileTheProviderKeepsFailing) {
  http_->SetResponse(kJwksUri, 503, "down");
  std::shared_ptr<JwksCache> cache = MakeCache();
  EXPECT_THAT(cache->WarmUp(), StatusIs(absl::StatusCode::kUnavailable,
                                        ErrorReason::kProviderUnavailable));
  const absl::Duration expected[] = {
      absl::Seconds(10),  absl::Seconds(20),  absl::Seconds(40),
      absl::Seconds(80),  absl::Seconds(160), absl::Seconds(300),
      absl::Seconds(300),
  };
  for (absl::Duration backoff : expected) {
    ASSERT_EQ(cache->stats().next_fetch, clock_->Now() + backoff);
    clock_->Advance(backoff - absl::Seconds(1));
    EXPECT_THAT(cache->RefreshIfDue(), IsOk());  // not yet due
    clock_->Advance(absl::Seconds(1));
    EXPECT_THAT(cache->RefreshIfDue(),
                StatusIs(absl::StatusCode::kUnavailable,
                         ErrorReason::kProviderUnavailable));
  }
  EXPECT_EQ(Fetches(), 8);
  EXPECT_EQ(cache->stats().consecutive_failures, 8u);
}

// The cooldown spaces fetches started by unknown kids (as documented), not
// any fetch: a rotated kid right after a scheduled refresh is fetched.
TEST_F(JwksCacheTest, RotatedKidRightAfterWarmUpIsFetchedAtOnce) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  minter_.AddKey("key-2", Algorithm::kEs256);
  http_->SetJson(kJwksUri, minter_.Jwks());
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      cache->OnUnknownKeyId("key-2");
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE((*set)->HasKeyId("key-2"));
  EXPECT_THAT(cache->OnUnknownKeyId("key-3"), IsOk());
  EXPECT_EQ(Fetches(), 2);
  EXPECT_EQ(cache->stats().unknown_kid_throttled, 1u);
}

// Every attempt reaches on_fetch: failures (with the count in a row, the
// status and whether cached keys still serve) and the recovery.
TEST_F(JwksCacheTest, OnFetchReportsFailuresAndRecovery) {
  std::vector<JwksFetchEvent> events;
  JwksCacheOptions options;
  options.on_fetch = [&events](const JwksFetchEvent& event) {
    events.push_back(event);
  };
  std::shared_ptr<JwksCache> cache = MakeCache(options);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  http_->SetResponse(kJwksUri, 503, "body-with-secret-xyz");
  clock_->Advance(absl::Seconds(10));
  ASSERT_THAT(cache->OnUnknownKeyId("new-kid"), IsOk());
  clock_->Advance(absl::Seconds(10));
  EXPECT_THAT(cache->RefreshIfDue(), StatusIs(absl::StatusCode::kUnavailable));
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(20));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0].success);
  EXPECT_EQ(events[0].jwks_uri, kJwksUri);
  EXPECT_EQ(events[0].recovered_after, 0u);
  EXPECT_FALSE(events[1].success);
  EXPECT_TRUE(events[1].unknown_kid);
  EXPECT_TRUE(events[1].serving);
  EXPECT_EQ(events[1].consecutive_failures, 1u);
  EXPECT_THAT(events[1].status, StatusIs(absl::StatusCode::kUnavailable,
                                         ErrorReason::kProviderUnavailable));
  EXPECT_EQ(events[1].status.message(),
            absl::StrCat("JWKS fetch from ", kJwksUri, " returned HTTP 503"));
  EXPECT_FALSE(events[2].success);
  EXPECT_FALSE(events[2].unknown_kid);
  EXPECT_EQ(events[2].consecutive_failures, 2u);
  EXPECT_TRUE(events[3].success);
  EXPECT_THAT(events[3].status, IsOk());
  EXPECT_EQ(events[3].consecutive_failures, 0u);
  EXPECT_EQ(events[3].recovered_after, 2u);
}

// The callback runs with no lock held: it may read the cache.
TEST_F(JwksCacheTest, OnFetchMayReadTheCache) {
  std::shared_ptr<JwksCache> cache;
  uint64_t seen_fetches = 0;
  JwksCacheOptions options;
  options.on_fetch = [&](const JwksFetchEvent&) {
    seen_fetches = cache->stats().fetches;
  };
  cache = MakeCache(options);
  ASSERT_THAT(cache->WarmUp(), IsOk());
  EXPECT_EQ(seen_fetches, 1u);
}

// The background thread used to wake every 100 ms while a fresh set was
// failing to refresh, and every 30 s otherwise. It now sleeps until the
// schedule's next deadline, which the on_background_wait seam reports; the
// frozen FakeClock makes each wait exact.
TEST(JwksCacheBackgroundTest, SleepsUntilTheNextDeadline) {
  TokenMinter minter;
  minter.AddKey("key-1", Algorithm::kRs256);
  auto http = std::make_shared<FakeHttpFetcher>();
  auto clock = std::make_shared<FakeClock>();
  http->SetJson(kJwksUri, minter.Jwks(), {{"cache-control", "max-age=600"}});
  absl::Mutex mu;
  std::vector<absl::Duration> waits;
  JwksCacheOptions options;
  options.refresh_ahead = absl::Seconds(30);
  options.background_refresh = true;
  JwksCache::Dependencies deps;
  deps.fetcher = http;
  deps.clock = clock;
  deps.on_background_wait = [&](absl::Duration wait) {
    absl::MutexLock lock(&mu);
    waits.push_back(wait);
  };
  std::shared_ptr<JwksCache> cache =
      JwksCache::Create(kJwksUri, options, deps).value();
  // Waits for the n-th sleep (a safety bound, not a timing assertion).
  auto wait_number = [&](size_t n) {
    absl::MutexLock lock(&mu);
    auto reached = [&] { return waits.size() >= n; };
    mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
    return waits.size() >= n ? waits[n - 1] : absl::ZeroDuration();
  };
  // Nothing to keep fresh before the first fetch: sleep until woken.
  EXPECT_EQ(wait_number(1), absl::InfiniteDuration());
  ASSERT_THAT(cache->WarmUp(), IsOk());
  EXPECT_EQ(wait_number(2), absl::Seconds(600 - 30));
  http->SetResponse(kJwksUri, 503, "down");
  clock->Advance(absl::Seconds(10));
  ASSERT_THAT(cache->OnUnknownKeyId("new-kid"), IsOk());
  EXPECT_EQ(wait_number(3), absl::Seconds(10));  // the retry backoff
  // The provider is back once the backoff has run out: the due retry
  // succeeds and the thread sleeps until the new TTL's refresh time.
  http->SetJson(kJwksUri, minter.Jwks(), {{"cache-control", "max-age=600"}});
  clock->Advance(absl::Seconds(10));
  EXPECT_THAT(cache->RefreshIfDue(), IsOk());
  EXPECT_EQ(wait_number(4), absl::Seconds(600 - 30));
  EXPECT_THAT(cache->last_error(), IsOk());
  EXPECT_EQ(http->RequestCount(kJwksUri), 3);
  cache.reset();  // joins the thread
  absl::MutexLock lock(&mu);
  EXPECT_EQ(waits.size(), 4u);
}

// The one test on real time: the background thread refreshes on its own.
TEST(JwksCacheBackgroundTest, RefreshesAheadOfExpiryWithoutCallers) {
  TokenMinter minter;
  minter.AddKey("key-1", Algorithm::kRs256);
  auto http = std::make_shared<FakeHttpFetcher>();
  http->SetJson(kJwksUri, minter.Jwks());
  JwksCacheOptions options;
  options.min_ttl = options.default_ttl = options.max_ttl =
      absl::Milliseconds(150);
  options.refresh_ahead = absl::ZeroDuration();
  options.background_refresh = true;
  JwksCache::Dependencies deps;
  deps.fetcher = http;
  std::shared_ptr<JwksCache> cache =
      JwksCache::Create(kJwksUri, options, deps).value();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (http->RequestCount(kJwksUri) < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GE(http->RequestCount(kJwksUri), 3);
  cache.reset();  // joins the thread
}

class JwksCacheVerifierTest : public JwksCacheTest {
 protected:
  std::unique_ptr<TokenVerifier> MakeVerifier(
      std::shared_ptr<JwksCache> cache) {
    ProviderPolicy policy;
    policy.name = "idp";
    policy.issuers = {kIssuer};
    policy.audiences = {"client"};
    policy.keys = std::move(cache);
    VerifierOptions options;
    options.providers = {policy};
    TokenVerifier::Dependencies deps;
    deps.clock = clock_;
    return TokenVerifier::Create(options, deps).value();
  }
  nlohmann::json Claims() const {
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    return {{"iss", kIssuer},
            {"sub", "u1"},
            {"aud", "client"},
            {"iat", now},
            {"exp", now + 600}};
  }
};

TEST_F(JwksCacheVerifierTest, NewKidVerifiesAfterOneRefetch) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(cache);
  EXPECT_THAT(verifier->Verify(minter_.Mint("key-1", Claims())), IsOk());
  minter_.AddKey("key-2", Algorithm::kRs256, /*variant=*/1);
  http_->SetJson(kJwksUri, minter_.Jwks());
  clock_->Advance(absl::Seconds(10));
  EXPECT_THAT(verifier->Verify(minter_.Mint("key-2", Claims())), IsOk());
  EXPECT_EQ(Fetches(), 2);
}

TEST_F(JwksCacheVerifierTest, RemovedKeyStopsVerifyingAfterRefresh) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(cache);
  std::string old_token = minter_.Mint("key-1", Claims());
  ASSERT_THAT(verifier->Verify(old_token), IsOk());
  TokenMinter rotated;
  rotated.AddKey("key-2", Algorithm::kRs256, /*variant=*/1);
  http_->SetJson(kJwksUri, rotated.Jwks());
  ASSERT_THAT(cache->Refresh(), IsOk());
  EXPECT_THAT(
      verifier->Verify(old_token),
      StatusIs(absl::StatusCode::kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(JwksCacheVerifierTest, CachedKeysKeepVerifyingWhileProviderIsDown) {
  std::shared_ptr<JwksCache> cache = MakeCache();
  ASSERT_THAT(cache->WarmUp(), IsOk());
  std::unique_ptr<TokenVerifier> verifier = MakeVerifier(cache);
  http_->SetResponse(kJwksUri, 500, "oops");
  clock_->Advance(absl::Hours(2));  // past the 1 h TTL, within max_staleness
  EXPECT_THAT(cache->RefreshIfDue(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  EXPECT_THAT(verifier->Verify(minter_.Mint("key-1", Claims())), IsOk());
}

}  // namespace
}  // namespace authgate
