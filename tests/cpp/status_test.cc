#include "authgate/status.h"

#include "gtest/gtest.h"

namespace authgate {
namespace {

TEST(StatusTest, NamesRoundTripForEveryReason) {
  for (int i = 0; i <= static_cast<int>(ErrorReason::kInternal); ++i) {
    ErrorReason reason = static_cast<ErrorReason>(i);
    absl::string_view name = ErrorReasonName(reason);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(ErrorReasonFromName(name), reason) << name;
  }
  EXPECT_EQ(ErrorReasonFromName("no_such_reason"), std::nullopt);
}

// The names are API (metadata, Python .reason, metrics): pin a few.
TEST(StatusTest, KeepsStableReasonNames) {
  EXPECT_EQ(ErrorReasonName(ErrorReason::kTokenExpired), "token_expired");
  EXPECT_EQ(ErrorReasonName(ErrorReason::kSignatureInvalid),
            "signature_invalid");
  EXPECT_EQ(ErrorReasonName(ErrorReason::kKeyNotFound), "key_not_found");
  EXPECT_EQ(ErrorReasonName(ErrorReason::kScopeMissing), "scope_missing");
  EXPECT_EQ(ErrorReasonName(ErrorReason::kOAuthInvalidGrant),
            "oauth_invalid_grant");
}

TEST(StatusTest, AttachesAndReadsReason) {
  absl::Status status = MakeError(absl::StatusCode::kUnauthenticated,
                                  ErrorReason::kTokenExpired, "token expired");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(), "token expired");
  EXPECT_EQ(GetErrorReason(status), ErrorReason::kTokenExpired);
  EXPECT_EQ(GetErrorReason(absl::OkStatus()), ErrorReason::kUnspecified);
  EXPECT_EQ(GetErrorReason(absl::InternalError("x")),
            ErrorReason::kUnspecified);
}

TEST(StatusTest, NeverMakesAnOkError) {
  absl::Status status =
      MakeError(absl::StatusCode::kOk, ErrorReason::kInternal, "bug");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST(StatusTest, CarriesBoundedOAuthError) {
  absl::Status status = MakeError(absl::StatusCode::kUnauthenticated,
                                  ErrorReason::kOAuthInvalidGrant, "refused");
  SetOAuthError(status, "invalid_grant", std::string(1000, 'd'));
  EXPECT_EQ(GetOAuthError(status), "invalid_grant");
  EXPECT_EQ(GetOAuthErrorDescription(status).size(), 256u);
  EXPECT_EQ(GetOAuthError(absl::OkStatus()), "");
}

}  // namespace
}  // namespace authgate
