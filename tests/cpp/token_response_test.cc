#include "authgate/token_response.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

TEST(TokenResponseTest, ParsesCognitoCodeGrantAnswer) {
  nlohmann::json body = {{"access_token", "at"},
                         {"id_token", "it"},
                         {"refresh_token", "rt"},
                         {"token_type", "Bearer"},
                         {"expires_in", 3600}};
  absl::StatusOr<TokenResponse> tokens = ParseTokenResponse(body.dump(), kNow);
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->access_token, "at");
  EXPECT_EQ(tokens->id_token, "it");
  EXPECT_EQ(tokens->refresh_token, "rt");
  EXPECT_TRUE(tokens->refresh_token_rotated);
  EXPECT_EQ(tokens->expires_in, absl::Hours(1));
  EXPECT_EQ(tokens->expires_at, kNow + absl::Hours(1));
}

TEST(TokenResponseTest, AcceptsStringExpiresInAndLowercaseBearer) {
  nlohmann::json body = {
      {"access_token", "at"}, {"token_type", "bearer"}, {"expires_in", "60"}};
  absl::StatusOr<TokenResponse> tokens = ParseTokenResponse(body.dump(), kNow);
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->expires_in, absl::Seconds(60));
  EXPECT_FALSE(tokens->refresh_token_rotated);
}

TEST(TokenResponseTest, RejectsUnusableAnswers) {
  for (const std::string& body :
       {std::string("not json"), std::string("[]"),
        std::string(R"({"token_type":"Bearer"})"),
        std::string(R"({"access_token":7,"token_type":"Bearer"})"),
        std::string(R"({"access_token":"a","token_type":"mac"})"),
        std::string(R"({"access_token":"a"})"),
        std::string(
            R"({"access_token":"a","token_type":"Bearer","expires_in":-1})"),
        std::string(
            R"({"access_token":"a","token_type":"Bearer","id_token":1})")}) {
    EXPECT_THAT(ParseTokenResponse(body, kNow),
                StatusIs(absl::StatusCode::kUnavailable,
                         ErrorReason::kProviderResponseInvalid))
        << body;
  }
  EXPECT_THAT(
      ParseTokenResponse(std::string(kMaxTokenResponseBytes + 1, ' '), kNow),
      StatusIs(absl::StatusCode::kUnavailable,
               ErrorReason::kProviderResponseTooLarge));
}

struct ErrorCase {
  int http_status;
  std::string error;
  absl::StatusCode code;
  ErrorReason reason;
};

// Every RFC 6749 / 7009 / 6750 error value maps to a fixed code and reason.
TEST(TokenResponseTest, MapsEveryOAuthError) {
  using C = absl::StatusCode;
  using R = ErrorReason;
  const ErrorCase cases[] = {
      {400, "invalid_grant", C::kUnauthenticated, R::kOAuthInvalidGrant},
      {401, "invalid_client", C::kFailedPrecondition, R::kOAuthInvalidClient},
      {400, "unauthorized_client", C::kFailedPrecondition,
       R::kOAuthUnauthorizedClient},
      {400, "invalid_request", C::kInvalidArgument, R::kOAuthInvalidRequest},
      {400, "unsupported_grant_type", C::kInvalidArgument,
       R::kOAuthInvalidRequest},
      {400, "unsupported_token_type", C::kInvalidArgument,
       R::kOAuthInvalidRequest},
      {400, "unsupported_response_type", C::kInvalidArgument,
       R::kOAuthInvalidRequest},
      {400, "invalid_scope", C::kInvalidArgument, R::kOAuthInvalidScope},
      {401, "invalid_token", C::kUnauthenticated, R::kOAuthError},
      {403, "insufficient_scope", C::kPermissionDenied, R::kOAuthError},
      {403, "access_denied", C::kPermissionDenied, R::kOAuthError},
      {400, "server_error", C::kUnavailable, R::kProviderUnavailable},
      {400, "temporarily_unavailable", C::kUnavailable,
       R::kProviderUnavailable},
      {400, "something_new", C::kFailedPrecondition, R::kOAuthError},
      {503, "invalid_grant", C::kUnavailable, R::kProviderUnavailable},
  };
  for (const ErrorCase& c : cases) {
    nlohmann::json body = {{"error", c.error},
                           {"error_description", "details for " + c.error}};
    absl::Status status = OAuthErrorFromResponse(
        FakeHttpFetcher::Response(c.http_status, body.dump()),
        "token endpoint");
    EXPECT_THAT(status, StatusIs(c.code, c.reason)) << c.error;
    EXPECT_EQ(GetOAuthError(status), c.error);
    EXPECT_EQ(GetOAuthErrorDescription(status), "details for " + c.error);
  }
}

TEST(TokenResponseTest, ReadsBearerChallengeFromUserInfoAnswer) {
  HttpResponse response = FakeHttpFetcher::Response(
      401, "",
      {{"www-authenticate",
        "Bearer error=\"invalid_token\", error_description=\"Access "
        "token is expired, disabled, or deleted\""}});
  absl::Status status = OAuthErrorFromResponse(response, "userinfo endpoint");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnauthenticated,
                               ErrorReason::kOAuthError));
  EXPECT_EQ(GetOAuthError(status), "invalid_token");
  EXPECT_EQ(GetOAuthErrorDescription(status),
            "Access token is expired, disabled, or deleted");
}

TEST(TokenResponseTest, ReportsUnreadableErrorsAndServerFailures) {
  EXPECT_THAT(OAuthErrorFromResponse(FakeHttpFetcher::Response(400, "<html>"),
                                     "token endpoint"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  absl::Status status = OAuthErrorFromResponse(
      FakeHttpFetcher::Response(502, "Bad Gateway"), "token endpoint");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               ErrorReason::kProviderUnavailable));
  EXPECT_EQ(GetOAuthError(status), "");
}

}  // namespace
}  // namespace authgate
