#include "authgate/provider_spec.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPoolIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";

absl::StatusOr<ProviderSpec> Parse(const char* text) {
  return ParseProviderSpec(nlohmann::json::parse(text), "providers[0]");
}

Environment FakeEnvironment(std::map<std::string, std::string> vars) {
  return [vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

void ExpectConfigError(const absl::StatusOr<ProviderSpec>& spec,
                       const std::string& text) {
  EXPECT_THAT(spec.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      ErrorReason::kConfigInvalid));
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr(text));
}

TEST(ProviderSpecTest, CognitoIssuerDerivesKindKeysAndHostedUi) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
    "client_id": "web", "client_secret": "s3cret", "domain": "myapp"})");
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_EQ(spec->kind, ProviderKind::kCognito);
  EXPECT_EQ(spec->name, "cognito");
  EXPECT_FALSE(spec->use_discovery);
  EXPECT_EQ(spec->endpoints.token_endpoint,
            "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token");
  EXPECT_EQ(spec->endpoints.jwks_uri,
            std::string(kPoolIssuer) + "/.well-known/jwks.json");
  EXPECT_THAT(spec->rules.token_uses, ElementsAre("id", "access"));
  EXPECT_EQ(spec->rules.groups_claim, "cognito:groups");
  ASSERT_EQ(spec->clients.size(), 1u);
  EXPECT_EQ(spec->clients[0].auth_method, ClientAuthMethod::kClientSecretBasic);
  ProviderPolicy policy = MakeProviderPolicy(*spec, nullptr);
  EXPECT_EQ(policy.audience_rule, AudienceRule::kCognitoTokenUse);
  EXPECT_THAT(policy.audiences, ElementsAre("web"));
}

TEST(ProviderSpecTest, OidcKindUsesAudAndGroupsClaims) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://idp.example.com", "client_id": "spa"})");
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_EQ(spec->kind, ProviderKind::kOidc);
  EXPECT_TRUE(spec->use_discovery);
  EXPECT_TRUE(spec->rules.token_uses.empty());
  ProviderPolicy policy = MakeProviderPolicy(*spec, nullptr);
  EXPECT_EQ(policy.audience_rule, AudienceRule::kAud);
  EXPECT_EQ(policy.groups_claim, "groups");
  EXPECT_EQ(policy.username_claim, "preferred_username");
}

// Verifies that several OAuth clients of one pool are all accepted audiences.
TEST(ProviderSpecTest, SeveralClientsAreAllAudiences) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
    "jwks_uri": "http://127.0.0.1:9/jwks.json",
    "client_id": "web", "client_secret": "s",
    "clients": [{"client_id": "spa"}, {"client_id": "m2m", "client_secret": "t"}],
    "audiences": ["api"]})");
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_THAT(spec->AcceptedAudiences(),
              ElementsAre("web", "spa", "m2m", "api"));
  ASSERT_NE(spec->FindClient("spa"), nullptr);
  EXPECT_EQ(spec->FindClient("spa")->auth_method, ClientAuthMethod::kNone);
  EXPECT_EQ(spec->FindClient("nope"), nullptr);
  EXPECT_EQ(spec->FindClient("")->client_id, "web");
}

TEST(ProviderSpecTest, RejectsUnknownKeyNamingItsPath) {
  ExpectConfigError(Parse(R"({"issuer": "https://idp.example.com",
                              "client_id": "a", "isuer": "x"})"),
                    "providers[0].isuer: unknown field");
  ExpectConfigError(Parse(R"({"issuer": "https://idp.example.com",
                              "clients": [{"client_id": "a", "secret": "x"}]})"),
                    "providers[0].clients[0].secret: unknown field");
}

// FusionAuth's guide writes the pool issuer with a trailing slash.
TEST(ProviderSpecTest, TrailingSlashOnCognitoIssuerIsNamed) {
  ExpectConfigError(
      Parse(R"({"issuer":
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/",
        "client_id": "a"})"),
      "providers[0].issuer: ends in '/' but a Cognito pool's issuer does not");
}

TEST(ProviderSpecTest, EmptyAudienceIsAnErrorNotAcceptAny) {
  ExpectConfigError(Parse(R"({"issuer": "https://idp.example.com",
                              "jwks_uri": "https://idp.example.com/jwks"})"),
                    "providers[0].client_id: required");
  EXPECT_THAT(Parse(R"({"issuer": "https://idp.example.com",
                        "jwks_uri": "https://idp.example.com/jwks",
                        "allow_any_audience": true})")
                  .status(),
              IsOk());
}

TEST(ProviderSpecTest, ReadsTokenRules) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://idp.example.com", "client_id": "a",
    "algorithms": ["ES256"], "clock_skew": "30s", "max_lifetime": 3600,
    "required_claims": {"tenant": "acme"}, "groups_claim": "roles",
    "token_types": ["at+jwt"], "token_uses": ["access"]})");
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_THAT(spec->rules.algorithms, ElementsAre(Algorithm::kEs256));
  EXPECT_EQ(spec->rules.clock_skew, absl::Seconds(30));
  EXPECT_EQ(spec->rules.max_lifetime, absl::Hours(1));
  EXPECT_EQ(spec->rules.required_claims.at("tenant"), "acme");
  EXPECT_EQ(spec->rules.groups_claim, "roles");
  ExpectConfigError(Parse(R"({"issuer": "https://idp.example.com",
                              "client_id": "a", "algorithms": ["none"]})"),
                    "providers[0].algorithms: unknown algorithm");
  ExpectConfigError(
      Parse(R"({"issuer": "https://idp.example.com",
                              "client_id": "a", "clock_skew": "10m"})"),
      "providers[0].clock_skew: must be between 0s and 5m, got 10m");
}

TEST(ProviderSpecTest, StaticKeysFromAFileAreLoadedAtParse) {
  std::string path = ::testing::TempDir() + "/provider_spec_jwks_" +
                     std::to_string(::getpid()) + ".json";
  std::ofstream(path) << R"({"keys": []})";
  absl::StatusOr<ProviderSpec> spec =
      ParseProviderSpec({{"issuer", "https://idp.example.com"},
                         {"client_id", "a"},
                         {"jwks_file", path}},
                        "p");
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_FALSE(spec->use_discovery);
  EXPECT_THAT(MakeStaticKeys(*spec).status(), IsOk());
  std::remove(path.c_str());
  absl::StatusOr<ProviderSpec> missing =
      ParseProviderSpec({{"issuer", "https://idp.example.com"},
                         {"client_id", "a"},
                         {"jwks_file", path}},
                        "p");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("p.jwks_file: "));
  ExpectConfigError(
      ParseProviderSpec({{"issuer", "https://idp.example.com"},
                         {"client_id", "a"},
                         {"jwks_file", path},
                         {"jwks_inline", {{"keys", {}}}}},
                        "p"),
      "p.jwks_uri: set one of jwks_uri, jwks_file and jwks_inline");
  ExpectConfigError(ParseProviderSpec({{"issuer", "https://idp.example.com"},
                                       {"client_id", "a"},
                                       {"http_timeout", -1}},
                                      "p"),
                    "p.http_timeout: must be between 1ms and 5m, got -1s");
}

// Every duration has a range, named in the error: nan, inf, 1e30 and a 0s
// cooldown (300 random kids = 300 fetches) used to be accepted.
TEST(ProviderSpecTest, DurationsOutsideTheirRangeAreRefusedNamingIt) {
  struct Case {
    nlohmann::json jwks;
    std::string message;
  };
  const Case cases[] = {
      {{{"refetch_cooldown", "0s"}},
       "providers[0].jwks.refetch_cooldown: must be between 1s and 1h, got 0s"},
      {{{"refetch_cooldown", "nan"}},
       "providers[0].jwks.refetch_cooldown: must be between 1s and 1h, got "
       "\"nan\""},
      {{{"fetch_timeout", "nan"}},
       "providers[0].jwks.fetch_timeout: must be between 1ms and 5m, got "
       "\"nan\""},
      {{{"fetch_timeout", "inf"}},
       "providers[0].jwks.fetch_timeout: must be between 1ms and 5m, got "
       "\"inf\""},
      {{{"default_ttl", 1e30}},
       "providers[0].jwks.default_ttl: must be between 1s and 168h, got "
       "1e+30"},
      {{{"max_staleness", "1e30"}},
       "providers[0].jwks.max_staleness: must be between 0s and 168h, got "
       "\"1e30\""},
      {{{"refresh_ahead", "2h"}},
       "providers[0].jwks.refresh_ahead: must be between 0s and 1h, got 2h"},
      {{{"min_ttl", "0s"}},
       "providers[0].jwks.min_ttl: must be between 1s and 24h, got 0s"},
      {{{"min_ttl", "2h"}, {"max_ttl", "1h"}},
       "providers[0].jwks.min_ttl: must be at most max_ttl"},
  };
  for (const Case& c : cases) {
    nlohmann::json value = {{"issuer", "https://idp.example.com"},
                            {"client_id", "a"},
                            {"jwks", c.jwks}};
    absl::StatusOr<ProviderSpec> spec =
        ParseProviderSpec(value, "providers[0]");
    EXPECT_THAT(spec.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        ErrorReason::kConfigInvalid))
        << c.jwks.dump();
    EXPECT_EQ(spec.status().message(), c.message) << c.jwks.dump();
  }
  const std::pair<nlohmann::json, std::string> top[] = {
      {{{"http_timeout", "inf"}},
       "p.http_timeout: must be between 1ms and 5m, got \"inf\""},
      {{{"http_timeout", "10m"}},
       "p.http_timeout: must be between 1ms and 5m, got 10m"},
      {{{"clock_skew", "nan"}},
       "p.clock_skew: must be between 0s and 5m, got \"nan\""},
      {{{"max_lifetime", "0s"}},
       "p.max_lifetime: must be between 1s and 8784h, got 0s"},
      {{{"client_credentials_refresh_margin", "-1s"}},
       "p.client_credentials_refresh_margin: must be between 0s and 1h, got "
       "-1s"},
  };
  for (const auto& [extra, message] : top) {
    nlohmann::json value = {{"issuer", "https://idp.example.com"},
                            {"client_id", "a"}};
    value.update(extra);
    EXPECT_EQ(ParseProviderSpec(value, "p").status().message(), message)
        << extra.dump();
  }
  absl::StatusOr<ProviderSpec> bounds = Parse(R"({
    "issuer": "https://idp.example.com", "client_id": "a",
    "jwks": {"refetch_cooldown": "1s", "fetch_timeout": "5m",
             "min_ttl": 1, "default_ttl": 1, "max_ttl": "168h"}})");
  ASSERT_THAT(bounds.status(), IsOk());
  EXPECT_EQ(bounds->keys.cache.refetch_cooldown, absl::Seconds(1));
  EXPECT_EQ(bounds->keys.cache.fetch_timeout, absl::Minutes(5));
}

// A secret file on /dev/zero used to end in std::bad_alloc and an abort.
TEST(ProviderSpecTest, SecretFileIsReadWithinTheLimit) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://idp.example.com", "client_id": "a",
    "client_secret_file": "/dev/zero"})");
  ExpectConfigError(spec,
                    "providers[0].client_secret_file: \"/dev/zero\" exceeds "
                    "the 1048576-byte limit");
}

// Keys and names from the file are echoed escaped, on one line.
TEST(ProviderSpecTest, EchoedKeysAndNamesAreEscaped) {
  nlohmann::json value = {{"issuer", "https://idp.example.com"},
                          {"client_id", "a"},
                          {"bad\nkey\x1b[31m", 1}};
  absl::Status status = ParseProviderSpec(value, "providers[0]").status();
  EXPECT_EQ(status.message(),
            "providers[0].\"bad\\nkey\\033[31m\": unknown field");
  value.erase("bad\nkey\x1b[31m");
  value["algorithms"] = {"RS\n256\x1b"};
  EXPECT_EQ(ParseProviderSpec(value, "providers[0]").status().message(),
            "providers[0].algorithms: unknown algorithm \"RS\\n256\\033\"");
  value.erase("algorithms");
  value.erase("client_id");
  value["clients"] = {{{"client_id", "x\ny"}}, {{"client_id", "x\ny"}}};
  EXPECT_EQ(ParseProviderSpec(value, "providers[0]").status().message(),
            "providers[0].clients: client_id \"x\\ny\" is listed twice");
}

TEST(ProviderSpecTest, SecretNeverAppearsInErrors) {
  absl::StatusOr<ProviderSpec> spec = Parse(R"({
    "issuer": "https://idp.example.com", "client_id": "a",
    "client_secret": "hunter2-secret", "auth_method": "none"})");
  ExpectConfigError(spec, "client_secret: given for a public client");
  EXPECT_THAT(std::string(spec.status().message()), Not(HasSubstr("hunter2")));
}

TEST(ProviderSpecTest, ConfigJsonErrorsNameLineAndColumn) {
  absl::StatusOr<nlohmann::json> value =
      ParseConfigJson("{\n  \"a\": 1,\n  \"b\" 2\n}", "config file x.json");
  EXPECT_THAT(value.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(std::string(value.status().message()),
              HasSubstr("config file x.json: not valid JSON at line 3"));
  EXPECT_THAT(ParseConfigJson("// c\n{\"a\": 1}", "x").status(), IsOk());
}

// NextAuth's three variables: endpoints are discovered from the issuer.
TEST(ProviderSpecTest, EnvironmentWithoutDomainDiscovers) {
  absl::StatusOr<std::optional<ProviderSpec>> spec =
      ProviderSpecFromEnvironment(
          FakeEnvironment({{"COGNITO_ISSUER", kPoolIssuer},
                           {"COGNITO_CLIENT_ID", "web"},
                           {"COGNITO_CLIENT_SECRET", "s"}}));
  ASSERT_THAT(spec.status(), IsOk());
  ASSERT_TRUE(spec->has_value());
  EXPECT_TRUE((*spec)->use_discovery);
  EXPECT_EQ((*spec)->name, "cognito");
}

TEST(ProviderSpecTest, EnvironmentReadsAuthJsV5AndPoolIdNames) {
  absl::StatusOr<std::optional<ProviderSpec>> spec =
      ProviderSpecFromEnvironment(
          FakeEnvironment({{"AUTH_COGNITO_ISSUER", kPoolIssuer},
                           {"AUTH_COGNITO_ID", "web"},
                           {"AUTH_COGNITO_SECRET", "s"}}));
  ASSERT_THAT(spec.status(), IsOk());
  ASSERT_TRUE(spec->has_value());
  EXPECT_EQ((*spec)->clients[0].client_id, "web");
  EXPECT_EQ((*spec)->issuers[0], kPoolIssuer);

  spec = ProviderSpecFromEnvironment(
      FakeEnvironment({{"COGNITO_USER_POOL_ID", "eu-west-1_AbCdEf123"},
                       {"AWS_REGION", "eu-west-1"},
                       {"COGNITO_CLIENT_ID", "web"},
                       {"COGNITO_DOMAIN", "auth.example.com"}}));
  ASSERT_THAT(spec.status(), IsOk());
  ASSERT_TRUE(spec->has_value());
  EXPECT_EQ((*spec)->issuers[0], kPoolIssuer);
  EXPECT_EQ((*spec)->endpoints.authorization_endpoint,
            "https://auth.example.com/oauth2/authorize");
}

// A Cognito-compatible issuer on loopback (an emulator or a test provider) is
// discovered like any OIDC issuer, with Cognito's token rules.
TEST(ProviderSpecTest, EnvironmentAcceptsANonAwsCognitoIssuer) {
  absl::StatusOr<std::optional<ProviderSpec>> spec =
      ProviderSpecFromEnvironment(
          FakeEnvironment({{"COGNITO_ISSUER", "http://127.0.0.1:4000/pool"},
                           {"COGNITO_CLIENT_ID", "web"}}));
  ASSERT_THAT(spec.status(), IsOk());
  ASSERT_TRUE(spec->has_value());
  EXPECT_EQ((*spec)->kind, ProviderKind::kCognito);
  EXPECT_TRUE((*spec)->use_discovery);
}

TEST(ProviderSpecTest, EnvironmentErrorsNameTheVariable) {
  absl::StatusOr<std::optional<ProviderSpec>> spec =
      ProviderSpecFromEnvironment(
          FakeEnvironment({{"COGNITO_ISSUER", std::string(kPoolIssuer) + "/"},
                           {"COGNITO_CLIENT_ID", "web"}}));
  EXPECT_THAT(std::string(spec.status().message()),
              HasSubstr("COGNITO_ISSUER: ends in '/'"));
  spec = ProviderSpecFromEnvironment(
      FakeEnvironment({{"COGNITO_ISSUER", kPoolIssuer},
                       {"AUTH_COGNITO_ISSUER", kPoolIssuer},
                       {"COGNITO_CLIENT_ID", "web"}}));
  EXPECT_THAT(std::string(spec.status().message()),
              HasSubstr("set either COGNITO_ISSUER or AUTH_COGNITO_ISSUER"));
  spec = ProviderSpecFromEnvironment(FakeEnvironment({{"AWS_REGION", "x"}}));
  ASSERT_THAT(spec.status(), IsOk());
  EXPECT_FALSE(spec->has_value());
}

}  // namespace
}  // namespace authgate
