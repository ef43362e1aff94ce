#include "authgate/pkce.h"

#include <string>

#include "absl/strings/ascii.h"

#include "base64url.h"
#include "crypto/digest.h"
#include "status_macros.h"

namespace authgate {
namespace {

// 32 bytes = 256 bits: above the 128 bits OAuth 2.0 Security BCP asks for
// state and RFC 7636 section 7.1 asks for the verifier.
constexpr size_t kRandomBytes = 32;

absl::StatusOr<std::string> RandomToken() {
  AUTHGATE_ASSIGN_OR_RETURN(std::string bytes,
                            internal::RandomBytes(kRandomBytes));
  return internal::Base64UrlEncode(bytes);
}

}  // namespace

absl::StatusOr<std::string> GenerateCodeVerifier() { return RandomToken(); }

std::string PkceS256Challenge(absl::string_view code_verifier) {
  // RFC 7636 section 4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))).
  return internal::Base64UrlEncode(internal::Sha256(code_verifier));
}

bool IsValidCodeVerifier(absl::string_view code_verifier) {
  // RFC 7636 section 4.1: 43..128 characters of ALPHA / DIGIT / "-" / "." /
  // "_" / "~".
  if (code_verifier.size() < 43 || code_verifier.size() > 128) return false;
  for (char c : code_verifier) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_' &&
        c != '~') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> GenerateState() { return RandomToken(); }
absl::StatusOr<std::string> GenerateNonce() { return RandomToken(); }

bool StateMatches(absl::string_view expected, absl::string_view received) {
  if (expected.empty() || expected.size() != received.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ received[i]);
  }
  return diff == 0;
}

}  // namespace authgate
