#include "grpc_service/status_conversion.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

struct CodeCase {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

// Every canonical code, written out so a renumbering on either side shows.
const CodeCase kCodeCases[] = {
    {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
    {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
    {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
    {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
    {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
    {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
    {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    {absl::StatusCode::kResourceExhausted,
     grpc::StatusCode::RESOURCE_EXHAUSTED},
    {absl::StatusCode::kFailedPrecondition,
     grpc::StatusCode::FAILED_PRECONDITION},
    {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
    {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
    {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
    {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
    {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
    {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
    {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
};

class StatusConversionCodeTest : public ::testing::TestWithParam<CodeCase> {};

TEST_P(StatusConversionCodeTest, KeepsCodeMessageAndReason) {
  const CodeCase& c = GetParam();
  absl::Status status =
      MakeError(c.absl_code, ErrorReason::kTokenExpired, "token expired");

  GrpcStatusParts parts = ToGrpcStatusParts(status);

  EXPECT_EQ(parts.status.error_code(), c.grpc_code);
  EXPECT_EQ(static_cast<int>(parts.status.error_code()),
            static_cast<int>(c.absl_code));
  EXPECT_EQ(parts.status.error_message(), "token expired");
  EXPECT_THAT(parts.trailing_metadata,
              ElementsAre(Pair(kErrorReasonMetadataKey, "token_expired")));
}

INSTANTIATE_TEST_SUITE_P(EveryCode, StatusConversionCodeTest,
                         ::testing::ValuesIn(kCodeCases));

TEST(StatusConversionTest, TableCoversEveryNonOkCanonicalCode) {
  // absl's canonical codes are 1..16; the table must list each once.
  EXPECT_EQ(std::size(kCodeCases), 16u);
  for (int i = 1; i <= 16; ++i) {
    EXPECT_EQ(static_cast<int>(ToGrpcCode(static_cast<absl::StatusCode>(i))),
              i);
  }
}

TEST(StatusConversionTest, MapsOkToOkWithoutMetadata) {
  GrpcStatusParts parts = ToGrpcStatusParts(absl::OkStatus());
  EXPECT_TRUE(parts.status.ok());
  EXPECT_THAT(parts.trailing_metadata, IsEmpty());
}

TEST(StatusConversionTest, MapsNonCanonicalCodeToUnknown) {
  absl::Status status(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(ToGrpcStatusParts(status).status.error_code(),
            grpc::StatusCode::UNKNOWN);
}

TEST(StatusConversionTest, OmitsReasonWhenNoneAttached) {
  GrpcStatusParts parts = ToGrpcStatusParts(absl::InternalError("boom"));
  EXPECT_EQ(parts.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(parts.status.error_message(), "boom");
  EXPECT_THAT(parts.trailing_metadata, IsEmpty());
}

TEST(StatusConversionTest, AddsEveryReasonNameVerbatim) {
  for (int i = 1; i <= static_cast<int>(ErrorReason::kInternal); ++i) {
    ErrorReason reason = static_cast<ErrorReason>(i);
    GrpcStatusParts parts = ToGrpcStatusParts(
        MakeError(absl::StatusCode::kUnauthenticated, reason, "x"));
    EXPECT_THAT(parts.trailing_metadata,
                ElementsAre(Pair(kErrorReasonMetadataKey,
                                 std::string(ErrorReasonName(reason)))));
  }
}

TEST(StatusConversionTest, AddsProviderOAuthError) {
  absl::Status status =
      MakeError(absl::StatusCode::kUnauthenticated,
                ErrorReason::kOAuthInvalidGrant, "provider rejected the grant");
  SetOAuthError(status, "invalid_grant", "Refresh Token has been revoked");

  GrpcStatusParts parts = ToGrpcStatusParts(status);

  EXPECT_EQ(parts.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(parts.trailing_metadata,
              ElementsAre(Pair(kErrorReasonMetadataKey, "oauth_invalid_grant"),
                          Pair(kOAuthErrorMetadataKey, "invalid_grant"),
                          Pair(kOAuthErrorDescriptionMetadataKey,
                               "Refresh Token has been revoked")));
}

// Provider text is untrusted: control and non-ASCII bytes must not reach a
// gRPC header, which would fail the whole call.
TEST(StatusConversionTest, ReplacesUnprintableBytesInProviderText) {
  absl::Status status = MakeError(absl::StatusCode::kInvalidArgument,
                                  ErrorReason::kOAuthInvalidRequest, "bad");
  SetOAuthError(status, "invalid\r\nrequest", "caf\xc3\xa9");

  GrpcStatusParts parts = ToGrpcStatusParts(status);

  EXPECT_THAT(
      parts.trailing_metadata,
      ElementsAre(Pair(kErrorReasonMetadataKey, "oauth_invalid_request"),
                  Pair(kOAuthErrorMetadataKey, "invalid??request"),
                  Pair(kOAuthErrorDescriptionMetadataKey, "caf??")));
}

TEST(StatusConversionTest, AcceptsNullContext) {
  grpc::Status status = ToGrpcStatus(
      MakeError(absl::StatusCode::kPermissionDenied, ErrorReason::kScopeMissing,
                "scope orders/write missing"),
      nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "scope orders/write missing");
}

}  // namespace
}  // namespace authgate::service
