// TokenResponse: what a token endpoint answered (RFC 6749 section 5.1), and
// the mapping of its error answers (section 5.2) to authgate statuses.
//
//   absl::StatusOr<TokenResponse> tokens = client->ExchangeCode(request);
//   if (!tokens.ok()) {
//     std::string error = GetOAuthError(tokens.status());   // "invalid_grant"
//   } else if (tokens->id_token_claims) {
//     Greet(tokens->id_token_claims->subject());
//   }
#ifndef AUTHGATE_TOKEN_RESPONSE_H_
#define AUTHGATE_TOKEN_RESPONSE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "authgate/http_fetcher.h"
#include "authgate/verified_token.h"

namespace authgate {

// A token response is small; a larger one is refused before parsing.
inline constexpr size_t kMaxTokenResponseBytes = 256 * 1024;

// Holds secrets (tokens): never log it. Copyable.
struct TokenResponse {
  std::string access_token;
  std::string token_type;  // "Bearer"
  std::string id_token;    // empty when none was returned
  // The refresh token to use next: the new one, or after a refresh that
  // returned none (Cognito without rotation), the one that was presented.
  std::string refresh_token;
  // True when the provider returned a new refresh token in this response.
  bool refresh_token_rotated = false;
  std::string scope;  // granted scope, when returned
  absl::Duration expires_in = absl::ZeroDuration();  // zero when not given
  absl::Time expires_at = absl::InfiniteFuture();    // receipt + expires_in
  // The ID token after verification (signature, iss, aud = client id, exp,
  // nonce, at_hash). Set whenever id_token is non-empty.
  std::optional<VerifiedToken> id_token_claims;
};

// Parses a 200 response body. `received_at` anchors expires_at. Errors:
// kUnavailable provider_response_too_large / provider_response_invalid (not
// JSON, no access_token, wrong field types, token_type other than Bearer).
absl::StatusOr<TokenResponse> ParseTokenResponse(absl::string_view body,
                                                 absl::Time received_at);

// The status for a non-2xx answer of a token, revocation or userInfo
// endpoint. RFC 6749 section 5.2 / RFC 6750 section 3.1 "error" values
// (from the JSON body, or for userInfo the WWW-Authenticate header) map to:
//   invalid_grant                       kUnauthenticated oauth_invalid_grant
//   invalid_client                      kFailedPrecondition
//   oauth_invalid_client unauthorized_client kFailedPrecondition
//   oauth_unauthorized_client invalid_request, unsupported_grant_type,
//   unsupported_token_type, unsupported_response_type kInvalidArgument
//   oauth_invalid_request invalid_scope                       kInvalidArgument
//   oauth_invalid_scope invalid_token (bearer rejected)     kUnauthenticated
//   oauth_error insufficient_scope, access_denied   kPermissionDenied
//   oauth_error server_error, temporarily_unavailable, or any 5xx
//                                       kUnavailable provider_unavailable
//   any other error value               kFailedPrecondition oauth_error
//   a 4xx without a readable error      kUnavailable provider_response_invalid
// The provider's error and error_description travel as payloads
// (GetOAuthError / GetOAuthErrorDescription, bounded in length); the message
// names `endpoint_name` and the HTTP status, never a request secret.
absl::Status OAuthErrorFromResponse(const HttpResponse& response,
                                    absl::string_view endpoint_name);

// The status for one OAuth `error` value by the mapping above (without the
// HTTP rules), carrying `error` and `error_description` as payloads. The
// message is "<context>: <error>".
absl::Status MakeOAuthError(absl::string_view error,
                            absl::string_view error_description,
                            absl::string_view context);

}  // namespace authgate

#endif  // AUTHGATE_TOKEN_RESPONSE_H_
