#include "authgate/discovery.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

constexpr char kIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";
constexpr char kDiscoveryUrl[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    "/.well-known/openid-configuration";

nlohmann::json CognitoDocument() {
  return {
      {"issuer", kIssuer},
      {"authorization_endpoint",
       "https://app.auth.eu-west-1.amazoncognito.com/oauth2/authorize"},
      {"token_endpoint",
       "https://app.auth.eu-west-1.amazoncognito.com/oauth2/token"},
      {"userinfo_endpoint",
       "https://app.auth.eu-west-1.amazoncognito.com/oauth2/userInfo"},
      {"end_session_endpoint",
       "https://app.auth.eu-west-1.amazoncognito.com/logout"},
      {"jwks_uri", std::string(kIssuer) + "/.well-known/jwks.json"},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"response_types_supported", {"code", "token"}},
      {"scopes_supported", {"openid", "email", "phone", "profile"}},
      {"subject_types_supported", {"public"}},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post"}},
  };
}

TEST(DiscoveryTest, BuildsWellKnownUrlDroppingOneTrailingSlash) {
  EXPECT_EQ(DiscoveryUrl(kIssuer), kDiscoveryUrl);
  EXPECT_EQ(DiscoveryUrl(std::string(kIssuer) + "/"), kDiscoveryUrl);
}

TEST(DiscoveryTest, FetchesAndParsesCognitoDocument) {
  FakeHttpFetcher http;
  http.SetJson(kDiscoveryUrl, CognitoDocument());
  absl::StatusOr<ProviderMetadata> metadata =
      FetchProviderMetadata(http, kIssuer);
  ASSERT_THAT(metadata, IsOk());
  EXPECT_EQ(metadata->issuer, kIssuer);
  EXPECT_EQ(metadata->jwks_uri,
            std::string(kIssuer) + "/.well-known/jwks.json");
  EXPECT_EQ(metadata->token_endpoint,
            "https://app.auth.eu-west-1.amazoncognito.com/oauth2/token");
  EXPECT_EQ(metadata->end_session_endpoint,
            "https://app.auth.eu-west-1.amazoncognito.com/logout");
  EXPECT_TRUE(metadata->revocation_endpoint.empty());
  EXPECT_THAT(
      metadata->token_endpoint_auth_methods_supported,
      ::testing::ElementsAre("client_secret_basic", "client_secret_post"));
  ASSERT_EQ(http.RequestCount(kDiscoveryUrl), 1);
  EXPECT_EQ(http.requests()[0].max_response_bytes, kMaxDiscoveryBytes);
}

TEST(DiscoveryTest, RejectsIssuerThatDiffersByTrailingSlash) {
  FakeHttpFetcher http;
  http.SetJson(kDiscoveryUrl, CognitoDocument());
  EXPECT_THAT(FetchProviderMetadata(http, std::string(kIssuer) + "/"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kDiscoveryMismatch));
}

TEST(DiscoveryTest, RejectsDocumentNamingAnotherIssuer) {
  nlohmann::json doc = CognitoDocument();
  doc["issuer"] = "https://evil.example.com";
  absl::StatusOr<ProviderMetadata> metadata =
      ParseProviderMetadata(doc.dump(), kIssuer);
  EXPECT_THAT(metadata, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 ErrorReason::kDiscoveryMismatch));
  EXPECT_THAT(std::string(metadata.status().message()),
              ::testing::HasSubstr("https://evil.example.com"));
}

TEST(DiscoveryTest, RejectsMalformedJson) {
  EXPECT_THAT(ParseProviderMetadata("{\"issuer\": ", kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  EXPECT_THAT(ParseProviderMetadata("[1,2]", kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
}

TEST(DiscoveryTest, RejectsMissingOrMistypedFields) {
  nlohmann::json no_jwks = CognitoDocument();
  no_jwks.erase("jwks_uri");
  EXPECT_THAT(ParseProviderMetadata(no_jwks.dump(), kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  nlohmann::json no_issuer = CognitoDocument();
  no_issuer.erase("issuer");
  EXPECT_THAT(ParseProviderMetadata(no_issuer.dump(), kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  nlohmann::json bad_type = CognitoDocument();
  bad_type["token_endpoint"] = 7;
  EXPECT_THAT(ParseProviderMetadata(bad_type.dump(), kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  nlohmann::json bad_array = CognitoDocument();
  bad_array["scopes_supported"] = {"openid", 3};
  EXPECT_THAT(ParseProviderMetadata(bad_array.dump(), kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
}

TEST(DiscoveryTest, RejectsOversizedDocument) {
  nlohmann::json doc = CognitoDocument();
  doc["padding"] = std::string(kMaxDiscoveryBytes, 'x');
  EXPECT_THAT(ParseProviderMetadata(doc.dump(), kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge));
  FakeHttpFetcher http;
  http.SetJson(kDiscoveryUrl, doc);
  EXPECT_THAT(FetchProviderMetadata(http, kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge));
}

TEST(DiscoveryTest, ReportsHttpErrorAndTransportFailure) {
  FakeHttpFetcher http;
  http.SetResponse(kDiscoveryUrl, 400, "Bad Request");
  EXPECT_THAT(FetchProviderMetadata(http, kIssuer),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  http.SetError(kDiscoveryUrl,
                MakeError(absl::StatusCode::kDeadlineExceeded,
                          ErrorReason::kProviderTimeout, "timed out"));
  EXPECT_THAT(FetchProviderMetadata(http, kIssuer),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       ErrorReason::kProviderTimeout));
}

TEST(DiscoveryTest, OverridesReplaceOnlyGivenEndpoints) {
  absl::StatusOr<ProviderMetadata> metadata =
      ParseProviderMetadata(CognitoDocument().dump(), kIssuer);
  ASSERT_THAT(metadata, IsOk());
  ProviderEndpoints overrides;
  overrides.jwks_uri =
      "http://127.0.0.1:5000/eu-west-1_AbC123/.well-known/jwks.json";
  ApplyEndpointOverrides(overrides, *metadata);
  EXPECT_EQ(metadata->jwks_uri, overrides.jwks_uri);
  EXPECT_EQ(metadata->token_endpoint,
            "https://app.auth.eu-west-1.amazoncognito.com/oauth2/token");
}

}  // namespace
}  // namespace authgate
