#include "compact_jws.h"

#include "absl/strings/str_cat.h"

#include "authgate/status.h"
#include "base64url.h"

namespace authgate::internal {
absl::Status TokenMalformed(absl::string_view message) {
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kTokenMalformed, message);
}

absl::StatusOr<CompactJws> SplitCompactJws(absl::string_view token,
                                           size_t max_bytes) {
  // The limit comes before any decoding, so size alone bounds the work.
  if (token.size() > max_bytes) {
    return MakeError(
        absl::StatusCode::kUnauthenticated, ErrorReason::kTokenTooLarge,
        absl::StrCat("token is larger than ", max_bytes, " bytes"));
  }
  if (token.empty()) return TokenMalformed("token is empty");
  size_t first = token.find('.');
  if (first == absl::string_view::npos) {
    return TokenMalformed("token is not a compact JWS (no '.')");
  }
  size_t second = token.find('.', first + 1);
  if (second == absl::string_view::npos) {
    return TokenMalformed("token has 2 segments, expected 3");
  }
  // RFC 7516 tokens (JWE) have five segments; anything but three is refused.
  if (token.find('.', second + 1) != absl::string_view::npos) {
    return TokenMalformed("token has more than 3 segments");
  }
  CompactJws jws;
  jws.header = token.substr(0, first);
  jws.payload = token.substr(first + 1, second - first - 1);
  jws.signature = token.substr(second + 1);
  jws.signing_input = token.substr(0, second);
  if (jws.header.empty() || jws.payload.empty()) {
    return TokenMalformed("token has an empty header or payload segment");
  }
  return jws;
}

absl::StatusOr<size_t> DecodeSegment(absl::string_view segment,
                                     absl::string_view what, size_t padding,
                                     std::string& out) {
  out.resize(Base64UrlDecodedSize(segment.size()) + padding);
  std::optional<size_t> size = Base64UrlDecodeInto(segment, out.data());
  if (!size.has_value()) {
    return TokenMalformed(absl::StrCat("token ", what, " is not base64url"));
  }
  return *size;
}

}  // namespace authgate::internal
