#include "authgate/jwk_set.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "base64url.h"
#include "crypto/private_key.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;
using nlohmann::json;
using ::testing::Field;
using ::testing::HasSubstr;

json JwkFor(const std::string& kid, Algorithm alg, int variant = 0) {
  TokenMinter minter;
  minter.AddKey(kid, alg, variant);
  return minter.Jwks()["keys"][0];
}

std::shared_ptr<const JwkSet> ParseKeys(std::initializer_list<json> keys) {
  json doc = json::object();
  doc["keys"] = json::array();
  for (const json& key : keys) doc["keys"].push_back(key);
  absl::StatusOr<std::shared_ptr<const JwkSet>> set = JwkSet::Parse(doc.dump());
  EXPECT_THAT(set, IsOk());
  return set.ok() ? *set : nullptr;
}

TEST(JwkSetTest, ParsesEveryKeyType) {
  auto set = ParseKeys(
      {JwkFor("rsa", Algorithm::kRs256), JwkFor("p256", Algorithm::kEs256),
       JwkFor("p384", Algorithm::kEs384), JwkFor("p521", Algorithm::kEs512),
       JwkFor("ed", Algorithm::kEdDsa)});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->keys().size(), 5u);
  EXPECT_TRUE(set->skipped().empty());
  EXPECT_NE(set->Find("rsa", Algorithm::kRs256), nullptr);
  EXPECT_NE(set->Find("p384", Algorithm::kEs384), nullptr);
  EXPECT_NE(set->Find("ed", Algorithm::kEdDsa), nullptr);
  EXPECT_EQ(set->Find("p256", Algorithm::kEs384), nullptr);
  EXPECT_EQ(set->Find("rsa", Algorithm::kPs256),
            nullptr);  // JWK alg pins RS256
  EXPECT_EQ(set->Find("nope", Algorithm::kRs256), nullptr);
  EXPECT_EQ(set->Find("rsa", Algorithm::kRs256)->key_type(), KeyType::kRsa);
}

TEST(JwkSetTest, RsaKeyWithoutAlgFitsEveryRsaAlgorithm) {
  json jwk = JwkFor("rsa", Algorithm::kRs256);
  jwk.erase("alg");
  auto set = ParseKeys({jwk});
  ASSERT_NE(set, nullptr);
  for (Algorithm alg :
       {Algorithm::kRs256, Algorithm::kRs512, Algorithm::kPs384}) {
    EXPECT_NE(set->Find("rsa", alg), nullptr);
  }
  EXPECT_EQ(set->Find("rsa", Algorithm::kEs256), nullptr);
  EXPECT_EQ(set->Find("rsa", Algorithm::kHs256), nullptr);
}

TEST(JwkSetTest, SkipsUnusableKeysAndKeepsTheRest) {
  json good = JwkFor("good", Algorithm::kRs256);
  json enc = JwkFor("enc", Algorithm::kRs256);
  enc["use"] = "enc";
  json ops = JwkFor("ops", Algorithm::kRs256);
  ops["key_ops"] = {"encrypt"};
  json mismatched = JwkFor("mismatched", Algorithm::kRs256);
  mismatched["alg"] = "ES256";
  json unknown_alg = JwkFor("unknown-alg", Algorithm::kRs256);
  unknown_alg["alg"] = "none";
  json off_curve = JwkFor("off-curve", Algorithm::kEs256);
  std::string y =
      internal::Base64UrlDecode(off_curve["y"].get<std::string>()).value();
  y[y.size() - 1] ^= 0x01;
  off_curve["y"] = internal::Base64UrlEncode(y);
  json bad_base64 = JwkFor("bad-base64", Algorithm::kRs256);
  bad_base64["n"] = "not base64!";
  json x25519 = JwkFor("x25519", Algorithm::kEdDsa);
  x25519["crv"] = "X25519";
  json small_rsa = {{"kid", "small"}, {"kty", "RSA"}, {"e", "AQAB"}};
  {
    auto key = internal::PrivateKey::GenerateRsa(1024).value();
    small_rsa["n"] = key->PublicJwkMembers()["n"];
  }
  json oct = {{"kid", "oct"},
              {"kty", "oct"},
              {"k", internal::Base64UrlEncode(std::string(32, 'k'))}};
  json unknown_kty = {{"kid", "weird"}, {"kty", "PQC"}};
  json kid_number = JwkFor("x", Algorithm::kRs256);
  kid_number["kid"] = 7;

  auto set = ParseKeys({good, enc, ops, mismatched, unknown_alg, off_curve,
                        bad_base64, x25519, small_rsa, oct, unknown_kty,
                        kid_number, "not an object"});
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->keys().size(), 1u);
  EXPECT_EQ(set->keys()[0]->key_id(), "good");
  EXPECT_EQ(set->skipped().size(), 12u);
  for (const char* kid :
       {"enc", "ops", "mismatched", "unknown-alg", "off-curve", "bad-base64",
        "x25519", "small", "oct", "weird"}) {
    EXPECT_THAT(set->skipped(),
                ::testing::Contains(Field(&SkippedKey::key_id, kid)))
        << kid;
  }
  for (const SkippedKey& skipped : set->skipped()) {
    EXPECT_FALSE(skipped.reason.empty());
    if (skipped.key_id == "oct") {
      EXPECT_THAT(skipped.reason, HasSubstr("symmetric"));
    }
  }
}

TEST(JwkSetTest, RejectsDocumentsThatAreNotKeySets) {
  auto invalid =
      StatusIs(absl::StatusCode::kInvalidArgument, ErrorReason::kJwksInvalid);
  EXPECT_THAT(JwkSet::Parse("not json"), invalid);
  EXPECT_THAT(JwkSet::Parse("[]"), invalid);
  EXPECT_THAT(JwkSet::Parse(R"({"keys": {}})"), invalid);
  EXPECT_THAT(JwkSet::Parse(R"({"kid": "a"})"), invalid);
  json many = json::array();
  for (size_t i = 0; i <= kMaxKeysPerSet; ++i) many.push_back(json::object());
  EXPECT_THAT(JwkSet::Parse(json{{"keys", many}}.dump()), invalid);
  std::string huge = absl::StrCat(R"({"keys": [], "pad": ")",
                                  std::string(kMaxJwksBytes, 'x'), "\"}");
  EXPECT_THAT(JwkSet::Parse(huge), invalid);
}

TEST(JwkSetTest, AcceptsEmptyKeySet) {
  absl::StatusOr<std::shared_ptr<const JwkSet>> set =
      JwkSet::Parse(R"({"keys": []})");
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE((*set)->empty());
}

TEST(JwkSetTest, ReportsUnreadableFile) {
  EXPECT_THAT(JwkSet::ParseFile("/nonexistent/jwks.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

// Through the core's bounded reader: neither blocks nor allocates unbounded.
TEST(JwkSetTest, RefusesFilesThatAreNotRegularJwksFiles) {
  EXPECT_THAT(JwkSet::ParseFile("/dev/zero"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(JwkSet::ParseFile("/"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

// OIDC Core 10.1: without a kid only a set's sole key is usable, and only
// for an alg it fits; one fitting key among several is not enough.
TEST(JwkSetTest, FindsKeyWithoutKidOnlyInASingleKeySet) {
  auto one = ParseKeys({JwkFor("a", Algorithm::kRs256)});
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->Find("", Algorithm::kRs256)->key_id(), "a");
  EXPECT_EQ(one->Find("", Algorithm::kEs256), nullptr);
  auto mixed = ParseKeys(
      {JwkFor("a", Algorithm::kRs256), JwkFor("b", Algorithm::kEs256)});
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->Find("", Algorithm::kRs256), nullptr);
  auto two = ParseKeys(
      {JwkFor("a", Algorithm::kRs256), JwkFor("b", Algorithm::kRs256, 1)});
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->Find("", Algorithm::kRs256), nullptr);
}

TEST(JwkSetTest, IdentifiesKeysByThumbprint) {
  auto set = ParseKeys(
      {JwkFor("a", Algorithm::kRs256), JwkFor("b", Algorithm::kRs256, 1)});
  ASSERT_NE(set, nullptr);
  const std::string& a = set->keys()[0]->thumbprint();
  EXPECT_EQ(a.size(), 43u);  // base64url of 32 bytes
  EXPECT_NE(a, set->keys()[1]->thumbprint());
  EXPECT_TRUE(set->Contains("a", a));
  EXPECT_FALSE(set->Contains("b", a));
}

// RFC 7638 section 3.1: the thumbprint of the example RSA key.
TEST(JwkSetTest, MatchesRfc7638ThumbprintExample) {
  json jwk = {{"kty", "RSA"},
              {"kid", "2011-04-29"},
              {"e", "AQAB"},
              {"n",
               "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86"
               "zwu1RK7aP"
               "FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-"
               "5JsGY4Hc5n9yBXArwl9"
               "3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
               "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
               "ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
               "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
               "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}};
  auto set = ParseKeys({jwk});
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->keys().size(), 1u);
  EXPECT_EQ(set->keys()[0]->thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

}  // namespace
}  // namespace authgate
