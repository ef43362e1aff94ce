#include "authgate/status.h"

#include <array>
#include <utility>

#include "absl/strings/cord.h"

namespace authgate {
namespace {

// Indexed by ErrorReason; the strings are API and never change.
constexpr std::array<std::pair<ErrorReason, absl::string_view>, 44> kNames = {{
    {ErrorReason::kUnspecified, "unspecified"},
    {ErrorReason::kTokenMalformed, "token_malformed"},
    {ErrorReason::kTokenTooLarge, "token_too_large"},
    {ErrorReason::kAlgNotAllowed, "alg_not_allowed"},
    {ErrorReason::kCritUnsupported, "crit_unsupported"},
    {ErrorReason::kKeyNotFound, "key_not_found"},
    {ErrorReason::kSignatureInvalid, "signature_invalid"},
    {ErrorReason::kTokenExpired, "token_expired"},
    {ErrorReason::kTokenNotYetValid, "token_not_yet_valid"},
    {ErrorReason::kTokenIssuedInFuture, "token_issued_in_future"},
    {ErrorReason::kTokenLifetimeTooLong, "token_lifetime_too_long"},
    {ErrorReason::kIssuerMismatch, "issuer_mismatch"},
    {ErrorReason::kAudienceMismatch, "audience_mismatch"},
    {ErrorReason::kAzpMismatch, "azp_mismatch"},
    {ErrorReason::kTokenUseMismatch, "token_use_mismatch"},
    {ErrorReason::kTokenTypeMismatch, "token_type_mismatch"},
    {ErrorReason::kNonceMismatch, "nonce_mismatch"},
    {ErrorReason::kAtHashMismatch, "at_hash_mismatch"},
    {ErrorReason::kClaimMismatch, "claim_mismatch"},
    {ErrorReason::kClaimMissing, "claim_missing"},
    {ErrorReason::kScopeMissing, "scope_missing"},
    {ErrorReason::kGroupMissing, "group_missing"},
    {ErrorReason::kInvalidArgument, "invalid_argument"},
    {ErrorReason::kConfigInvalid, "config_invalid"},
    {ErrorReason::kDiscoveryMismatch, "discovery_mismatch"},
    {ErrorReason::kJwksInvalid, "jwks_invalid"},
    {ErrorReason::kProviderUnavailable, "provider_unavailable"},
    {ErrorReason::kProviderTimeout, "provider_timeout"},
    {ErrorReason::kProviderResponseInvalid, "provider_response_invalid"},
    {ErrorReason::kProviderResponseTooLarge, "provider_response_too_large"},
    {ErrorReason::kOAuthInvalidGrant, "oauth_invalid_grant"},
    {ErrorReason::kOAuthInvalidClient, "oauth_invalid_client"},
    {ErrorReason::kOAuthInvalidRequest, "oauth_invalid_request"},
    {ErrorReason::kOAuthInvalidScope, "oauth_invalid_scope"},
    {ErrorReason::kOAuthUnauthorizedClient, "oauth_unauthorized_client"},
    {ErrorReason::kOAuthError, "oauth_error"},
    {ErrorReason::kStateMismatch, "state_mismatch"},
    {ErrorReason::kSessionMissing, "session_missing"},
    {ErrorReason::kSessionInvalid, "session_invalid"},
    {ErrorReason::kSessionExpired, "session_expired"},
    {ErrorReason::kRedirectNotAllowed, "redirect_not_allowed"},
    {ErrorReason::kSessionStoreUnavailable, "session_store_unavailable"},
    {ErrorReason::kCrossSiteRequest, "cross_site_request"},
    {ErrorReason::kInternal, "internal"},
}};

constexpr bool TableMatchesEnum() {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (static_cast<size_t>(kNames[i].first) != i) return false;
  }
  return static_cast<size_t>(ErrorReason::kInternal) + 1 == kNames.size();
}
static_assert(TableMatchesEnum(),
              "kNames must list every ErrorReason in order");

// Provider-supplied strings are bounded before they travel further.
constexpr size_t kMaxOAuthErrorChars = 256;

std::string PayloadString(const absl::Status& status, absl::string_view key) {
  absl::optional<absl::Cord> payload = status.GetPayload(key);
  return payload.has_value() ? std::string(*payload) : std::string();
}

}  // namespace

absl::string_view ErrorReasonName(ErrorReason reason) {
  size_t index = static_cast<size_t>(reason);
  return index < kNames.size() ? kNames[index].second : "unspecified";
}

std::optional<ErrorReason> ErrorReasonFromName(absl::string_view name) {
  for (const auto& [reason, reason_name] : kNames) {
    if (reason_name == name) return reason;
  }
  return std::nullopt;
}

absl::Status MakeError(absl::StatusCode code, ErrorReason reason,
                       absl::string_view message) {
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kInternal;
  absl::Status status(code, message);
  status.SetPayload(kErrorReasonPayloadKey,
                    absl::Cord(ErrorReasonName(reason)));
  return status;
}

ErrorReason GetErrorReason(const absl::Status& status) {
  if (status.ok()) return ErrorReason::kUnspecified;
  absl::optional<absl::Cord> payload =
      status.GetPayload(kErrorReasonPayloadKey);
  if (!payload.has_value()) return ErrorReason::kUnspecified;
  return ErrorReasonFromName(std::string(*payload))
      .value_or(ErrorReason::kUnspecified);
}

void SetOAuthError(absl::Status& status, absl::string_view error,
                   absl::string_view error_description) {
  if (status.ok()) return;
  status.SetPayload(kOAuthErrorPayloadKey,
                    absl::Cord(error.substr(0, kMaxOAuthErrorChars)));
  status.SetPayload(
      kOAuthErrorDescriptionPayloadKey,
      absl::Cord(error_description.substr(0, kMaxOAuthErrorChars)));
}

std::string GetOAuthError(const absl::Status& status) {
  return PayloadString(status, kOAuthErrorPayloadKey);
}

std::string GetOAuthErrorDescription(const absl::Status& status) {
  return PayloadString(status, kOAuthErrorDescriptionPayloadKey);
}

}  // namespace authgate
