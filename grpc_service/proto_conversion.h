// Conversions between authgate.v1 protos and core types. Pure functions: no
// policy lives here, only shape changes, so the handlers stay three lines of
// "convert, call the core, finish".
#ifndef AUTHGATE_GRPC_SERVICE_PROTO_CONVERSION_H_
#define AUTHGATE_GRPC_SERVICE_PROTO_CONVERSION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"

#include "authgate/token_response.h"
#include "authgate/token_verifier.h"
#include "authgate/v1/auth_service.pb.h"
#include "authgate/verified_token.h"

namespace authgate::service {

// The credentials of an Authorization header value in the Bearer scheme
// (RFC 6750 section 2.1: "Bearer" matched case-insensitively, RFC 7235
// section 2.1), then exactly one space, then the token as is: nothing is
// trimmed, so "Bearer  <jwt>" or "Bearer <jwt> " hands the core a token it
// calls malformed. nullopt when the value is not in the Bearer scheme (no
// bearer token at all, e.g. "Basic ..." or a lone "Bearer").
std::optional<absl::string_view> BearerCredentials(absl::string_view header);

// For GetUserInfo's access_token, which is only forwarded to the provider:
// "Bearer <jwt>" (scheme matched case-insensitively) or a bare token, with
// surrounding whitespace dropped. Token verification never uses this.
absl::string_view StripBearer(absl::string_view value);

// Per-call requirements of a ValidateToken request.
VerifyOptions ToVerifyOptions(const v1::ValidateTokenRequest& request);

// Maps MATCH_MODE_UNSPECIFIED to `default_match`.
Match ToMatch(v1::MatchMode mode, Match default_match);

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out);

void FillPrincipal(const VerifiedToken& token, v1::Principal* out);

// A JSON object as a Struct (numbers become doubles, as Struct requires).
void JsonToStruct(const nlohmann::json& object, google::protobuf::Struct* out);

// The same from JSON text (a verified token's payload_json()), parsed with
// simdjson: several times cheaper than building an nlohmann tree first, and
// this runs once per validation. False (and `out` cleared) when the text is
// not a JSON object.
bool JsonTextToStruct(absl::string_view json, google::protobuf::Struct* out);

// The protobuf wire encoding of the Struct JsonTextToStruct would build,
// written straight from the parsed JSON; nullopt when the text is not a JSON
// object. ValidateToken sends claims this way: building the Struct's map only
// to serialize it again was the largest cost authgate added to a cached
// validation.
std::optional<std::string> JsonTextToStructBytes(absl::string_view json);

void FillTokenSet(const TokenResponse& response, v1::TokenSet* out);

// Splits a space-separated scope string ("openid email") into its scopes.
std::vector<std::string> SplitScopes(absl::string_view scope);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_PROTO_CONVERSION_H_
