#include "authgate/token_verifier.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/jwk.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "authgate/unverified_token.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"
#include "token_data.h"

namespace authgate {
namespace {

using ::authgate::internal::Base64UrlEncode;
using ::authgate::testing::FakeClock;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example";
constexpr char kOtherIssuer[] = "https://login.example.org";
constexpr char kClientId[] = "3n4b5urk1ft4fl3mg5e62d9ado";

constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;
constexpr absl::StatusCode kPermissionDenied =
    absl::StatusCode::kPermissionDenied;

class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    minter_.AddKey("rsa-1", Algorithm::kRs256);
    minter_.AddKey("rsa-2", Algorithm::kRs256, /*variant=*/1);
    keys_ = StaticKeySource::FromJwksJson(minter_.JwksJson()).value();
  }

  int64_t Now() const { return absl::ToUnixSeconds(clock_->Now()); }

  // A Cognito user pool: access tokens name the client in client_id.
  ProviderPolicy Policy() const {
    ProviderPolicy policy = OidcPolicy();
    policy.name = "cognito";
    policy.audience_rule = AudienceRule::kCognitoTokenUse;
    return policy;
  }

  // The same issuer and keys under the default rules (audience by "aud").
  ProviderPolicy OidcPolicy() const {
    ProviderPolicy policy;
    policy.name = "oidc";
    policy.issuers = {kIssuer};
    policy.audiences = {kClientId};
    policy.keys = keys_;
    return policy;
  }

  std::unique_ptr<TokenVerifier> MakeVerifier(ProviderPolicy policy) const {
    VerifierOptions options;
    options.providers.push_back(std::move(policy));
    return MakeVerifier(std::move(options));
  }
  std::unique_ptr<TokenVerifier> MakeVerifier(VerifierOptions options) const {
    TokenVerifier::Dependencies deps;
    deps.clock = clock_;
    auto verifier = TokenVerifier::Create(std::move(options), deps);
    EXPECT_THAT(verifier, IsOk());
    return *std::move(verifier);
  }
  std::unique_ptr<TokenVerifier> MakeVerifier() const {
    return MakeVerifier(Policy());
  }

  // A Cognito access token, shaped like the ones user pools issue.
  json AccessClaims() const {
    return {{"sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
            {"cognito:groups", {"admin", "staff"}},
            {"iss", kIssuer},
            {"version", 2},
            {"client_id", kClientId},
            {"origin_jti", "1b2c3d4e"},
            {"event_id", "0f1e2d3c"},
            {"token_use", "access"},
            {"scope", "openid profile orders/read"},
            {"auth_time", Now() - 10},
            {"exp", Now() + 3600},
            {"iat", Now() - 10},
            {"jti", "5a6b7c8d"},
            {"username", "alice"}};
  }

  json IdClaims() const {
    return {{"sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
            {"aud", kClientId},
            {"email_verified", true},
            {"token_use", "id"},
            {"auth_time", Now() - 10},
            {"iss", kIssuer},
            {"cognito:username", "alice"},
            {"exp", Now() + 3600},
            {"iat", Now() - 10},
            {"email", "alice@example.com"}};
  }

  std::string Mint(const json& claims) const {
    return minter_.Mint("rsa-1", claims);
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  TokenMinter minter_;
  std::shared_ptr<StaticKeySource> keys_;
};

TEST_F(TokenVerifierTest, AcceptsCognitoAccessToken) {
  auto verifier = MakeVerifier();
  absl::StatusOr<VerifiedToken> token = verifier->Verify(Mint(AccessClaims()));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->issuer(), kIssuer);
  EXPECT_EQ(token->subject(), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  EXPECT_EQ(token->client_id(), kClientId);
  EXPECT_EQ(token->token_use(), "access");
  EXPECT_EQ(token->username(), "alice");
  EXPECT_THAT(token->scopes(), ElementsAre("openid", "profile", "orders/read"));
  EXPECT_THAT(token->groups(), ElementsAre("admin", "staff"));
  EXPECT_EQ(token->expires_at(), absl::FromUnixSeconds(Now() + 3600));
  EXPECT_EQ(token->key_id(), "rsa-1");
  EXPECT_EQ(token->algorithm(), Algorithm::kRs256);
  EXPECT_EQ(token->provider_name(), "cognito");
  EXPECT_EQ(token->claims()["version"], 2);
  EXPECT_EQ(token->claims()["origin_jti"], "1b2c3d4e");
}

TEST_F(TokenVerifierTest, AcceptsCognitoIdToken) {
  auto verifier = MakeVerifier();
  absl::StatusOr<VerifiedToken> token = verifier->Verify(Mint(IdClaims()));
  ASSERT_THAT(token, IsOk());
  EXPECT_THAT(token->audience(), ElementsAre(kClientId));
  EXPECT_EQ(token->username(), "alice");
  EXPECT_EQ(token->token_use(), "id");
  EXPECT_EQ(token->claims()["email"], "alice@example.com");
}

class TokenVerifierAlgorithmTest
    : public TokenVerifierTest,
      public ::testing::WithParamInterface<Algorithm> {};

TEST_P(TokenVerifierAlgorithmTest, AcceptsEveryAsymmetricAlgorithm) {
  minter_.AddKey("k", GetParam());
  keys_->Update(JwkSet::Parse(minter_.JwksJson()).value());
  auto verifier = MakeVerifier();
  absl::StatusOr<VerifiedToken> token =
      verifier->Verify(minter_.Mint("k", AccessClaims()));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->algorithm(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, TokenVerifierAlgorithmTest,
                         ::testing::ValuesIn(AsymmetricAlgorithms()),
                         [](const ::testing::TestParamInfo<Algorithm>& info) {
                           return std::string(AlgorithmName(info.param));
                         });

TEST_F(TokenVerifierTest, AcceptsHs256WithConfiguredSharedSecret) {
  minter_.AddKey("hs-1", Algorithm::kHs256);
  ProviderPolicy policy = Policy();
  policy.algorithms = {Algorithm::kHs256};
  policy.keys = std::make_shared<StaticKeySource>(JwkSet::FromKeys(
      {Jwk::FromSharedSecret("hs-1", TokenMinter::HmacSecret()).value()}));
  auto verifier = MakeVerifier(policy);
  EXPECT_THAT(verifier->Verify(minter_.Mint("hs-1", AccessClaims())), IsOk());
}

TEST_F(TokenVerifierTest, RejectsHs256WhenProviderDoesNotAllowIt) {
  minter_.AddKey("hs-1", Algorithm::kHs256);
  ProviderPolicy policy = Policy();
  policy.keys = std::make_shared<StaticKeySource>(JwkSet::FromKeys(
      {Jwk::FromSharedSecret("hs-1", TokenMinter::HmacSecret()).value()}));
  auto verifier = MakeVerifier(policy);
  EXPECT_THAT(verifier->Verify(minter_.Mint("hs-1", AccessClaims())),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

TEST_F(TokenVerifierTest, RejectsAlgNone) {
  auto verifier = MakeVerifier();
  std::string header = Base64UrlEncode(R"({"alg":"none","kid":"rsa-1"})");
  std::string payload = Base64UrlEncode(AccessClaims().dump());
  EXPECT_THAT(verifier->Verify(absl::StrCat(header, ".", payload, ".")),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
  EXPECT_THAT(verifier->Verify(absl::StrCat(
                  Base64UrlEncode(R"({"alg":"NONE","kid":"rsa-1"})"), ".",
                  payload, ".")),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

// Algorithm confusion: an HS256 token naming an RSA key's kid must not be
// checked as an HMAC keyed with the public key, even where HS256 is allowed.
TEST_F(TokenVerifierTest, RejectsHmacTokenNamingAnRsaKey) {
  minter_.AddKey("hs-1", Algorithm::kHs256);
  ProviderPolicy policy = Policy();
  policy.algorithms = {Algorithm::kRs256, Algorithm::kHs256};
  std::vector<std::shared_ptr<const Jwk>> keys = keys_->Current()->keys();
  keys.push_back(
      Jwk::FromSharedSecret("hs-1", TokenMinter::HmacSecret()).value());
  policy.keys = std::make_shared<StaticKeySource>(JwkSet::FromKeys(keys));
  auto verifier = MakeVerifier(policy);
  std::string token = minter_.MintWithHeader(
      "hs-1", Algorithm::kHs256, {{"alg", "HS256"}, {"kid", "rsa-1"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

TEST_F(TokenVerifierTest, RejectsAlgOtherThanTheJwkDeclares) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs384, {{"alg", "RS384"}, {"kid", "rsa-1"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

TEST_F(TokenVerifierTest, RejectsAlgMissingFromProviderAllowList) {
  ProviderPolicy policy = Policy();
  policy.algorithms = {Algorithm::kEs256};
  auto verifier = MakeVerifier(policy);
  EXPECT_THAT(verifier->Verify(Mint(AccessClaims())),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

TEST_F(TokenVerifierTest, RejectsUnknownKid) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256, {{"alg", "RS256"}, {"kid", "rotated-away"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(TokenVerifierTest, AcceptsMissingKidWhenTheSetHoldsOneKey) {
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[0]}));
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256, {{"alg", "RS256"}}, AccessClaims());
  EXPECT_THAT(verifier->Verify(token), IsOk());
}

TEST_F(TokenVerifierTest, RejectsMissingKidWhenSeveralKeysFit) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256, {{"alg", "RS256"}}, AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(TokenVerifierTest, RejectsTokenSignedByAnotherKeyUnderTheSameKid) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-2", Algorithm::kRs256, {{"alg", "RS256"}, {"kid", "rsa-1"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kSignatureInvalid));
}

TEST_F(TokenVerifierTest, RejectsFlippedSignatureBit) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string signature = internal::Base64UrlDecode(parts[2]).value();
  signature[10] ^= 0x01;
  std::string tampered =
      absl::StrCat(parts[0], ".", parts[1], ".", Base64UrlEncode(signature));
  absl::StatusOr<VerifiedToken> result = verifier->Verify(tampered);
  EXPECT_THAT(result,
              StatusIs(kUnauthenticated, ErrorReason::kSignatureInvalid));
  // Messages are safe to show: no part of the token appears in them.
  EXPECT_THAT(result.status().message(),
              Not(HasSubstr(parts[1].substr(0, 16))));
  EXPECT_THAT(result.status().message(),
              Not(HasSubstr(parts[2].substr(0, 16))));
}

TEST_F(TokenVerifierTest, RejectsChangedPayloadWithOriginalSignature) {
  auto verifier = MakeVerifier();
  std::vector<std::string> parts = absl::StrSplit(Mint(AccessClaims()), '.');
  json claims = AccessClaims();
  claims["scope"] = "openid admin/everything";
  std::string tampered = absl::StrCat(
      parts[0], ".", Base64UrlEncode(claims.dump()), ".", parts[2]);
  EXPECT_THAT(verifier->Verify(tampered),
              StatusIs(kUnauthenticated, ErrorReason::kSignatureInvalid));
}

TEST_F(TokenVerifierTest, RejectsNonCanonicalBase64) {
  auto verifier = MakeVerifier();
  std::vector<std::string> parts = absl::StrSplit(Mint(AccessClaims()), '.');
  for (const std::string& bad :
       {absl::StrCat(parts[0], ".", parts[1], "=.", parts[2]),
        absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "="),
        absl::StrCat(parts[0], ".", parts[1].substr(1), "*.", parts[2]),
        absl::StrCat(parts[0], " .", parts[1], ".", parts[2]),
        absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "B")}) {
    EXPECT_THAT(verifier->Verify(bad),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << bad.substr(0, 8);
  }
}

TEST_F(TokenVerifierTest, RejectsWrongSegmentCount) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  for (const std::string& bad :
       {std::string(), absl::StrCat(parts[0], ".", parts[1]),
        absl::StrCat(token, ".", parts[2]), absl::StrCat("Bearer ", token),
        std::string("..")}) {
    EXPECT_THAT(verifier->Verify(bad),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  }
}

TEST_F(TokenVerifierTest, RejectsOversizedTokenBeforeDecoding) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["padding"] = std::string(kMaxTokenBytes, 'x');
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenTooLarge));
  EXPECT_THAT(verifier->Verify(std::string(kMaxTokenBytes + 1, 'a')),
              StatusIs(kUnauthenticated, ErrorReason::kTokenTooLarge));
}

TEST_F(TokenVerifierTest, RejectsHeaderThatIsNotAJsonObject) {
  auto verifier = MakeVerifier();
  std::string payload = AccessClaims().dump();
  for (const char* header : {"[1,2]", "{\"alg\":\"RS256\"", "null", ""}) {
    EXPECT_THAT(verifier->Verify(minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                                 header, payload)),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << header;
  }
}

TEST_F(TokenVerifierTest, RejectsPayloadThatIsNotAJsonObject) {
  auto verifier = MakeVerifier();
  for (const char* payload : {"[]", "{\"iss\":", "\"text\"", "{} {}"}) {
    EXPECT_THAT(verifier->Verify(minter_.MintRaw(
                    "rsa-1", Algorithm::kRs256,
                    R"({"alg":"RS256","kid":"rsa-1"})", payload)),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << payload;
  }
}

TEST_F(TokenVerifierTest, RejectsCriticalHeaderExtensions) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256,
      {{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", {"exp"}}, {"exp", 1}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kCritUnsupported));
}

// RFC 8725 section 3.11 explicit typing, when the provider asks for it.
TEST_F(TokenVerifierTest, AcceptsConfiguredTokenTypeInEitherSpelling) {
  ProviderPolicy policy = Policy();
  policy.token_types = {"at+jwt"};
  auto verifier = MakeVerifier(std::move(policy));
  for (const char* typ : {"at+jwt", "AT+JWT", "application/at+jwt"}) {
    std::string token = minter_.MintWithHeader(
        "rsa-1", Algorithm::kRs256,
        {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", typ}}, AccessClaims());
    EXPECT_THAT(verifier->Verify(token), IsOk()) << typ;
  }
}

TEST_F(TokenVerifierTest, RejectsOtherOrMissingTokenTypeWhenConfigured) {
  ProviderPolicy policy = Policy();
  policy.token_types = {"application/at+jwt"};
  auto verifier = MakeVerifier(std::move(policy));
  // Mint() writes "typ": "JWT", what an ID token carries.
  EXPECT_THAT(verifier->Verify(Mint(AccessClaims())),
              StatusIs(kUnauthenticated, ErrorReason::kTokenTypeMismatch));
  std::string untyped = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256, {{"alg", "RS256"}, {"kid", "rsa-1"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(untyped),
              StatusIs(kUnauthenticated, ErrorReason::kTokenTypeMismatch));
}

TEST_F(TokenVerifierTest, IgnoresTokenTypeByDefault) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256,
      {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "anything"}},
      AccessClaims());
  EXPECT_THAT(verifier->Verify(token), IsOk());
}

TEST_F(TokenVerifierTest, RejectsTokenTypeThatIsNotAString) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256,
      {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", 7}}, AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

TEST_F(TokenVerifierTest, RejectsEmptyConfiguredTokenType) {
  ProviderPolicy policy = Policy();
  policy.token_types = {"application/"};
  VerifierOptions options;
  options.providers.push_back(std::move(policy));
  EXPECT_THAT(TokenVerifier::Create(std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

TEST_F(TokenVerifierTest, RejectsUnencodedPayloadHeader) {
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256,
      {{"alg", "RS256"}, {"kid", "rsa-1"}, {"b64", false}}, AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

// Keys named by the token itself (jku, jwk, x5u, x5c) are never used.
TEST_F(TokenVerifierTest, IgnoresKeysEmbeddedInTheHeader) {
  minter_.AddKey("attacker", Algorithm::kRs256, /*variant=*/7);
  auto verifier = MakeVerifier();
  json attacker_jwk;
  // Hold the set: a range-for over a temporary's member dangles.
  const json jwks = minter_.Jwks();
  for (const json& jwk : jwks["keys"]) {
    if (jwk["kid"] == "attacker") attacker_jwk = jwk;
  }
  std::string token =
      minter_.MintWithHeader("attacker", Algorithm::kRs256,
                             {{"alg", "RS256"},
                              {"kid", "attacker"},
                              {"jwk", attacker_jwk},
                              {"jku", "https://attacker.example/jwks.json"}},
                             AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(TokenVerifierTest, RejectsDuplicateClaims) {
  auto verifier = MakeVerifier();
  std::string payload = AccessClaims().dump();
  payload.insert(1, R"("iss":"https://evil.example",)");
  EXPECT_THAT(verifier->Verify(
                  minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                  R"({"alg":"RS256","kid":"rsa-1"})", payload)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

// JSON allows integers beyond 64 bits; simdjson does not, so such a payload
// takes the re-encoding path, which must still refuse duplicate claims.
TEST_F(TokenVerifierTest, AcceptsIntegersBeyondSixtyFourBits) {
  auto verifier = MakeVerifier();
  std::string payload = AccessClaims().dump();
  payload.insert(1, R"("custom:big":18446744073709551617,)");
  absl::StatusOr<VerifiedToken> token = verifier->Verify(minter_.MintRaw(
      "rsa-1", Algorithm::kRs256, R"({"alg":"RS256","kid":"rsa-1"})", payload));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->username(), "alice");
  payload.insert(1, R"("iss":"https://evil.example",)");
  EXPECT_THAT(verifier->Verify(
                  minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                  R"({"alg":"RS256","kid":"rsa-1"})", payload)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

TEST_F(TokenVerifierTest, RejectsClaimOfWrongType) {
  auto verifier = MakeVerifier();
  for (const char* claim : {"exp", "iss", "scope", "cognito:groups", "aud"}) {
    json claims = AccessClaims();
    claims[claim] = json::object();
    EXPECT_THAT(verifier->Verify(Mint(claims)),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << claim;
  }
}

TEST_F(TokenVerifierTest, RejectsTokenExpiredBeyondSkew) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["exp"] = Now() + 10;
  std::string token = Mint(claims);
  clock_->Advance(absl::Seconds(10) + kDefaultClockSkew - absl::Seconds(1));
  EXPECT_THAT(verifier->Verify(token), IsOk());
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kTokenExpired));
}

TEST_F(TokenVerifierTest, RejectsTokenNotYetValid) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["nbf"] = Now() + 61;
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenNotYetValid));
  claims["nbf"] = Now() + 59;
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
}

TEST_F(TokenVerifierTest, RejectsTokenIssuedInTheFuture) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["iat"] = Now() + 300;
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenIssuedInFuture));
}

TEST_F(TokenVerifierTest, RequiresExpUnlessAllowed) {
  json claims = AccessClaims();
  claims.erase("exp");
  std::string token = Mint(claims);
  EXPECT_THAT(MakeVerifier()->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kClaimMissing));
  ProviderPolicy policy = Policy();
  policy.allow_missing_exp = true;
  EXPECT_THAT(MakeVerifier(policy)->Verify(token), IsOk());
}

TEST_F(TokenVerifierTest, AcceptsFractionalNumericDates) {
  json claims = AccessClaims();
  claims["exp"] = static_cast<double>(Now()) + 100.5;
  EXPECT_THAT(MakeVerifier()->Verify(Mint(claims)), IsOk());
}

TEST_F(TokenVerifierTest, RejectsUntrustedIssuer) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  // Cognito's newer issuer form is trusted only when configured.
  claims["iss"] =
      "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example";
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kIssuerMismatch));
  claims["iss"] = absl::StrCat(kIssuer, "/");
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kIssuerMismatch));
  claims.erase("iss");
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kIssuerMismatch));
}

TEST_F(TokenVerifierTest, AcceptsEveryConfiguredIssuerForm) {
  ProviderPolicy policy = Policy();
  std::string updated =
      "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example";
  policy.issuers.push_back(updated);
  json claims = AccessClaims();
  claims["iss"] = updated;
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(claims)), IsOk());
}

TEST_F(TokenVerifierTest, RejectsWrongAudience) {
  auto verifier = MakeVerifier();
  json id = IdClaims();
  id["aud"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(id)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  json access = AccessClaims();
  access["client_id"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(access)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  access.erase("client_id");
  EXPECT_THAT(verifier->Verify(Mint(access)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
}

TEST_F(TokenVerifierTest, AcceptsAudienceArrayContainingClient) {
  json id = IdClaims();
  id["aud"] = {"other", kClientId};
  id["azp"] = kClientId;
  EXPECT_THAT(MakeVerifier()->Verify(Mint(id)), IsOk());
}

TEST_F(TokenVerifierTest, RejectsForeignAuthorizedParty) {
  json id = IdClaims();
  id["aud"] = {"other", kClientId};
  id["azp"] = "other";
  EXPECT_THAT(MakeVerifier()->Verify(Mint(id)),
              StatusIs(kUnauthenticated, ErrorReason::kAzpMismatch));
}

TEST_F(TokenVerifierTest, ChecksPerCallAudience) {
  auto verifier = MakeVerifier();
  VerifyOptions options;
  options.audiences = {"some-other-client"};
  EXPECT_THAT(verifier->Verify(Mint(AccessClaims()), options),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  options.audiences = {kClientId};
  EXPECT_THAT(verifier->Verify(Mint(AccessClaims()), options), IsOk());
}

TEST_F(TokenVerifierTest, RejectsWrongTokenUse) {
  ProviderPolicy policy = Policy();
  policy.token_uses = {"access"};
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(IdClaims())),
              StatusIs(kUnauthenticated, ErrorReason::kTokenUseMismatch));
  VerifyOptions options;
  options.token_uses = {"id"};
  EXPECT_THAT(MakeVerifier()->Verify(Mint(AccessClaims()), options),
              StatusIs(kUnauthenticated, ErrorReason::kTokenUseMismatch));
  EXPECT_THAT(MakeVerifier()->Verify(Mint(IdClaims()), options), IsOk());
}

TEST_F(TokenVerifierTest, RequiresScopesAllOrAny) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  VerifyOptions options;
  options.scopes = {"orders/read", "orders/write"};
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kPermissionDenied, ErrorReason::kScopeMissing));
  options.scope_match = Match::kAny;
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
  options.scopes = {"orders/write"};
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kPermissionDenied, ErrorReason::kScopeMissing));
}

TEST_F(TokenVerifierTest, RequiresGroupsAnyOrAll) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  VerifyOptions options;
  options.groups = {"auditors", "admin"};
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
  options.group_match = Match::kAll;
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kPermissionDenied, ErrorReason::kGroupMissing));
  options.groups = {"admin", "staff"};
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
}

TEST_F(TokenVerifierTest, ChecksNonceOnlyWhenOneWasSent) {
  auto verifier = MakeVerifier();
  json id = IdClaims();
  id["nonce"] = "n-0S6_WzA2Mj";
  std::string token = Mint(id);
  VerifyOptions options;
  // Cognito adds its own nonce on federated sign-in: not an error unasked.
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
  options.nonce = "n-0S6_WzA2Mj";
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
  options.nonce = "another";
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kUnauthenticated, ErrorReason::kNonceMismatch));
  EXPECT_THAT(verifier->Verify(Mint(IdClaims()), options),
              StatusIs(kUnauthenticated, ErrorReason::kNonceMismatch));
}

TEST_F(TokenVerifierTest, ChecksAtHashAgainstTheAccessToken) {
  auto verifier = MakeVerifier();
  std::string access_token = Mint(AccessClaims());
  std::string digest =
      internal::HashForAlgorithm(Algorithm::kRs256, access_token);
  json id = IdClaims();
  id["at_hash"] = Base64UrlEncode(digest.substr(0, digest.size() / 2));
  std::string id_token = Mint(id);
  VerifyOptions options;
  options.access_token = access_token;
  EXPECT_THAT(verifier->Verify(id_token, options), IsOk());
  options.access_token = "another-access-token";
  EXPECT_THAT(verifier->Verify(id_token, options),
              StatusIs(kUnauthenticated, ErrorReason::kAtHashMismatch));
}

TEST_F(TokenVerifierTest, RejectsLifetimeOverMaximum) {
  ProviderPolicy policy = Policy();
  policy.max_lifetime = absl::Hours(2);
  json claims = AccessClaims();  // issued 10 s ago, valid for an hour
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(claims)), IsOk());
  claims["exp"] = Now() + 7200;
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenLifetimeTooLong));
}

TEST_F(TokenVerifierTest, ChecksRequiredCustomClaims) {
  ProviderPolicy policy = Policy();
  policy.required_claims["custom:tenant"] = "acme";
  auto verifier = MakeVerifier(policy);
  json claims = AccessClaims();
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kClaimMissing));
  claims["custom:tenant"] = "globex";
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kClaimMismatch));
  claims["custom:tenant"] = "acme";
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
}

TEST_F(TokenVerifierTest, RoutesTokensToTheirProviderByIssuer) {
  TokenMinter other_minter;
  other_minter.AddKey("ec-1", Algorithm::kEs256);
  ProviderPolicy other;
  other.name = "corp";
  other.issuers = {kOtherIssuer};
  other.audiences = {"corp-api"};
  other.keys = StaticKeySource::FromJwksJson(other_minter.JwksJson()).value();
  VerifierOptions options;
  options.providers = {Policy(), other};
  auto verifier = MakeVerifier(std::move(options));

  json corp = {{"iss", kOtherIssuer},
               {"aud", "corp-api"},
               {"sub", "bob"},
               {"exp", Now() + 60}};
  absl::StatusOr<VerifiedToken> token =
      verifier->Verify(other_minter.Mint("ec-1", corp));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->provider_name(), "corp");
  // A corp-issued token signed with the Cognito pool's key is refused.
  EXPECT_THAT(verifier->Verify(Mint(corp)),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
  VerifyOptions only_cognito;
  only_cognito.provider = "cognito";
  EXPECT_THAT(verifier->Verify(other_minter.Mint("ec-1", corp), only_cognito),
              StatusIs(kUnauthenticated, ErrorReason::kIssuerMismatch));
  VerifyOptions unknown;
  unknown.provider = "nobody";
  EXPECT_THAT(verifier->Verify(other_minter.Mint("ec-1", corp), unknown),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

TEST_F(TokenVerifierTest, CachesRepeatedTokenButStillChecksPolicy) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  EXPECT_EQ(verifier->stats().cache_hits, 1u);
  VerifyOptions options;
  options.scopes = {"orders/write"};
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kPermissionDenied, ErrorReason::kScopeMissing));
  options = VerifyOptions();
  options.token_uses = {"id"};
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kUnauthenticated, ErrorReason::kTokenUseMismatch));
  EXPECT_EQ(verifier->stats().cache_hits, 3u);
}

TEST_F(TokenVerifierTest, CachedTokenStillExpires) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["exp"] = Now() + 30;
  std::string token = Mint(claims);
  ASSERT_THAT(verifier->Verify(token), IsOk());
  clock_->Advance(absl::Seconds(30) + kDefaultClockSkew);
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kTokenExpired));
}

TEST_F(TokenVerifierTest, CachedTokenDiesWithItsKey) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  // The provider drops rsa-1 (e.g. after a compromise).
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[1]}));
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(TokenVerifierTest, CachedTokenSurvivesUnrelatedKeyChange) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[0]}));
  EXPECT_THAT(verifier->Verify(token), IsOk());
  EXPECT_EQ(verifier->stats().cache_hits, 1u);
}

TEST_F(TokenVerifierTest, DisabledCacheVerifiesEveryTime) {
  VerifierOptions options;
  options.providers = {Policy()};
  options.cache_max_entries = 0;
  auto verifier = MakeVerifier(std::move(options));
  std::string token = Mint(AccessClaims());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  EXPECT_EQ(verifier->stats().cache_hits, 0u);
}

TEST_F(TokenVerifierTest, VerifyIfCachedAnswersOnlyWithoutASignatureCheck) {
  auto verifier = MakeVerifier();
  std::string token = Mint(AccessClaims());
  // Not yet verified: no answer, and no miss counted (Verify counts it).
  EXPECT_FALSE(verifier->VerifyIfCached(token).has_value());
  EXPECT_EQ(verifier->stats().cache_misses, 0u);
  ASSERT_THAT(verifier->Verify(token), IsOk());
  std::optional<absl::StatusOr<VerifiedToken>> cached =
      verifier->VerifyIfCached(token);
  ASSERT_TRUE(cached.has_value());
  EXPECT_THAT(*cached, IsOk());
  EXPECT_EQ(verifier->stats().cache_hits, 1u);
  // Per-call rules are checked on the cached verification.
  VerifyOptions options;
  options.scopes = {"orders/write"};
  cached = verifier->VerifyIfCached(token, options);
  ASSERT_TRUE(cached.has_value());
  EXPECT_THAT(*cached, StatusIs(kPermissionDenied, ErrorReason::kScopeMissing));
  // Verdicts that need no signature: an unknown provider, an oversized token.
  options = VerifyOptions();
  options.provider = "nobody";
  cached = verifier->VerifyIfCached(token, options);
  ASSERT_TRUE(cached.has_value());
  EXPECT_THAT(*cached, StatusIs(absl::StatusCode::kInvalidArgument,
                                ErrorReason::kInvalidArgument));
  cached = verifier->VerifyIfCached(std::string(kMaxTokenBytes + 1, 'a'));
  ASSERT_TRUE(cached.has_value());
  EXPECT_THAT(*cached, StatusIs(kUnauthenticated, ErrorReason::kTokenTooLarge));
  // A verifier without a cache never answers a well-formed call.
  VerifierOptions uncached;
  uncached.providers = {Policy()};
  uncached.cache_max_entries = 0;
  auto without_cache = MakeVerifier(std::move(uncached));
  ASSERT_THAT(without_cache->Verify(token), IsOk());
  EXPECT_FALSE(without_cache->VerifyIfCached(token).has_value());
  // Once its key is gone the entry is dropped and the token needs Verify,
  // which refuses it.
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[1]}));
  EXPECT_FALSE(verifier->VerifyIfCached(token).has_value());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
}

TEST_F(TokenVerifierTest, RejectsInvalidConfiguration) {
  auto create = [&](ProviderPolicy policy) {
    VerifierOptions options;
    options.providers.push_back(std::move(policy));
    return TokenVerifier::Create(std::move(options)).status();
  };
  auto config_invalid =
      StatusIs(absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid);
  EXPECT_THAT(TokenVerifier::Create(VerifierOptions()), config_invalid);
  ProviderPolicy p = Policy();
  p.audiences.clear();
  EXPECT_THAT(create(p), config_invalid);
  p.allow_any_audience = true;
  EXPECT_THAT(create(p), IsOk());
  p = Policy();
  p.issuers.clear();
  EXPECT_THAT(create(p), config_invalid);
  p = Policy();
  p.keys = nullptr;
  EXPECT_THAT(create(p), config_invalid);
  p = Policy();
  p.clock_skew = absl::Minutes(6);
  EXPECT_THAT(create(p), config_invalid);
  p = Policy();
  p.name.clear();
  EXPECT_THAT(create(p), config_invalid);
  VerifierOptions twice;
  twice.providers = {Policy(), Policy()};
  twice.providers[1].name = "again";
  EXPECT_THAT(TokenVerifier::Create(std::move(twice)).status(), config_invalid);
}

TEST_F(TokenVerifierTest, ReportsProviderUnavailableWithoutKeys) {
  ProviderPolicy policy = Policy();
  policy.keys = std::make_shared<StaticKeySource>(nullptr);
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(AccessClaims())),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
}

// Every single-character change of a valid token is rejected with a typed
// error, never accepted and never a crash (jwt_verify_lib's bit-flip test).
TEST_F(TokenVerifierTest, RejectsEveryCharacterMutation) {
  VerifierOptions options;
  options.providers = {Policy()};
  options.cache_max_entries = 0;
  auto verifier = MakeVerifier(std::move(options));
  std::string token = Mint(AccessClaims());
  ASSERT_THAT(verifier->Verify(token), IsOk());
  for (size_t i = 0; i < token.size(); ++i) {
    for (char replacement : {'A', '.', '_', '\0', '\xff'}) {
      if (token[i] == replacement) continue;
      std::string mutated = token;
      mutated[i] = replacement;
      absl::StatusOr<VerifiedToken> result = verifier->Verify(mutated);
      ASSERT_FALSE(result.ok()) << "accepted mutation at " << i;
      ASSERT_NE(GetErrorReason(result.status()), ErrorReason::kUnspecified);
      ASSERT_EQ(result.status().code(), kUnauthenticated);
    }
  }
}

TEST_F(TokenVerifierTest, VerifiesConcurrentlyWhileKeysRotate) {
  auto verifier = MakeVerifier();
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) {
    json claims = AccessClaims();
    claims["jti"] = absl::StrCat("t", i);
    tokens.push_back(Mint(claims));
  }
  std::shared_ptr<const JwkSet> full = keys_->Current();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (const std::string& token : tokens) {
          if (!verifier->Verify(token).ok()) failures.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 200; ++i) keys_->Update(full);  // same keys, new sets
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// A JSON value nesting `levels` objects ({"a":{"a":...{}}}).
std::string NestedObjects(int levels) {
  std::string text;
  for (int i = 1; i < levels; ++i) text += R"({"a":)";
  text += "{}";
  text.append(static_cast<size_t>(levels - 1), '}');
  return text;
}

// A payload `depth` levels deep in all (the claim set itself is level 1).
std::string PayloadOfDepth(const json& claims, int depth) {
  std::string payload = claims.dump();
  payload.insert(1, absl::StrCat(R"("deep":)", NestedObjects(depth - 1), ","));
  return payload;
}

constexpr char kRsaHeader[] = R"({"alg":"RS256","kid":"rsa-1"})";

TEST_F(TokenVerifierTest, RejectsEmptyToken) {
  EXPECT_THAT(MakeVerifier()->Verify(""),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  EXPECT_THAT(MakeVerifier()->Verify(absl::string_view()),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

// Audience rule kAud (the default): "aud" alone binds the client.
TEST_F(TokenVerifierTest, IgnoresClientIdUnderAudRule) {
  auto verifier = MakeVerifier(OidcPolicy());
  json claims = AccessClaims();  // client_id names the client, no aud
  absl::StatusOr<VerifiedToken> result = verifier->Verify(Mint(claims));
  EXPECT_THAT(result,
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  EXPECT_EQ(result.status().message(), "token has no aud");
  claims["aud"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  claims["aud"] = kClientId;
  claims["client_id"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
}

// Audience rule kCognitoTokenUse: access tokens by client_id only.
TEST_F(TokenVerifierTest, BindsCognitoAccessTokenByClientIdOnly) {
  auto verifier = MakeVerifier();
  json claims = AccessClaims();
  claims["aud"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
  claims["aud"] = kClientId;
  claims.erase("client_id");
  absl::StatusOr<VerifiedToken> result = verifier->Verify(Mint(claims));
  EXPECT_THAT(result,
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  EXPECT_EQ(result.status().message(), "access token has no client_id");
}

// Audience rule kCognitoTokenUse: ID tokens by aud only.
TEST_F(TokenVerifierTest, BindsCognitoIdTokenByAudOnly) {
  auto verifier = MakeVerifier();
  json claims = IdClaims();
  claims.erase("aud");
  claims["client_id"] = kClientId;
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  claims["aud"] = "another-client";
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
}

TEST_F(TokenVerifierTest, RejectsUnknownOrMissingTokenUseUnderCognitoRule) {
  auto verifier = MakeVerifier();
  json claims = IdClaims();
  claims["client_id"] = kClientId;
  claims["token_use"] = "refresh";
  absl::StatusOr<VerifiedToken> result = verifier->Verify(Mint(claims));
  EXPECT_THAT(result,
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  EXPECT_THAT(result.status().message(), HasSubstr("names no audience rule"));
  claims.erase("token_use");
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
}

// A provider that lists its token uses answers token_use_mismatch first.
TEST_F(TokenVerifierTest, ChecksAcceptedTokenUsesBeforeTheAudienceRule) {
  ProviderPolicy policy = Policy();
  policy.token_uses = {"id", "access"};
  auto verifier = MakeVerifier(policy);
  json claims = AccessClaims();
  claims["token_use"] = "refresh";
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenUseMismatch));
  claims.erase("token_use");
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenUseMismatch));
}

TEST_F(TokenVerifierTest, AppliesAudienceRuleToPerCallAudiences) {
  ProviderPolicy oidc = OidcPolicy();
  oidc.allow_any_audience = true;
  oidc.audiences.clear();
  VerifyOptions options;
  options.audiences = {kClientId};
  // kAud: a client_id naming the call's audience does not count.
  EXPECT_THAT(MakeVerifier(oidc)->Verify(Mint(AccessClaims()), options),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  // kCognitoTokenUse: an access token's aud does not count.
  ProviderPolicy cognito = Policy();
  cognito.allow_any_audience = true;
  cognito.audiences.clear();
  json claims = AccessClaims();
  claims["aud"] = kClientId;
  claims["client_id"] = "another-client";
  EXPECT_THAT(MakeVerifier(cognito)->Verify(Mint(claims), options),
              StatusIs(kUnauthenticated, ErrorReason::kAudienceMismatch));
  claims["client_id"] = kClientId;
  EXPECT_THAT(MakeVerifier(cognito)->Verify(Mint(claims), options), IsOk());
}

// OIDC Core 3.1.3.7 point 4: several audiences need an azp naming the client.
TEST_F(TokenVerifierTest, RejectsSeveralAudiencesWithoutAzpUnderAudRule) {
  auto verifier = MakeVerifier(OidcPolicy());
  json claims = IdClaims();
  claims["aud"] = {kClientId, "other"};
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kAzpMismatch));
  claims["azp"] = kClientId;
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
  claims.erase("azp");
  claims["aud"] = {kClientId};
  EXPECT_THAT(verifier->Verify(Mint(claims)), IsOk());
}

// RFC 9068 access tokens (typ at+jwt) may name several resource servers and
// define no azp.
TEST_F(TokenVerifierTest, AcceptsSeveralAudiencesWithoutAzpInAtJwt) {
  auto verifier = MakeVerifier(OidcPolicy());
  json claims = AccessClaims();
  claims["aud"] = {kClientId, "https://api.example.com"};
  for (const char* typ : {"at+jwt", "application/AT+JWT"}) {
    std::string token = minter_.MintWithHeader(
        "rsa-1", Algorithm::kRs256,
        {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", typ}}, claims);
    EXPECT_THAT(verifier->Verify(token), IsOk()) << typ;
  }
}

TEST_F(TokenVerifierTest, AcceptsSeveralAudiencesWithoutAzpUnderCognitoRule) {
  json claims = IdClaims();
  claims["aud"] = {kClientId, "other"};
  EXPECT_THAT(MakeVerifier()->Verify(Mint(claims)), IsOk());
}

TEST_F(TokenVerifierTest, ReadsGroupsAndUsernameFromTheProvidersClaims) {
  ProviderPolicy policy = OidcPolicy();
  policy.groups_claim = "groups";
  policy.username_claim = "preferred_username";
  auto verifier = MakeVerifier(policy);
  json claims = IdClaims();
  claims["groups"] = {"engineering", "oncall"};
  claims["preferred_username"] = "bob";
  claims["cognito:groups"] = {"admin"};
  claims["username"] = "carol";
  std::string token = Mint(claims);
  absl::StatusOr<VerifiedToken> verified = verifier->Verify(token);
  ASSERT_THAT(verified, IsOk());
  EXPECT_THAT(verified->groups(), ElementsAre("engineering", "oncall"));
  EXPECT_EQ(verified->username(), "bob");
  VerifyOptions options;
  options.groups = {"admin"};
  EXPECT_THAT(verifier->Verify(token, options),
              StatusIs(kPermissionDenied, ErrorReason::kGroupMissing));
  options.groups = {"oncall"};
  EXPECT_THAT(verifier->Verify(token, options), IsOk());
}

// The "username" fallback is Cognito's, kept only for "cognito:username".
TEST_F(TokenVerifierTest, FallsBackToUsernameOnlyForCognitoUsername) {
  ProviderPolicy policy = Policy();
  policy.username_claim = "preferred_username";
  absl::StatusOr<VerifiedToken> verified =
      MakeVerifier(policy)->Verify(Mint(AccessClaims()));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->username(), "");
  policy.username_claim = "username";
  verified = MakeVerifier(policy)->Verify(Mint(IdClaims()));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->username(), "");
  json claims = IdClaims();
  claims["username"] = "not-this-one";
  verified = MakeVerifier()->Verify(Mint(claims));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->username(), "alice");
}

TEST_F(TokenVerifierTest, ReadsASingleStringGroupAsOneGroup) {
  json claims = AccessClaims();
  claims["cognito:groups"] = "admin";
  absl::StatusOr<VerifiedToken> verified = MakeVerifier()->Verify(Mint(claims));
  ASSERT_THAT(verified, IsOk());
  EXPECT_THAT(verified->groups(), ElementsAre("admin"));
}

TEST_F(TokenVerifierTest, ReadsArbitraryConfiguredClaimNames) {
  ProviderPolicy policy = OidcPolicy();
  policy.groups_claim = "https://example.com/roles";
  policy.username_claim = "email";
  auto verifier = MakeVerifier(policy);
  json claims = IdClaims();
  claims["https://example.com/roles"] = {"reader", "writer"};
  absl::StatusOr<VerifiedToken> verified = verifier->Verify(Mint(claims));
  ASSERT_THAT(verified, IsOk());
  EXPECT_THAT(verified->groups(), ElementsAre("reader", "writer"));
  EXPECT_EQ(verified->username(), "alice@example.com");
  VerifyOptions options;
  options.groups = {"writer"};
  EXPECT_THAT(verifier->Verify(Mint(claims), options), IsOk());
  claims["https://example.com/roles"] = {"reader", 7};
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  claims["https://example.com/roles"] = "reader";
  claims["email"] = json::array();
  EXPECT_THAT(verifier->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

// A mistyped group or username claim the provider does not use is just
// another custom claim; the one it uses must have the right type.
TEST_F(TokenVerifierTest, ChecksTypeOfOnlyTheProvidersIdentityClaims) {
  ProviderPolicy policy = OidcPolicy();
  policy.groups_claim = "groups";
  policy.username_claim = "preferred_username";
  json claims = IdClaims();
  claims["cognito:groups"] = json::object();
  claims["cognito:username"] = 12;
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(claims)), IsOk());
  EXPECT_THAT(MakeVerifier()->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  claims = IdClaims();
  claims["groups"] = {"ok", json::object()};
  EXPECT_THAT(MakeVerifier()->Verify(Mint(claims)), IsOk());
  EXPECT_THAT(MakeVerifier(policy)->Verify(Mint(claims)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

TEST_F(TokenVerifierTest, RejectsEmptyIdentityClaimNames) {
  for (bool groups : {true, false}) {
    ProviderPolicy policy = Policy();
    (groups ? policy.groups_claim : policy.username_claim).clear();
    VerifierOptions options;
    options.providers.push_back(std::move(policy));
    EXPECT_THAT(TokenVerifier::Create(std::move(options)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ErrorReason::kConfigInvalid));
  }
}

TEST_F(TokenVerifierTest, RejectsEmptyKid) {
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[0]}));
  auto verifier = MakeVerifier();
  std::string token =
      minter_.MintWithHeader("rsa-1", Algorithm::kRs256,
                             {{"alg", "RS256"}, {"kid", ""}}, AccessClaims());
  absl::StatusOr<VerifiedToken> result = verifier->Verify(token);
  EXPECT_THAT(result, StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  EXPECT_EQ(result.status().message(), "kid is empty");
}

// OIDC Core 10.1: with more than one key in the set a kid is required, even
// when only one of the keys fits the token's alg.
TEST_F(TokenVerifierTest, RejectsMissingKidWhenTheSetHoldsSeveralKeys) {
  minter_.AddKey("ec-1", Algorithm::kEs256);
  keys_->Update(JwkSet::Parse(minter_.JwksJson()).value());
  std::vector<std::shared_ptr<const Jwk>> keys;
  std::shared_ptr<const JwkSet> current = keys_->Current();
  for (const auto& key : current->keys()) {
    if (key->key_id() != "rsa-2") keys.push_back(key);
  }
  keys_->Update(JwkSet::FromKeys(keys));
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "rsa-1", Algorithm::kRs256, {{"alg", "RS256"}}, AccessClaims());
  absl::StatusOr<VerifiedToken> result = verifier->Verify(token);
  EXPECT_THAT(result, StatusIs(kUnauthenticated, ErrorReason::kKeyNotFound));
  EXPECT_EQ(result.status().message(),
            "token has no kid and the key set holds 2 keys");
}

TEST_F(TokenVerifierTest, RejectsMissingKidWhenTheOnlyKeyDoesNotFitTheAlg) {
  minter_.AddKey("ec-1", Algorithm::kEs256);
  keys_->Update(JwkSet::FromKeys({keys_->Current()->keys()[0]}));
  auto verifier = MakeVerifier();
  std::string token = minter_.MintWithHeader(
      "ec-1", Algorithm::kEs256, {{"alg", "ES256"}}, AccessClaims());
  EXPECT_THAT(verifier->Verify(token),
              StatusIs(kUnauthenticated, ErrorReason::kAlgNotAllowed));
}

TEST_F(TokenVerifierTest, RejectsPayloadNestedDeeperThanTheLimit) {
  auto verifier = MakeVerifier();
  absl::StatusOr<VerifiedToken> verified = verifier->Verify(
      minter_.MintRaw("rsa-1", Algorithm::kRs256, kRsaHeader,
                      PayloadOfDepth(AccessClaims(), kMaxJsonDepth)));
  ASSERT_THAT(verified, IsOk());
  EXPECT_TRUE(verified->claims().contains("deep"));
  for (int depth : {21, 1000}) {
    absl::StatusOr<VerifiedToken> result = verifier->Verify(
        minter_.MintRaw("rsa-1", Algorithm::kRs256, kRsaHeader,
                        PayloadOfDepth(AccessClaims(), depth)));
    EXPECT_THAT(result,
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << depth;
    EXPECT_EQ(result.status().message(),
              "token payload nests deeper than 20 levels");
  }
}

// Arrays count as levels too, and the big-integer path (nlohmann_json) is
// held to the same limit before it builds anything.
TEST_F(TokenVerifierTest, RejectsDeepArraysAndDeepPayloadsWithBigIntegers) {
  auto verifier = MakeVerifier();
  std::string arrays = AccessClaims().dump();
  arrays.insert(1, absl::StrCat(R"("deep":)", std::string(20, '['),
                                std::string(20, ']'), ","));
  EXPECT_THAT(verifier->Verify(minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                               kRsaHeader, arrays)),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  for (int depth : {21, 1000}) {
    std::string payload = PayloadOfDepth(AccessClaims(), depth);
    payload.insert(1, R"("custom:big":18446744073709551617,)");
    EXPECT_THAT(verifier->Verify(minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                                 kRsaHeader, payload)),
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << depth;
  }
  std::string payload = PayloadOfDepth(AccessClaims(), kMaxJsonDepth);
  payload.insert(1, R"("custom:big":18446744073709551617,)");
  EXPECT_THAT(verifier->Verify(minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                               kRsaHeader, payload)),
              IsOk());
}

TEST_F(TokenVerifierTest, RejectsHeaderNestedDeeperThanTheLimit) {
  auto verifier = MakeVerifier();
  auto header = [](int depth) {
    return absl::StrCat(R"({"alg":"RS256","kid":"rsa-1","x":)",
                        NestedObjects(depth - 1), "}");
  };
  std::string payload = AccessClaims().dump();
  EXPECT_THAT(verifier->Verify(minter_.MintRaw("rsa-1", Algorithm::kRs256,
                                               header(kMaxJsonDepth), payload)),
              IsOk());
  for (int depth : {21, 1000}) {
    absl::StatusOr<VerifiedToken> result = verifier->Verify(
        minter_.MintRaw("rsa-1", Algorithm::kRs256, header(depth), payload));
    EXPECT_THAT(result,
                StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed))
        << depth;
    EXPECT_EQ(result.status().message(),
              "token header nests deeper than 20 levels");
  }
}

// Whatever payload a TokenData holds, nlohmann_json never sees a deep one.
TEST(TokenDataTest, AllClaimsIsEmptyForAPayloadDeeperThanTheLimit) {
  auto token = [](int depth) {
    return absl::StrCat(
        "e30.",
        internal::Base64UrlEncode(PayloadOfDepth({{"sub", "u1"}}, depth)),
        ".c2ln");
  };
  internal::TokenData data;
  data.token = token(1000);
  EXPECT_EQ(data.AllClaims(), json::object());
  internal::TokenData shallow;
  shallow.token = token(kMaxJsonDepth);
  EXPECT_EQ(shallow.AllClaims()["sub"], "u1");
  EXPECT_EQ(shallow.PayloadJson(),
            PayloadOfDepth({{"sub", "u1"}}, kMaxJsonDepth));
  internal::TokenData broken;
  broken.token = "no-dots";
  EXPECT_EQ(broken.PayloadJson(), "");
  EXPECT_EQ(broken.AllClaims(), json::object());
}

// inspect and decode_unverified show a token without verifying it: the same
// depth bound keeps their output parseable.
TEST(UnverifiedTokenTest, RejectsPayloadNestedDeeperThanTheLimit) {
  std::string header = internal::Base64UrlEncode(kRsaHeader);
  auto token = [&](int depth) {
    return absl::StrCat(
        header, ".",
        internal::Base64UrlEncode(PayloadOfDepth({{"sub", "u1"}}, depth)),
        ".c2ln");
  };
  EXPECT_THAT(DecodeUnverified(token(kMaxJsonDepth)).status(), IsOk());
  EXPECT_THAT(DecodeUnverified(token(kMaxJsonDepth + 1)).status(),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
  EXPECT_THAT(DecodeUnverified(token(1000)).status(),
              StatusIs(kUnauthenticated, ErrorReason::kTokenMalformed));
}

}  // namespace
}  // namespace authgate
