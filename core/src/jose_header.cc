#include "jose_header.h"

#include "absl/strings/str_cat.h"
#include "simdjson_util.h"

#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "compact_jws.h"
#include "json_util.h"

namespace authgate::internal {
absl::StatusOr<JoseHeader> ParseJoseHeader(const char* json, size_t size) {
  simdjson::dom::object object;
  switch (ParseJsonObject(json, size, kMaxJsonDepth, object)) {
    case JsonObjectParse::kOk:
      break;
    case JsonObjectParse::kNotAnObject:
      return TokenMalformed("token header is not a JSON object");
    case JsonObjectParse::kDuplicateMember:
      return TokenMalformed("token header has a duplicate member");
    case JsonObjectParse::kTooDeep:
      // kMaxJsonDepth: deeper JSON would not fit a google.protobuf.Struct
      // under protobuf's recursion limit, nor should recursive code see it.
      return TokenMalformed(absl::StrCat("token header nests deeper than ",
                                         kMaxJsonDepth, " levels"));
  }
  JoseHeader header;
  bool has_alg = false;
  std::string_view alg_name;
  for (simdjson::dom::key_value_pair member : object) {
    std::string_view key = member.key;
    if (key == "alg") {
      if (member.value.get_string().get(alg_name) != simdjson::SUCCESS) {
        return TokenMalformed("token header alg is not a string");
      }
      has_alg = true;
    } else if (key == "kid") {
      std::string_view kid;
      if (member.value.get_string().get(kid) != simdjson::SUCCESS) {
        return TokenMalformed("token header kid is not a string");
      }
      // RFC 7515 section 4.1.4: a kid names a key; an empty one names none
      // and must not pass for "no kid", which selects a key by other rules.
      if (kid.empty()) return TokenMalformed("kid is empty");
      header.kid = std::string(kid);
    } else if (key == "typ") {
      std::string_view typ;
      if (member.value.get_string().get(typ) != simdjson::SUCCESS) {
        return TokenMalformed("token header typ is not a string");
      }
      header.typ = std::string(typ);
    } else if (key == "crit") {
      // RFC 7515 section 4.1.11: a recipient must reject critical extensions
      // it does not understand, and authgate understands none.
      return MakeError(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kCritUnsupported,
                       "token header lists critical extensions");
    } else if (key == "b64") {
      // RFC 7797: an unencoded payload changes what is signed; never honour
      // it, with or without "crit".
      bool b64;
      if (member.value.get_bool().get(b64) != simdjson::SUCCESS || !b64) {
        return TokenMalformed(
            "token header b64 other than true is not supported");
      }
    }
    // RFC 8725 section 3.10 and Cognito's guide: "jku", "x5u", "jwk" and
    // "x5c" are never used to find a key; keys come only from configuration.
  }
  // RFC 8725 section 3.1: only algorithms on our list; "none" is not one.
  if (!has_alg) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kAlgNotAllowed, "token header has no alg");
  }
  std::optional<Algorithm> alg = AlgorithmFromName(ToAbsl(alg_name));
  if (!alg.has_value()) {
    return MakeError(
        absl::StatusCode::kUnauthenticated, ErrorReason::kAlgNotAllowed,
        absl::StrCat("alg ", json_util::Printable(ToAbsl(alg_name), 16),
                     " is not supported"));
  }
  header.alg = *alg;
  return header;
}

}  // namespace authgate::internal
