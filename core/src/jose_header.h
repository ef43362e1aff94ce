// The JOSE header of a JWS (RFC 7515 section 4), reduced to what verification
// may use: the algorithm, the key id and the media type.
#ifndef AUTHGATE_SRC_JOSE_HEADER_H_
#define AUTHGATE_SRC_JOSE_HEADER_H_

#include <string>

#include "absl/status/statusor.h"

#include "authgate/algorithm.h"

namespace authgate::internal {

struct JoseHeader {
  Algorithm alg = Algorithm::kRs256;
  std::string kid;  // empty when absent (an empty "kid" is refused)
  std::string typ;  // as sent; empty when absent
};

// Parses the decoded header: `json` holds `size` bytes followed by at least
// SIMDJSON_PADDING readable bytes. Errors (kUnauthenticated): token_malformed
// (not an object, nested deeper than kMaxJsonDepth, duplicate member, wrong
// types (alg, kid, typ must be strings), an empty kid, "b64" not true),
// alg_not_allowed ("alg" missing, "none" or unknown), crit_unsupported.
absl::StatusOr<JoseHeader> ParseJoseHeader(const char* json, size_t size);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_JOSE_HEADER_H_
