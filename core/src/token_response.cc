#include "authgate/token_response.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "json_util.h"

namespace authgate {
namespace {

absl::Status Invalid(absl::string_view message) {
  return MakeError(absl::StatusCode::kUnavailable,
                   ErrorReason::kProviderResponseInvalid, message);
}

// Optional string member; absent or null gives "".
absl::Status OptionalString(const nlohmann::json& doc, const char* name,
                            std::string& out) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) {
    return Invalid(
        absl::StrCat("token response field ", name, " is not a string"));
  }
  out = it->get<std::string>();
  return absl::OkStatus();
}

// RFC 6750 section 3: error="..." inside a WWW-Authenticate Bearer challenge.
std::string ChallengeParam(absl::string_view header, absl::string_view name) {
  std::string key = absl::StrCat(name, "=");
  size_t pos = 0;
  while ((pos = header.find(key, pos)) != absl::string_view::npos) {
    bool at_boundary = pos == 0 || header[pos - 1] == ' ' ||
                       header[pos - 1] == ',' || header[pos - 1] == '\t';
    pos += key.size();
    if (!at_boundary) continue;
    absl::string_view rest = header.substr(pos);
    if (absl::ConsumePrefix(&rest, "\"")) {
      size_t end = rest.find('"');
      return std::string(rest.substr(0, end));
    }
    size_t end = rest.find_first_of(", ");
    return std::string(rest.substr(0, end));
  }
  return "";
}

struct Mapping {
  absl::StatusCode code;
  ErrorReason reason;
};

Mapping MapOAuthError(absl::string_view error) {
  using C = absl::StatusCode;
  using R = ErrorReason;
  // RFC 6749 section 5.2 and RFC 7009 section 2.2.1 error codes.
  if (error == "invalid_grant")
    return {C::kUnauthenticated, R::kOAuthInvalidGrant};
  if (error == "invalid_client") {
    return {C::kFailedPrecondition, R::kOAuthInvalidClient};
  }
  if (error == "unauthorized_client") {
    return {C::kFailedPrecondition, R::kOAuthUnauthorizedClient};
  }
  if (error == "invalid_request" || error == "unsupported_grant_type" ||
      error == "unsupported_token_type" ||
      error == "unsupported_response_type") {
    return {C::kInvalidArgument, R::kOAuthInvalidRequest};
  }
  if (error == "invalid_scope")
    return {C::kInvalidArgument, R::kOAuthInvalidScope};
  // RFC 6750 section 3.1: the bearer token itself was rejected.
  if (error == "invalid_token") return {C::kUnauthenticated, R::kOAuthError};
  if (error == "insufficient_scope" || error == "access_denied") {
    return {C::kPermissionDenied, R::kOAuthError};
  }
  if (error == "server_error" || error == "temporarily_unavailable") {
    return {C::kUnavailable, R::kProviderUnavailable};
  }
  return {C::kFailedPrecondition, R::kOAuthError};
}

}  // namespace

absl::StatusOr<TokenResponse> ParseTokenResponse(absl::string_view body,
                                                 absl::Time received_at) {
  if (body.size() > kMaxTokenResponseBytes) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderResponseTooLarge,
                     absl::StrCat("token response exceeds ",
                                  kMaxTokenResponseBytes, " bytes"));
  }
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Invalid("token response is not a JSON object");
  }
  TokenResponse out;
  absl::Status status = OptionalString(doc, "access_token", out.access_token);
  if (!status.ok()) return status;
  if (out.access_token.empty())
    return Invalid("token response has no access_token");
  for (const auto& [name, field] :
       {std::pair<const char*, std::string*>{"token_type", &out.token_type},
        {"id_token", &out.id_token},
        {"refresh_token", &out.refresh_token},
        {"scope", &out.scope}}) {
    status = OptionalString(doc, name, *field);
    if (!status.ok()) return status;
  }
  // RFC 6749 section 7.1 / RFC 6750: only bearer tokens are understood.
  if (!absl::EqualsIgnoreCase(out.token_type, "Bearer")) {
    return Invalid(absl::StrCat(
        "token_type ", internal::json_util::Printable(out.token_type, 32),
        " is not Bearer"));
  }
  out.refresh_token_rotated = !out.refresh_token.empty();
  auto it = doc.find("expires_in");
  if (it != doc.end() && !it->is_null()) {
    int64_t seconds = -1;
    if (it->is_number_integer()) {
      seconds = it->get<int64_t>();
    } else if (it->is_number_float()) {
      seconds = static_cast<int64_t>(it->get<double>());
    } else if (it->is_string()) {
      // Some providers send the number as a string.
      if (!absl::SimpleAtoi(it->get<std::string>(), &seconds)) seconds = -1;
    }
    if (seconds < 0 || seconds > int64_t{10} * 365 * 24 * 3600) {
      return Invalid("token response expires_in is not a valid number");
    }
    out.expires_in = absl::Seconds(seconds);
    out.expires_at = received_at + out.expires_in;
  }
  return out;
}

absl::Status MakeOAuthError(absl::string_view error,
                            absl::string_view error_description,
                            absl::string_view context) {
  Mapping mapping = MapOAuthError(error);
  absl::Status status = MakeError(
      mapping.code, mapping.reason,
      absl::StrCat(context, ": ", internal::json_util::Printable(error, 64)));
  SetOAuthError(status, error, error_description);
  return status;
}

absl::Status OAuthErrorFromResponse(const HttpResponse& response,
                                    absl::string_view endpoint_name) {
  std::string error;
  std::string description;
  nlohmann::json doc =
      nlohmann::json::parse(response.body.begin(), response.body.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (!doc.is_discarded() && doc.is_object()) {
    auto e = doc.find("error");
    if (e != doc.end() && e->is_string()) error = e->get<std::string>();
    auto d = doc.find("error_description");
    if (d != doc.end() && d->is_string()) description = d->get<std::string>();
  }
  if (error.empty()) {
    std::string challenge = response.Header("www-authenticate");
    if (!challenge.empty()) {
      error = ChallengeParam(challenge, "error");
      description = ChallengeParam(challenge, "error_description");
    }
  }
  std::string printable_error = internal::json_util::Printable(error, 64);
  absl::Status status;
  if (response.status_code >= 500) {
    status = MakeError(
        absl::StatusCode::kUnavailable, ErrorReason::kProviderUnavailable,
        absl::StrCat(endpoint_name, " returned HTTP ", response.status_code,
                     error.empty() ? "" : ": ", printable_error));
  } else if (error.empty()) {
    status = MakeError(
        absl::StatusCode::kUnavailable, ErrorReason::kProviderResponseInvalid,
        absl::StrCat(endpoint_name, " returned HTTP ", response.status_code,
                     " without an OAuth error"));
  } else {
    Mapping mapping = MapOAuthError(error);
    status =
        MakeError(mapping.code, mapping.reason,
                  absl::StrCat(endpoint_name, " returned HTTP ",
                               response.status_code, ": ", printable_error));
  }
  if (!error.empty()) SetOAuthError(status, error, description);
  return status;
}

}  // namespace authgate
