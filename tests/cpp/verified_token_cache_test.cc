#include "verified_token_cache.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace authgate::internal {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

CachedVerification Entry(absl::string_view token, size_t provider = 0) {
  auto data = std::make_shared<TokenData>();
  data->token = std::string(token);
  CachedVerification entry;
  entry.data = std::move(data);
  entry.provider_index = provider;
  return entry;
}

void Put(VerifiedTokenCache& cache, absl::string_view token,
         absl::Time expires_at, size_t provider = 0) {
  cache.Insert(CacheKey(token), Entry(token, provider), expires_at);
}

std::optional<CachedVerification> Get(const VerifiedTokenCache& cache,
                                      absl::string_view token,
                                      absl::Time now = kNow) {
  return cache.Lookup(CacheKey(token), now);
}

TEST(VerifiedTokenCacheTest, ReturnsInsertedEntryUntilItExpires) {
  VerifiedTokenCache cache(100, 1 << 20);
  Put(cache, "token-a", kNow + absl::Seconds(10), 3);
  std::optional<CachedVerification> hit = Get(cache, "token-a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->provider_index, 3u);
  EXPECT_EQ(hit->data->token, "token-a");
  EXPECT_FALSE(Get(cache, "token-b").has_value());
  EXPECT_FALSE(Get(cache, "token-a", kNow + absl::Seconds(10)).has_value());
  // The expired entry is replaced by the next insert of the same token.
  Put(cache, "token-a", kNow + absl::Seconds(20), 4);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(Get(cache, "token-a", kNow + absl::Seconds(10))->provider_index,
            4u);
}

TEST(VerifiedTokenCacheTest, KeepsTheNewestPastEntryBound) {
  // 16 shards with one entry each: a shard keeps only its latest token.
  VerifiedTokenCache cache(16, 1 << 20);
  for (int i = 0; i < 1000; ++i) {
    Put(cache, absl::StrCat("token-", i), kNow + absl::Hours(1));
  }
  EXPECT_LE(cache.size(), 16u);
  EXPECT_TRUE(Get(cache, "token-999").has_value());
}

TEST(VerifiedTokenCacheTest, GivesAUsedEntryASecondChance) {
  // Every shard holds two entries. The newest token is used after every
  // insert; the others never are, so each insert into its shard evicts an
  // unused entry and the used one stays however many tokens follow.
  VerifiedTokenCache cache(32, 1 << 20);
  for (int i = 0; i < 64; ++i) {
    Put(cache, absl::StrCat("token-", i), kNow + absl::Hours(1));
  }
  const std::string favourite = "token-63";
  for (int i = 64; i < 1000; ++i) {
    ASSERT_TRUE(Get(cache, favourite).has_value()) << i;
    Put(cache, absl::StrCat("token-", i), kNow + absl::Hours(1));
  }
  EXPECT_TRUE(Get(cache, favourite).has_value());
  // Unused, an old entry goes: token-64 was followed by 935 inserts.
  EXPECT_FALSE(Get(cache, "token-64").has_value());
}

TEST(VerifiedTokenCacheTest, EvictsPastByteBound) {
  VerifiedTokenCache cache(1 << 20, 16 * 4096);
  for (int i = 0; i < 1000; ++i) {
    Put(cache, absl::StrCat(i, std::string(1000, 'x')), kNow + absl::Hours(1));
  }
  EXPECT_LE(cache.size(), 16u * 4);
  // An entry larger than a shard's budget is not cached at all.
  Put(cache, std::string(8000, 'y'), kNow + absl::Hours(1));
  EXPECT_FALSE(Get(cache, std::string(8000, 'y')).has_value());
}

TEST(VerifiedTokenCacheTest, ChargesWhatAnEntryHoldsNotJustItsToken) {
  // A short token whose claims hold 8 KB: more than a shard's 8 KB budget,
  // so it is not cached, however small the token.
  auto data = std::make_shared<TokenData>();
  data->token = "short-token";
  data->claims.groups.assign(2, std::string(4096, 'g'));
  EXPECT_GT(data->HeapBytes(), 2u * 4096 + sizeof(TokenData));
  CachedVerification entry;
  entry.data = data;
  VerifiedTokenCache cache(1 << 20, 16 * 8192);
  cache.Insert(CacheKey(data->token), entry, kNow + absl::Hours(1));
  EXPECT_FALSE(Get(cache, "short-token").has_value());
  // Without the groups it fits.
  data->claims.groups.clear();
  data->claims.groups.shrink_to_fit();
  cache.Insert(CacheKey(data->token), entry, kNow + absl::Hours(1));
  EXPECT_TRUE(Get(cache, "short-token").has_value());
}

TEST(VerifiedTokenCacheTest, UpdatesGenerationAndErases) {
  VerifiedTokenCache cache(100, 1 << 20);
  Put(cache, "t", kNow + absl::Hours(1));
  cache.SetKeyGeneration(CacheKey("t"), 42);
  EXPECT_EQ(Get(cache, "t")->key_generation, 42u);
  cache.Erase(CacheKey("t"));
  EXPECT_FALSE(Get(cache, "t").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedTokenCacheTest, SameHashDifferentTokenIsNotAHit) {
  // The map compares the token after the hash: a forged key with a cached
  // token's hash finds nothing.
  VerifiedTokenCache cache(100, 1 << 20);
  Put(cache, "genuine", kNow + absl::Hours(1));
  CacheKey forged("forged!", CacheKey("genuine").hash);
  EXPECT_FALSE(cache.Lookup(forged, kNow).has_value());
}

TEST(VerifiedTokenCacheTest, TokensSharingTheirHashedTailStayApart) {
  // The hash reads a token's length and last bytes only, so these collide
  // by construction; each still finds its own entry, and a third with the
  // same tail finds none.
  const std::string tail(200, 's');
  const std::string first = "header-a.payload-1." + tail;
  const std::string second = "header-b.payload-2." + tail;
  const std::string third = "header-c.payload-3." + tail;
  ASSERT_EQ(CacheKey(first).hash, CacheKey(second).hash);
  VerifiedTokenCache cache(100, 1 << 20);
  Put(cache, first, kNow + absl::Hours(1), 1);
  Put(cache, second, kNow + absl::Hours(1), 2);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(Get(cache, first)->provider_index, 1u);
  EXPECT_EQ(Get(cache, second)->provider_index, 2u);
  EXPECT_FALSE(Get(cache, third).has_value());
  cache.Erase(CacheKey(first));
  EXPECT_FALSE(Get(cache, first).has_value());
  EXPECT_EQ(Get(cache, second)->provider_index, 2u);
}

}  // namespace
}  // namespace authgate::internal
