#include "authgate/unverified_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "compact_jws.h"
#include "crypto/digest.h"
#include "json_util.h"
#include "status_macros.h"

namespace authgate {
namespace {

absl::StatusOr<nlohmann::json> DecodeObject(absl::string_view segment,
                                            absl::string_view what) {
  std::string bytes;
  AUTHGATE_ASSIGN_OR_RETURN(size_t size,
                            internal::DecodeSegment(segment, what, 0, bytes));
  bytes.resize(size);
  // The same bound as verification: no face may emit what protobuf and
  // JSON readers downstream cannot parse back.
  if (internal::json_util::NestsDeeperThan(bytes, kMaxJsonDepth)) {
    return internal::TokenMalformed(absl::StrCat(
        "token ", what, " nests deeper than ", kMaxJsonDepth, " levels"));
  }
  absl::StatusOr<nlohmann::json> object =
      internal::json_util::ParseObject(bytes);
  if (!object.ok()) {
    return internal::TokenMalformed(
        absl::StrCat("token ", what, " is not a JSON object"));
  }
  return object;
}

}  // namespace

absl::StatusOr<UnverifiedToken> DecodeUnverified(absl::string_view token) {
  AUTHGATE_ASSIGN_OR_RETURN(internal::CompactJws jws,
                            internal::SplitCompactJws(token, kMaxTokenBytes));
  UnverifiedToken result;
  AUTHGATE_ASSIGN_OR_RETURN(result.header, DecodeObject(jws.header, "header"));
  AUTHGATE_ASSIGN_OR_RETURN(result.claims,
                            DecodeObject(jws.payload, "payload"));
  return result;
}

std::string TokenFingerprint(absl::string_view token) {
  return absl::BytesToHexString(internal::Sha256(token)).substr(0, 12);
}

}  // namespace authgate
