// PKCE (RFC 7636), state and nonce: random generation kept apart from pure
// derivation, so the derivation is tested against the RFC's vector.
//
//   AUTHGATE_ASSIGN_OR_RETURN(std::string verifier, GenerateCodeVerifier());
//   std::string challenge = PkceS256Challenge(verifier);   // pure
//   AUTHGATE_ASSIGN_OR_RETURN(std::string state, GenerateState());
#ifndef AUTHGATE_PKCE_H_
#define AUTHGATE_PKCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate {

// Only S256 is used: Cognito does not support "plain" and RFC 7636 section
// 7.2 discourages it.
inline constexpr absl::string_view kPkceMethodS256 = "S256";

// A code_verifier of 43 characters: 32 random bytes (RFC 7636 section 4.1
// recommends 256 bits), base64url. kInternal internal when the system RNG
// fails.
absl::StatusOr<std::string> GenerateCodeVerifier();

// BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 section 4.2. Pure.
std::string PkceS256Challenge(absl::string_view code_verifier);

// True when `code_verifier` is 43-128 characters of [A-Za-z0-9-._~]
// (RFC 7636 section 4.1).
bool IsValidCodeVerifier(absl::string_view code_verifier);

// An OAuth "state" / OIDC "nonce": 32 random bytes (256 bits, above the
// 128-bit minimum), base64url, 43 characters. kInternal internal when the
// system RNG fails.
absl::StatusOr<std::string> GenerateState();
absl::StatusOr<std::string> GenerateNonce();

// Constant-time comparison for a returned state against the stored one.
bool StateMatches(absl::string_view expected, absl::string_view received);

}  // namespace authgate

#endif  // AUTHGATE_PKCE_H_
