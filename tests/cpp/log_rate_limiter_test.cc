#include "grpc_service/log_rate_limiter.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "grpc_service/logger.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace authgate::service {
namespace {

absl::Time fake_now = absl::FromUnixSeconds(1'700'000'000);
absl::Time FakeNow() { return fake_now; }

TEST(LogRateLimiterTest, AdmitsABurstThenDropsAndCountsTheRest) {
  LogRateLimiter limiter(3, &FakeNow);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit(), uint64_t{0});
  EXPECT_EQ(limiter.Admit(), std::nullopt);
  EXPECT_EQ(limiter.Admit(), std::nullopt);
  // A third of a second refills one line, which reports the two dropped.
  fake_now += absl::Milliseconds(334);
  EXPECT_EQ(limiter.Admit(), uint64_t{2});
  EXPECT_EQ(limiter.Admit(), std::nullopt);
}

TEST(LogRateLimiterTest, IdleTimeRefillsNoMoreThanOneSecondsWorth) {
  LogRateLimiter limiter(2, &FakeNow);
  fake_now += absl::Hours(1);
  EXPECT_EQ(limiter.Admit(), uint64_t{0});
  EXPECT_EQ(limiter.Admit(), uint64_t{0});
  EXPECT_EQ(limiter.Admit(), std::nullopt);
}

TEST(LogRateLimiterTest, RatesBelowOneStillAllowOneLine) {
  LogRateLimiter limiter(0.5, &FakeNow);
  EXPECT_EQ(limiter.Admit(), uint64_t{0});
  EXPECT_EQ(limiter.Admit(), std::nullopt);
  fake_now += absl::Seconds(2);
  EXPECT_EQ(limiter.Admit(), uint64_t{1});
}

// The logger applies the limit only to the named event.
TEST(LoggerRateLimitTest, LimitsOnlyTheNamedEvent) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    Logger logger(LogLevel::kInfo, out);
    logger.LimitRate("token_rejected", 1);
    for (int i = 0; i < 5; ++i) {
      logger.Info("token_rejected", {{"reason", "token_expired"}});
      logger.Info("oauth_call");
    }
  }
  std::rewind(out);
  int rejected = 0, oauth = 0;
  char line[512];
  while (std::fgets(line, sizeof(line), out) != nullptr) {
    nlohmann::json event = nlohmann::json::parse(line);
    if (event["event"] == "token_rejected") ++rejected;
    if (event["event"] == "oauth_call") ++oauth;
  }
  std::fclose(out);
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(oauth, 5);
}

}  // namespace
}  // namespace authgate::service
