#include "authgate/discovery.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "json_util.h"
#include "status_macros.h"

namespace authgate {
namespace {

absl::Status Invalid(absl::string_view message) {
  return MakeError(absl::StatusCode::kUnavailable,
                   ErrorReason::kProviderResponseInvalid, message);
}

// Optional string member: absent or null is "", another type is an error.
absl::Status ReadString(const nlohmann::json& doc, absl::string_view name,
                        std::string& out) {
  absl::StatusOr<std::string> value = internal::json_util::GetString(doc, name);
  if (value.ok()) {
    out = *std::move(value);
    return absl::OkStatus();
  }
  if (absl::IsNotFound(value.status())) return absl::OkStatus();
  auto it = doc.find(std::string(name));
  if (it != doc.end() && it->is_null()) return absl::OkStatus();
  return Invalid(
      absl::StrCat("discovery document field ", name, " is not a string"));
}

absl::Status ReadStringArray(const nlohmann::json& doc, absl::string_view name,
                             std::vector<std::string>& out) {
  absl::StatusOr<std::vector<std::string>> value =
      internal::json_util::GetStringArray(doc, name);
  if (value.ok()) {
    out = *std::move(value);
    return absl::OkStatus();
  }
  if (absl::IsNotFound(value.status())) return absl::OkStatus();
  return Invalid(absl::StrCat("discovery document field ", name,
                              " is not an array of strings"));
}

}  // namespace

std::string DiscoveryUrl(absl::string_view issuer) {
  absl::string_view base = issuer;
  absl::ConsumeSuffix(&base, "/");
  return absl::StrCat(base, "/.well-known/openid-configuration");
}

absl::StatusOr<ProviderMetadata> ParseProviderMetadata(
    absl::string_view json, absl::string_view expected_issuer) {
  if (json.size() > kMaxDiscoveryBytes) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderResponseTooLarge,
                     absl::StrCat("discovery document exceeds ",
                                  kMaxDiscoveryBytes, " bytes"));
  }
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Invalid("discovery document is not a JSON object");
  }
  ProviderMetadata metadata;
  absl::StatusOr<std::string> issuer =
      internal::json_util::GetString(doc, "issuer");
  if (!issuer.ok()) return Invalid("discovery document has no string issuer");
  metadata.issuer = *std::move(issuer);
  // OIDC Discovery 4.3: the issuer returned MUST be identical to the issuer
  // URL used to retrieve it; anything else is an impersonation risk.
  if (metadata.issuer != expected_issuer) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, ErrorReason::kDiscoveryMismatch,
        absl::StrCat("discovery issuer ",
                     internal::json_util::Printable(metadata.issuer),
                     " does not equal configured issuer ",
                     internal::json_util::Printable(expected_issuer)));
  }
  AUTHGATE_RETURN_IF_ERROR(ReadString(doc, "authorization_endpoint",
                                      metadata.authorization_endpoint));
  AUTHGATE_RETURN_IF_ERROR(
      ReadString(doc, "token_endpoint", metadata.token_endpoint));
  AUTHGATE_RETURN_IF_ERROR(
      ReadString(doc, "userinfo_endpoint", metadata.userinfo_endpoint));
  AUTHGATE_RETURN_IF_ERROR(ReadString(doc, "jwks_uri", metadata.jwks_uri));
  AUTHGATE_RETURN_IF_ERROR(
      ReadString(doc, "revocation_endpoint", metadata.revocation_endpoint));
  AUTHGATE_RETURN_IF_ERROR(
      ReadString(doc, "end_session_endpoint", metadata.end_session_endpoint));
  if (metadata.jwks_uri.empty()) {
    return Invalid("discovery document has no jwks_uri");
  }
  AUTHGATE_RETURN_IF_ERROR(
      ReadStringArray(doc, "scopes_supported", metadata.scopes_supported));
  AUTHGATE_RETURN_IF_ERROR(ReadStringArray(doc, "response_types_supported",
                                           metadata.response_types_supported));
  AUTHGATE_RETURN_IF_ERROR(ReadStringArray(doc, "grant_types_supported",
                                           metadata.grant_types_supported));
  AUTHGATE_RETURN_IF_ERROR(
      ReadStringArray(doc, "token_endpoint_auth_methods_supported",
                      metadata.token_endpoint_auth_methods_supported));
  AUTHGATE_RETURN_IF_ERROR(
      ReadStringArray(doc, "code_challenge_methods_supported",
                      metadata.code_challenge_methods_supported));
  AUTHGATE_RETURN_IF_ERROR(
      ReadStringArray(doc, "id_token_signing_alg_values_supported",
                      metadata.id_token_signing_alg_values_supported));
  return metadata;
}

absl::StatusOr<ProviderMetadata> FetchProviderMetadata(HttpFetcher& fetcher,
                                                       absl::string_view issuer,
                                                       absl::Duration timeout) {
  HttpRequest request;
  request.method = "GET";
  request.url = DiscoveryUrl(issuer);
  request.headers = {{"Accept", "application/json"}};
  request.timeout = timeout;
  request.max_response_bytes = kMaxDiscoveryBytes;
  AUTHGATE_ASSIGN_OR_RETURN(HttpResponse response, fetcher.Fetch(request));
  if (response.status_code != 200) {
    return MakeError(
        absl::StatusCode::kUnavailable, ErrorReason::kProviderUnavailable,
        absl::StrCat("discovery for ", internal::json_util::Printable(issuer),
                     " returned HTTP ", response.status_code));
  }
  return ParseProviderMetadata(response.body, issuer);
}

void ApplyEndpointOverrides(const ProviderEndpoints& overrides,
                            ProviderMetadata& metadata) {
  auto apply = [](const std::string& from, std::string& to) {
    if (!from.empty()) to = from;
  };
  apply(overrides.authorization_endpoint, metadata.authorization_endpoint);
  apply(overrides.token_endpoint, metadata.token_endpoint);
  apply(overrides.userinfo_endpoint, metadata.userinfo_endpoint);
  apply(overrides.revocation_endpoint, metadata.revocation_endpoint);
  apply(overrides.end_session_endpoint, metadata.end_session_endpoint);
  apply(overrides.jwks_uri, metadata.jwks_uri);
}

}  // namespace authgate
