#include "grpc_service/call_deadline.h"

#include <memory>

#include "absl/time/time.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/fake_http_fetcher.h"

namespace authgate::service {
namespace {

constexpr char kUrl[] = "https://idp.example/oauth2/token";

absl::Time fake_now = absl::FromUnixSeconds(1'700'000'000);
absl::Time FakeNow() { return fake_now; }

class DeadlineBoundFetcherTest : public ::testing::Test {
 protected:
  DeadlineBoundFetcherTest() {
    inner_->SetResponse(kUrl, 200, "{}");
    request_.url = kUrl;
    request_.timeout = absl::Seconds(5);
  }

  std::shared_ptr<testing::FakeHttpFetcher> inner_ =
      std::make_shared<testing::FakeHttpFetcher>();
  DeadlineBoundFetcher fetcher_{inner_, &FakeNow};
  HttpRequest request_;
};

TEST_F(DeadlineBoundFetcherTest, OutsideAScopeTheTimeoutIsUnchanged) {
  EXPECT_EQ(CurrentCallDeadline(), absl::InfiniteFuture());
  ASSERT_TRUE(fetcher_.Fetch(request_).ok());
  EXPECT_EQ(inner_->LastRequest(kUrl).timeout, absl::Seconds(5));
}

TEST_F(DeadlineBoundFetcherTest, ShortensTheTimeoutToTheTimeLeft) {
  CallDeadlineScope scope(fake_now + absl::Milliseconds(300));
  ASSERT_TRUE(fetcher_.Fetch(request_).ok());
  EXPECT_EQ(inner_->LastRequest(kUrl).timeout, absl::Milliseconds(300));
}

TEST_F(DeadlineBoundFetcherTest, KeepsAShorterTimeoutOfItsOwn) {
  CallDeadlineScope scope(fake_now + absl::Minutes(1));
  ASSERT_TRUE(fetcher_.Fetch(request_).ok());
  EXPECT_EQ(inner_->LastRequest(kUrl).timeout, absl::Seconds(5));
}

TEST_F(DeadlineBoundFetcherTest, PassedDeadlineFailsWithoutARequest) {
  CallDeadlineScope scope(fake_now - absl::Milliseconds(1));
  absl::StatusOr<HttpResponse> response = fetcher_.Fetch(request_);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(GetErrorReason(response.status()), ErrorReason::kProviderTimeout);
  EXPECT_EQ(inner_->RequestCount(kUrl), 0);
}

TEST_F(DeadlineBoundFetcherTest, ScopeEndRestoresNoDeadline) {
  {
    CallDeadlineScope scope(fake_now);
    EXPECT_EQ(CurrentCallDeadline(), fake_now);
  }
  EXPECT_EQ(CurrentCallDeadline(), absl::InfiniteFuture());
}

}  // namespace
}  // namespace authgate::service
