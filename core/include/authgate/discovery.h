// OpenID Connect Discovery 1.0: a provider's metadata document.
//
// The document's "issuer" must equal the configured issuer exactly (OIDC
// Discovery section 4.3), byte for byte: no trailing-slash or case games.
//
//   absl::StatusOr<ProviderMetadata> metadata = FetchProviderMetadata(
//       *fetcher, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X");
//   if (!metadata.ok()) return metadata.status();   // e.g. discovery_mismatch
//   ApplyEndpointOverrides(config.endpoints, *metadata);
//   Use(metadata->jwks_uri);
#ifndef AUTHGATE_DISCOVERY_H_
#define AUTHGATE_DISCOVERY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "authgate/http_fetcher.h"
#include "authgate/provider_config.h"

namespace authgate {

// A larger discovery document is refused before parsing.
inline constexpr size_t kMaxDiscoveryBytes = 64 * 1024;

struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;
  std::string jwks_uri;
  std::string revocation_endpoint;
  std::string end_session_endpoint;
  std::vector<std::string> scopes_supported;
  std::vector<std::string> response_types_supported;
  std::vector<std::string> grant_types_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> id_token_signing_alg_values_supported;
};

// "{issuer}/.well-known/openid-configuration" (one trailing slash of the
// issuer is dropped first, as OIDC Discovery section 4.1 says).
std::string DiscoveryUrl(absl::string_view issuer);

// Parses a discovery document and checks it against `expected_issuer`.
// Errors:
//   kUnavailable provider_response_too_large  over kMaxDiscoveryBytes
//   kUnavailable provider_response_invalid    not a JSON object, "issuer" or
//                                             "jwks_uri" missing, a field of
//                                             the wrong type
//   kFailedPrecondition discovery_mismatch    "issuer" differs from
//                                             expected_issuer (both named)
absl::StatusOr<ProviderMetadata> ParseProviderMetadata(
    absl::string_view json, absl::string_view expected_issuer);

// GETs DiscoveryUrl(issuer) and parses it. Errors: those of
// ParseProviderMetadata, plus kUnavailable provider_unavailable (transport
// failure or a non-200 status, which is named) and kDeadlineExceeded
// provider_timeout.
absl::StatusOr<ProviderMetadata> FetchProviderMetadata(
    HttpFetcher& fetcher, absl::string_view issuer,
    absl::Duration timeout = absl::Seconds(5));

// Copies every non-empty field of `overrides` over `metadata`.
void ApplyEndpointOverrides(const ProviderEndpoints& overrides,
                            ProviderMetadata& metadata);

}  // namespace authgate

#endif  // AUTHGATE_DISCOVERY_H_
