#include "authgate/pkce.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::IsOk;

// RFC 7636 appendix B.
TEST(PkceTest, S256ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(PkceS256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(PkceTest, GeneratesValidDistinctVerifiers) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    absl::StatusOr<std::string> verifier = GenerateCodeVerifier();
    ASSERT_THAT(verifier, IsOk());
    EXPECT_EQ(verifier->size(), 43u);
    EXPECT_TRUE(IsValidCodeVerifier(*verifier));
    seen.insert(*verifier);
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(PkceTest, StateAndNonceCarryAtLeast128Bits) {
  absl::StatusOr<std::string> state = GenerateState();
  absl::StatusOr<std::string> nonce = GenerateNonce();
  ASSERT_THAT(state, IsOk());
  ASSERT_THAT(nonce, IsOk());
  // 43 base64url characters = 256 bits.
  EXPECT_EQ(state->size(), 43u);
  EXPECT_EQ(nonce->size(), 43u);
  EXPECT_NE(*state, *nonce);
}

TEST(PkceTest, RejectsVerifiersOutsideRfc7636Grammar) {
  EXPECT_FALSE(IsValidCodeVerifier(std::string(42, 'a')));
  EXPECT_TRUE(IsValidCodeVerifier(std::string(43, 'a')));
  EXPECT_TRUE(IsValidCodeVerifier(std::string(128, '~')));
  EXPECT_FALSE(IsValidCodeVerifier(std::string(129, 'a')));
  EXPECT_FALSE(IsValidCodeVerifier(std::string(42, 'a') + "+"));
  EXPECT_FALSE(IsValidCodeVerifier(std::string(42, 'a') + "="));
}

TEST(PkceTest, StateMatchesOnlyIdenticalNonEmptyValues) {
  EXPECT_TRUE(StateMatches("abc", "abc"));
  EXPECT_FALSE(StateMatches("abc", "abd"));
  EXPECT_FALSE(StateMatches("abc", "abcd"));
  EXPECT_FALSE(StateMatches("", ""));
}

}  // namespace
}  // namespace authgate
