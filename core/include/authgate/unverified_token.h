// Decoding a token without trusting it: for inspection and for routing only.
// Nothing read here may be used to make an access decision.
//
//   absl::StatusOr<UnverifiedToken> t = DecodeUnverified(jwt);
//   std::cout << t->header.dump() << t->claims.dump();
#ifndef AUTHGATE_UNVERIFIED_TOKEN_H_
#define AUTHGATE_UNVERIFIED_TOKEN_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace authgate {

struct UnverifiedToken {
  nlohmann::json header;  // JOSE header object
  nlohmann::json claims;  // payload object
};

// Splits and decodes a compact JWS (size limit, strict base64url, JSON
// objects). Errors: kUnauthenticated token_too_large / token_malformed.
absl::StatusOr<UnverifiedToken> DecodeUnverified(absl::string_view token);

// First 12 hex digits of SHA-256 of the token: safe to log, good to correlate.
std::string TokenFingerprint(absl::string_view token);

}  // namespace authgate

#endif  // AUTHGATE_UNVERIFIED_TOKEN_H_
