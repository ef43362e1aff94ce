#include "verified_token_cache.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace authgate::internal {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

CachedVerification Entry(size_t provider = 0) {
  CachedVerification entry;
  entry.data = std::make_shared<TokenData>();
  entry.provider_index = provider;
  return entry;
}

TEST(VerifiedTokenCacheTest, ReturnsInsertedEntryUntilItExpires) {
  VerifiedTokenCache cache(100, 1 << 20);
  cache.Insert("token-a", Entry(3), kNow + absl::Seconds(10));
  std::optional<CachedVerification> hit = cache.Lookup("token-a", kNow);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->provider_index, 3u);
  EXPECT_FALSE(cache.Lookup("token-b", kNow).has_value());
  EXPECT_FALSE(cache.Lookup("token-a", kNow + absl::Seconds(10)).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedTokenCacheTest, EvictsLeastRecentlyUsedPastEntryBound) {
  // 16 shards with one entry each: a shard keeps only its latest token.
  VerifiedTokenCache cache(16, 1 << 20);
  for (int i = 0; i < 1000; ++i) {
    cache.Insert(absl::StrCat("token-", i), Entry(), kNow + absl::Hours(1));
  }
  EXPECT_LE(cache.size(), 16u);
  EXPECT_TRUE(cache.Lookup("token-999", kNow).has_value());
}

TEST(VerifiedTokenCacheTest, EvictsPastByteBound) {
  VerifiedTokenCache cache(1 << 20, 16 * 4096);
  for (int i = 0; i < 1000; ++i) {
    cache.Insert(absl::StrCat(i, std::string(1000, 'x')), Entry(),
                 kNow + absl::Hours(1));
  }
  EXPECT_LE(cache.size(), 16u * 4);
  // An entry larger than a shard's budget is not cached at all.
  cache.Insert(std::string(8000, 'y'), Entry(), kNow + absl::Hours(1));
  EXPECT_FALSE(cache.Lookup(std::string(8000, 'y'), kNow).has_value());
}

TEST(VerifiedTokenCacheTest, UpdatesGenerationAndErases) {
  VerifiedTokenCache cache(100, 1 << 20);
  cache.Insert("t", Entry(), kNow + absl::Hours(1));
  cache.SetKeyGeneration("t", 42);
  EXPECT_EQ(cache.Lookup("t", kNow)->key_generation, 42u);
  cache.Erase("t");
  EXPECT_FALSE(cache.Lookup("t", kNow).has_value());
}

}  // namespace
}  // namespace authgate::internal
