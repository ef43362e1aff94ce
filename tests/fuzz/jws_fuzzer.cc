// libFuzzer target: the compact JWS splitter and the JOSE header and claims
// parsers. Each input is tried twice: as a whole token (split, base64url,
// header, claims, and DecodeUnverified as the CLI uses it), and as raw JSON
// given straight to the header and claims parsers, so mutations of JSON need
// not survive base64url first.
#include <cstdint>
#include <string>

#include "simdjson.h"

#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "compact_jws.h"
#include "fuzz_check.h"
#include "jose_header.h"
#include "token_claims.h"

namespace {

using authgate::fuzz::CheckTyped;
using authgate::fuzz::Require;

void ParseJson(const char* json, size_t size) {
  auto header = authgate::internal::ParseJoseHeader(json, size);
  CheckTyped(header.status(), "ParseJoseHeader");
  authgate::internal::TokenClaims claims;
  authgate::internal::IdentityClaimCandidates candidates;
  CheckTyped(
      authgate::internal::ParseTokenClaims(json, size, claims, candidates),
      "ParseTokenClaims");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  auto jws =
      authgate::internal::SplitCompactJws(input, authgate::kMaxTokenBytes);
  CheckTyped(jws.status(), "SplitCompactJws");
  if (jws.ok()) {
    Require(jws->signing_input.size() ==
                jws->header.size() + 1 + jws->payload.size(),
            "signing input is header.payload");
    std::string bytes;
    auto header_size = authgate::internal::DecodeSegment(
        jws->header, "header", simdjson::SIMDJSON_PADDING, bytes);
    CheckTyped(header_size.status(), "DecodeSegment");
    if (header_size.ok()) {
      Require(bytes.size() >= *header_size + simdjson::SIMDJSON_PADDING,
              "decoded segment keeps its padding");
      ParseJson(bytes.data(), *header_size);
    }
    auto payload_size = authgate::internal::DecodeSegment(
        jws->payload, "payload", simdjson::SIMDJSON_PADDING, bytes);
    CheckTyped(payload_size.status(), "DecodeSegment");
    if (payload_size.ok()) ParseJson(bytes.data(), *payload_size);
  }
  auto unverified = authgate::DecodeUnverified(input);
  CheckTyped(unverified.status(), "DecodeUnverified");
  if (unverified.ok()) {
    Require(unverified->header.is_object() && unverified->claims.is_object(),
            "decoded header and claims are objects");
  }

  // The same bytes as JSON, with the padding simdjson reads past the end.
  std::string padded = input;
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  ParseJson(padded.data(), size);
  return 0;
}
