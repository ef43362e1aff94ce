// Reading the registered, OIDC and Cognito claims of a JWT payload into typed
// fields in one pass, without building a full JSON tree.
#ifndef AUTHGATE_SRC_TOKEN_CLAIMS_H_
#define AUTHGATE_SRC_TOKEN_CLAIMS_H_

#include "absl/status/status.h"

#include "token_data.h"

namespace authgate::internal {

// `json` holds `size` bytes followed by at least SIMDJSON_PADDING readable
// bytes. Errors (kUnauthenticated token_malformed): not a JSON object, a
// duplicate member, or a known claim of the wrong type.
absl::Status ParseTokenClaims(const char* json, size_t size,
                              TokenClaims& claims);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_TOKEN_CLAIMS_H_
