// Converts authgate's absl::Status into the gRPC status a client sees: the
// one place where that mapping lives (STYLE.md section 9, item 8).
//
// The canonical code is carried 1:1 (absl and gRPC share the numbering), the
// message is passed through unchanged (core messages are safe to show), and
// the stable reason travels in trailing metadata so clients can branch on it
// without parsing text:
//
//   authgate-error-reason              ErrorReasonName(GetErrorReason(s))
//   authgate-oauth-error               GetOAuthError(s), when non-empty
//   authgate-oauth-error-description   GetOAuthErrorDescription(s), when set
//
//   absl::StatusOr<VerifiedToken> token = verifier.Verify(jwt, options);
//   reactor->Finish(ToGrpcStatus(token.status(), context));
#ifndef AUTHGATE_GRPC_SERVICE_STATUS_CONVERSION_H_
#define AUTHGATE_GRPC_SERVICE_STATUS_CONVERSION_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace authgate::service {

inline constexpr char kErrorReasonMetadataKey[] = "authgate-error-reason";
inline constexpr char kOAuthErrorMetadataKey[] = "authgate-oauth-error";
inline constexpr char kOAuthErrorDescriptionMetadataKey[] =
    "authgate-oauth-error-description";

// A converted status plus the trailing metadata that must accompany it.
struct GrpcStatusParts {
  grpc::Status status;
  std::vector<std::pair<std::string, std::string>> trailing_metadata;
};

// The gRPC code with the same meaning (and number) as `code`; codes outside
// the canonical range become UNKNOWN.
grpc::StatusCode ToGrpcCode(absl::StatusCode code);

// Pure conversion, for tests and for callers without a ServerContext. An OK
// status gives grpc::Status::OK and no metadata. A non-OK status gives the
// same code and message; the reason entry is present whenever a reason is
// attached, the OAuth entries only when the provider supplied them. Metadata
// values are made printable ASCII, because gRPC rejects other bytes in
// non-binary headers and provider text is untrusted.
GrpcStatusParts ToGrpcStatusParts(const absl::Status& status);

// Converts `status` and adds its trailing metadata to `context` (may be
// null). Call once, right before Finish().
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_STATUS_CONVERSION_H_
