#include "authgate/provider_config.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

ProviderConfig ValidConfig() {
  ProviderConfig config;
  config.name = "idp";
  config.issuer = "https://idp.example.com";
  config.client_id = "client";
  config.client_secret = "secret";
  config.redirect_uri = "https://app.example.com/callback";
  return config;
}

TEST(ProviderConfigTest, AcceptsValidConfig) {
  EXPECT_THAT(ValidConfig().Validate(), IsOk());
}

TEST(ProviderConfigTest, RejectsEachInvalidField) {
  auto expect_invalid = [](ProviderConfig config) {
    EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                            ErrorReason::kConfigInvalid));
  };
  ProviderConfig c = ValidConfig();
  c.name.clear();
  expect_invalid(c);
  c = ValidConfig();
  c.issuer = "idp.example.com";
  expect_invalid(c);
  c = ValidConfig();
  c.issuer = "http://idp.example.com";  // plain http to a remote host
  expect_invalid(c);
  c = ValidConfig();
  c.client_id.clear();
  expect_invalid(c);
  c = ValidConfig();
  c.client_secret.clear();  // confidential client without secret
  expect_invalid(c);
  c = ValidConfig();
  c.auth_method = ClientAuthMethod::kNone;  // public client with a secret
  expect_invalid(c);
  c = ValidConfig();
  c.redirect_uri = "https://app.example.com/cb#fragment";
  expect_invalid(c);
  c = ValidConfig();
  c.endpoints.token_endpoint = "ftp://idp.example.com/token";
  expect_invalid(c);
  c = ValidConfig();
  c.use_discovery = false;  // and no jwks_uri
  expect_invalid(c);
  c = ValidConfig();
  c.jwks.min_ttl = absl::Hours(48);
  expect_invalid(c);
  c = ValidConfig();
  c.http_timeout = absl::ZeroDuration();
  expect_invalid(c);
}

TEST(ProviderConfigTest, AllowsHttpForLoopbackOrWhenEnabled) {
  ProviderConfig c = ValidConfig();
  c.issuer = "http://127.0.0.1:4000/us-east-1_Test";
  EXPECT_THAT(c.Validate(), IsOk());
  c.issuer = "http://keycloak.internal:8080/realms/x";
  EXPECT_THAT(c.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     ErrorReason::kConfigInvalid));
  c.allow_insecure_http = true;
  EXPECT_THAT(c.Validate(), IsOk());
}

TEST(ProviderConfigTest, PublicClientNeedsNoSecret) {
  ProviderConfig c = ValidConfig();
  c.auth_method = ClientAuthMethod::kNone;
  c.client_secret.clear();
  EXPECT_THAT(c.Validate(), IsOk());
}

TEST(ProviderConfigTest, NamesClientAuthMethods) {
  EXPECT_EQ(ClientAuthMethodName(ClientAuthMethod::kClientSecretBasic),
            "client_secret_basic");
  EXPECT_EQ(ClientAuthMethodFromName("client_secret_post"),
            ClientAuthMethod::kClientSecretPost);
  EXPECT_EQ(ClientAuthMethodFromName("none"), ClientAuthMethod::kNone);
  EXPECT_EQ(ClientAuthMethodFromName("private_key_jwt"), std::nullopt);
}

TEST(CognitoProviderConfigTest, DerivesEndpointsFromPoolAndPrefix) {
  CognitoPool pool;
  pool.user_pool_id = "eu-west-1_AbC123";
  pool.domain = "myapp";
  absl::StatusOr<ProviderConfig> config = MakeCognitoProviderConfig(pool);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
  EXPECT_EQ(config->endpoints.jwks_uri,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
            "/.well-known/jwks.json");
  const std::string origin = "https://myapp.auth.eu-west-1.amazoncognito.com";
  EXPECT_EQ(config->endpoints.authorization_endpoint,
            origin + "/oauth2/authorize");
  EXPECT_EQ(config->endpoints.token_endpoint, origin + "/oauth2/token");
  EXPECT_EQ(config->endpoints.userinfo_endpoint, origin + "/oauth2/userInfo");
  EXPECT_EQ(config->endpoints.revocation_endpoint, origin + "/oauth2/revoke");
  EXPECT_EQ(config->endpoints.end_session_endpoint, origin + "/logout");
  EXPECT_EQ(config->logout_style, LogoutStyle::kCognito);
  EXPECT_FALSE(config->use_discovery);
  EXPECT_THAT(config->token_uses, ::testing::ElementsAre("id", "access"));
}

TEST(CognitoProviderConfigTest, AcceptsCustomDomainAndOrigin) {
  CognitoPool pool;
  pool.user_pool_id = "us-east-1_Xyz";
  pool.domain = "auth.example.com";
  absl::StatusOr<ProviderConfig> config = MakeCognitoProviderConfig(pool);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->endpoints.token_endpoint,
            "https://auth.example.com/oauth2/token");
  pool.domain = "http://127.0.0.1:9000/";
  config = MakeCognitoProviderConfig(pool);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->endpoints.end_session_endpoint,
            "http://127.0.0.1:9000/logout");
}

TEST(CognitoProviderConfigTest, KeepsAwsIssuerWithJwksOverride) {
  CognitoPool pool;
  pool.user_pool_id = "us-east-1_Xyz";
  pool.jwks_uri = "http://127.0.0.1:5000/us-east-1_Xyz/.well-known/jwks.json";
  absl::StatusOr<ProviderConfig> config = MakeCognitoProviderConfig(pool);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->issuer,
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Xyz");
  EXPECT_EQ(config->endpoints.jwks_uri, pool.jwks_uri);
  EXPECT_TRUE(config->endpoints.token_endpoint.empty());
}

TEST(CognitoProviderConfigTest, UsesUpdatedIssuerFormatWhenAsked) {
  CognitoPool pool;
  pool.user_pool_id = "eu-west-1_AbC123";
  pool.updated_issuer_format = true;
  EXPECT_EQ(
      CognitoIssuer(pool).value(),
      "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
}

TEST(CognitoProviderConfigTest, ParsesIssuerAndDomainSettings) {
  absl::StatusOr<CognitoPool> pool = CognitoPoolFromIssuer(
      "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Q1w2E3",
      "myapp");
  ASSERT_THAT(pool, IsOk());
  EXPECT_EQ(pool->region, "ap-southeast-2");
  EXPECT_EQ(pool->user_pool_id, "ap-southeast-2_Q1w2E3");
  EXPECT_EQ(pool->domain, "myapp");
  EXPECT_FALSE(pool->updated_issuer_format);
  pool = CognitoPoolFromIssuer(
      "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
      "");
  ASSERT_THAT(pool, IsOk());
  EXPECT_TRUE(pool->updated_issuer_format);
}

TEST(CognitoProviderConfigTest, RejectsNonCognitoIssuersAndPoolIds) {
  EXPECT_THAT(CognitoPoolFromIssuer("https://accounts.google.com", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(CognitoPoolFromIssuer(
                  "https://cognito-idp.eu-west-1.amazonaws.com/not-a-pool", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  CognitoPool pool;
  pool.user_pool_id = "eu-west-1_Ab/../x";
  EXPECT_THAT(MakeCognitoProviderConfig(pool),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

}  // namespace
}  // namespace authgate
