// Splitting and decoding a JWS in compact serialization (RFC 7515 section 7.1).
#ifndef AUTHGATE_SRC_COMPACT_JWS_H_
#define AUTHGATE_SRC_COMPACT_JWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate::internal {

// Views into the token; valid while the token is.
struct CompactJws {
  absl::string_view header;         // base64url
  absl::string_view payload;        // base64url
  absl::string_view signature;      // base64url, may be empty (rejected later)
  absl::string_view signing_input;  // header "." payload
};

// kUnauthenticated token_malformed with `message`: the one error every
// structural problem of a token reports.
absl::Status TokenMalformed(absl::string_view message);

// Exactly three segments separated by '.', header and payload non-empty.
// Errors: kUnauthenticated token_too_large when over `max_bytes`,
// token_malformed otherwise.
absl::StatusOr<CompactJws> SplitCompactJws(absl::string_view token,
                                           size_t max_bytes);

// Decodes a base64url segment into `out`, leaving `padding` spare bytes after
// the data (simdjson reads past the end). Returns the decoded size.
// Errors: kUnauthenticated token_malformed naming `what`.
absl::StatusOr<size_t> DecodeSegment(absl::string_view segment,
                                     absl::string_view what, size_t padding,
                                     std::string& out);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_COMPACT_JWS_H_
