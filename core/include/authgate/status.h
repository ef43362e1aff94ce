// Error model: absl::Status with a canonical code plus a stable ErrorReason.
//
// Every fallible authgate function returns absl::Status or absl::StatusOr<T>.
// The canonical code tells a caller what to do (401 vs 403 vs 503 ...); the
// ErrorReason, attached as a status payload, tells it exactly what failed.
// Reason names are API (gRPC metadata, Python `.reason`, metric labels): never
// rename one, only add. Messages are safe to show: they never contain a token,
// a code, a secret or a whole claim set.
//
//   absl::Status s = MakeError(absl::StatusCode::kUnauthenticated,
//                              ErrorReason::kTokenExpired, "token expired");
//   if (GetErrorReason(s) == ErrorReason::kTokenExpired) { ... }
//   std::cout << ErrorReasonName(GetErrorReason(s));   // "token_expired"
#ifndef AUTHGATE_STATUS_H_
#define AUTHGATE_STATUS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace authgate {

enum class ErrorReason {
  kUnspecified = 0,
  // The presented token is not acceptable (kUnauthenticated).
  kTokenMalformed,
  kTokenTooLarge,
  kAlgNotAllowed,
  kCritUnsupported,
  kKeyNotFound,
  kSignatureInvalid,
  kTokenExpired,
  kTokenNotYetValid,
  kTokenIssuedInFuture,
  kTokenLifetimeTooLong,
  kIssuerMismatch,
  kAudienceMismatch,
  kAzpMismatch,
  kTokenUseMismatch,
  kTokenTypeMismatch,
  kNonceMismatch,
  kAtHashMismatch,
  kClaimMismatch,
  kClaimMissing,
  // The token is valid but lacks what the caller requires (kPermissionDenied).
  kScopeMissing,
  kGroupMissing,
  // The caller passed a bad argument (kInvalidArgument).
  kInvalidArgument,
  // Configuration is wrong (kFailedPrecondition / kInvalidArgument at set-up).
  kConfigInvalid,
  kDiscoveryMismatch,
  kJwksInvalid,
  // The identity provider could not be used (kUnavailable / kDeadlineExceeded).
  kProviderUnavailable,
  kProviderTimeout,
  kProviderResponseInvalid,
  kProviderResponseTooLarge,
  // The identity provider refused an OAuth request.
  kOAuthInvalidGrant,
  kOAuthInvalidClient,
  kOAuthInvalidRequest,
  kOAuthInvalidScope,
  kOAuthUnauthorizedClient,
  kOAuthError,
  // Local state does not allow the request (e.g. state mismatch on callback).
  kStateMismatch,
  // The browser face (authgate-server's HTTP endpoints, docs/web.md).
  // No session cookie, or it names no stored session (kUnauthenticated).
  kSessionMissing,
  // A session or sign-in cookie that no configured key opens, or whose
  // contents are not a session (tampered, truncated, swapped, retired key).
  kSessionInvalid,
  // The session ended: past its lifetime, or its refresh was refused.
  kSessionExpired,
  // A return URL outside the allowed domains (an open redirect refused).
  kRedirectNotAllowed,
  // The session store (Redis) could not be used (kUnavailable).
  kSessionStoreUnavailable,
  // A sign-out from another site (kPermissionDenied).
  kCrossSiteRequest,
  // A bug or broken invariant (kInternal).
  kInternal,
};

// The status payload type URL under which the reason name is stored.
inline constexpr absl::string_view kErrorReasonPayloadKey =
    "type.authgate.dev/authgate.ErrorReason";
// Payloads carrying an OAuth provider's own `error` and `error_description`.
inline constexpr absl::string_view kOAuthErrorPayloadKey =
    "type.authgate.dev/authgate.OAuthError";
inline constexpr absl::string_view kOAuthErrorDescriptionPayloadKey =
    "type.authgate.dev/authgate.OAuthErrorDescription";

// Stable snake_case name of a reason, e.g. "token_expired".
absl::string_view ErrorReasonName(ErrorReason reason);

// Inverse of ErrorReasonName; nullopt for an unknown name.
std::optional<ErrorReason> ErrorReasonFromName(absl::string_view name);

// Builds a non-OK status carrying `reason`. `code` must not be kOk.
absl::Status MakeError(absl::StatusCode code, ErrorReason reason,
                       absl::string_view message);

// The reason attached to `status`: kUnspecified when OK or none attached.
ErrorReason GetErrorReason(const absl::Status& status);

// Attaches the provider's OAuth `error` / `error_description` (RFC 6749
// section 5.2) to `status`, truncated to a safe length.
void SetOAuthError(absl::Status& status, absl::string_view error,
                   absl::string_view error_description);

// The provider's OAuth error code and description, empty when none.
std::string GetOAuthError(const absl::Status& status);
std::string GetOAuthErrorDescription(const absl::Status& status);

}  // namespace authgate

#endif  // AUTHGATE_STATUS_H_
