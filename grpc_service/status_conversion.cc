#include "grpc_service/status_conversion.h"

#include <string>

#include "authgate/status.h"

namespace authgate::service {
namespace {

// Printable ASCII only: gRPC refuses to send other bytes in a non-"-bin"
// header, and an OAuth error_description comes from the provider.
std::string SanitizeMetadataValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace

grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return grpc::StatusCode::OK;
    case absl::StatusCode::kCancelled:
      return grpc::StatusCode::CANCELLED;
    case absl::StatusCode::kUnknown:
      return grpc::StatusCode::UNKNOWN;
    case absl::StatusCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case absl::StatusCode::kDeadlineExceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case absl::StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case absl::StatusCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case absl::StatusCode::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case absl::StatusCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case absl::StatusCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case absl::StatusCode::kAborted:
      return grpc::StatusCode::ABORTED;
    case absl::StatusCode::kOutOfRange:
      return grpc::StatusCode::OUT_OF_RANGE;
    case absl::StatusCode::kUnimplemented:
      return grpc::StatusCode::UNIMPLEMENTED;
    case absl::StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
    case absl::StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case absl::StatusCode::kDataLoss:
      return grpc::StatusCode::DATA_LOSS;
    case absl::StatusCode::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    default:
      return grpc::StatusCode::UNKNOWN;
  }
}

GrpcStatusParts ToGrpcStatusParts(const absl::Status& status) {
  GrpcStatusParts parts;
  if (status.ok()) return parts;
  parts.status =
      grpc::Status(ToGrpcCode(status.code()), std::string(status.message()));
  ErrorReason reason = GetErrorReason(status);
  if (reason != ErrorReason::kUnspecified) {
    parts.trailing_metadata.emplace_back(kErrorReasonMetadataKey,
                                         std::string(ErrorReasonName(reason)));
  }
  std::string oauth_error = GetOAuthError(status);
  if (!oauth_error.empty()) {
    parts.trailing_metadata.emplace_back(kOAuthErrorMetadataKey,
                                         SanitizeMetadataValue(oauth_error));
    std::string description = GetOAuthErrorDescription(status);
    if (!description.empty()) {
      parts.trailing_metadata.emplace_back(kOAuthErrorDescriptionMetadataKey,
                                           SanitizeMetadataValue(description));
    }
  }
  return parts;
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context) {
  GrpcStatusParts parts = ToGrpcStatusParts(status);
  if (context != nullptr) {
    for (const auto& [key, value] : parts.trailing_metadata) {
      context->AddTrailingMetadata(key, value);
    }
  }
  return parts.status;
}

}  // namespace authgate::service
