// Reading the registered, OIDC and Cognito claims of a JWT payload into typed
// fields in one pass, without building a full JSON tree.
#ifndef AUTHGATE_SRC_TOKEN_CLAIMS_H_
#define AUTHGATE_SRC_TOKEN_CLAIMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "token_data.h"

namespace authgate::internal {

// Claims a provider may name as its groups or username claim. They are read
// in the one pass over the payload, before the token is routed to its
// provider, so each candidate is kept until IdentityClaims::Select() picks
// the provider's. They live only while a token is verified, not in the
// TokenData a cache entry holds. A candidate of the wrong type is an error only
// when picked.
struct IdentityClaimCandidates {
  enum Bit : uint8_t {
    kCognitoGroups = 1 << 0,
    kGroups = 1 << 1,
    kCognitoUsername = 1 << 2,
    kUsername = 1 << 3,
    kPreferredUsername = 1 << 4,
  };
  std::vector<std::string> cognito_groups;  // "cognito:groups"
  std::vector<std::string> groups;          // "groups"
  std::string cognito_username;             // "cognito:username"
  std::string username;                     // "username"
  std::string preferred_username;           // "preferred_username"
  uint8_t wrong_type = 0;                   // Bits of mistyped candidates
};

// `json` holds `size` bytes followed by at least SIMDJSON_PADDING readable
// bytes. Errors (kUnauthenticated token_malformed): not a JSON object, nested
// deeper than kMaxJsonDepth (checked while parsing, before any claim is
// read), a duplicate member, or a known claim of the wrong type. Group and
// username candidates are only recorded, in `candidates`.
absl::Status ParseTokenClaims(const char* json, size_t size,
                              TokenClaims& claims,
                              IdentityClaimCandidates& candidates);

// Where one provider's groups and username come from, worked out once when
// the verifier is built so that picking them per token compares no strings.
class IdentityClaims {
 public:
  IdentityClaims(std::string groups_claim, std::string username_claim);

  // Moves the provider's candidates into claims.groups and claims.username
  // (the others stay unused). A claim name with no candidate is read from
  // data.AllClaims(). Errors: kUnauthenticated token_malformed when the
  // provider's claim has the wrong type (groups: an array of strings or one
  // string; username: a string).
  absl::Status Select(IdentityClaimCandidates& candidates,
                      TokenData& data) const;

 private:
  enum class Source : uint8_t {
    kCognitoGroups,
    kGroups,
    kCognitoUsername,  // falls back to "username" (Cognito access tokens)
    kUsername,
    kPreferredUsername,
    kOther,  // any other name: from the lazily parsed full claim set
  };

  std::string groups_claim_;
  std::string username_claim_;
  Source groups_;
  Source username_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_TOKEN_CLAIMS_H_
