// Reading the registered, OIDC and Cognito claims of a JWT payload into typed
// fields in one pass, without building a full JSON tree.
#ifndef AUTHGATE_SRC_TOKEN_CLAIMS_H_
#define AUTHGATE_SRC_TOKEN_CLAIMS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "token_data.h"

namespace authgate::internal {

// `json` holds `size` bytes followed by at least SIMDJSON_PADDING readable
// bytes. Errors (kUnauthenticated token_malformed): not a JSON object, nested
// deeper than kMaxJsonDepth (checked while parsing, before any claim is
// read), a duplicate member, or a known claim of the wrong type. Group and
// username candidates are only recorded (see IdentityClaimCandidates).
absl::Status ParseTokenClaims(const char* json, size_t size,
                              TokenClaims& claims);

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
  absl::Status Select(TokenData& data) const;

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
