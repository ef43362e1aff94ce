// End-to-end tests of the provider client against real providers on
// 127.0.0.1: moto's Cognito emulator and a Cognito-shaped panva
// oidc-provider. No fakes: the production libcurl fetcher and system clock.
//
// Run through tests/e2e/run_e2e.py, which starts the providers and passes
// them in AUTHGATE_E2E_OIDC / AUTHGATE_E2E_COGNITO (see providers.py).
#include <stdio.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/jwks_cache.h"
#include "authgate/oauth_client.h"
#include "authgate/pkce.h"
#include "authgate/provider_config.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "base64url.h"
#include "testing/status_matchers.h"

namespace authgate {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json EnvJson(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return nlohmann::json();
  return nlohmann::json::parse(value, nullptr, false);
}

std::string EnvString(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    oidc_ = EnvJson("AUTHGATE_E2E_OIDC");
    cognito_ = EnvJson("AUTHGATE_E2E_COGNITO");
    if (!oidc_.is_object() || !cognito_.is_object()) {
      GTEST_SKIP() << "run through tests/e2e/run_e2e.py (providers not given)";
    }
    issuer_ = oidc_["issuer"].get<std::string>();
    admin_ = oidc_["admin"].get<std::string>();
  }

  static std::shared_ptr<HttpFetcher> Http() {
    static std::shared_ptr<HttpFetcher> http = CreateCurlHttpFetcher();
    return http;
  }

  std::string ClientId(const char* which) const {
    return oidc_["clients"][which]["id"].get<std::string>();
  }

  ProviderConfig OidcConfig(const char* which, ClientAuthMethod method) const {
    ProviderConfig config;
    config.name = absl::StrCat("oidc-", which);
    config.issuer = issuer_;
    config.client_id = ClientId(which);
    if (method != ClientAuthMethod::kNone) {
      config.client_secret =
          oidc_["clients"][which]["secret"].get<std::string>();
    }
    config.auth_method = method;
    config.redirect_uri = oidc_["redirect_uri"].get<std::string>();
    config.scopes = {"openid", "email", "profile"};
    config.token_uses = {"id", "access"};
    return config;
  }

  std::shared_ptr<OAuthClient> MakeClient(const ProviderConfig& config) {
    absl::StatusOr<std::shared_ptr<OAuthClient>> client =
        OAuthClient::Create(config, {Http(), SystemClock()});
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *client : nullptr;
  }

  nlohmann::json Admin(const std::string& path, const char* method = "GET") {
    HttpRequest request;
    request.method = method;
    request.url = admin_ + path;
    absl::StatusOr<HttpResponse> response = Http()->Fetch(request);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return nlohmann::json();
    EXPECT_EQ(response->status_code, 200) << path << ": " << response->body;
    return nlohmann::json::parse(response->body, nullptr, false);
  }
  int JwksFetchesAtServer() { return Admin("/admin/stats")["jwks"].get<int>(); }
  int TokenRequestsAtServer() {
    return Admin("/admin/stats")["token"].get<int>();
  }

  // Drives the provider's login and consent forms (providers.py login).
  std::pair<std::string, std::string> Login(const std::string& url,
                                            const std::string& user) {
    std::string command =
        absl::StrCat(EnvString("AUTHGATE_E2E_PYTHON"), " ",
                     EnvString("AUTHGATE_E2E_PROVIDERS_PY"), " login --url '",
                     url, "' --admin ", admin_, " --username ", user);
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    if (pipe == nullptr) return {};
    std::string out;
    char buffer[512];
    while (fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
    EXPECT_EQ(pclose(pipe), 0) << out;
    nlohmann::json result = nlohmann::json::parse(out, nullptr, false);
    if (!result.is_object()) {
      ADD_FAILURE() << "login driver said: " << out;
      return {};
    }
    return {result["code"].get<std::string>(),
            result["state"].get<std::string>()};
  }

  // Full browser-less sign-in; returns the tokens of the code exchange.
  absl::StatusOr<TokenResponse> SignIn(OAuthClient& client,
                                       const std::string& user,
                                       bool send_verifier = true) {
    absl::StatusOr<AuthorizationUrl> auth = client.BuildAuthorizationUrl({});
    if (!auth.ok()) return auth.status();
    auto [code, state] = Login(auth->url, user);
    EXPECT_TRUE(StateMatches(auth->state, state));
    CodeExchangeRequest exchange;
    exchange.code = code;
    exchange.code_verifier = send_verifier ? auth->code_verifier : "";
    exchange.nonce = auth->nonce;
    return client.ExchangeCode(exchange);
  }

  std::string SubjectOf(const std::string& user) {
    return Admin(absl::StrCat("/admin/user?username=", user), "POST")["sub"]
        .get<std::string>();
  }

  // `token` with its header replaced by one naming `kid`.
  static std::string WithKid(const std::string& token, const std::string& kid) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    nlohmann::json header = {{"alg", "RS256"}, {"kid", kid}, {"typ", "JWT"}};
    return absl::StrCat(internal::Base64UrlEncode(header.dump()), ".",
                        parts.at(1), ".", parts.at(2));
  }

  static std::string KidOf(const std::string& token) {
    absl::StatusOr<UnverifiedToken> decoded = DecodeUnverified(token);
    return decoded.ok() ? decoded->header.value("kid", "") : "";
  }

  nlohmann::json oidc_;
  nlohmann::json cognito_;
  std::string issuer_;
  std::string admin_;
};

TEST_F(E2eTest, DiscoversCognitoShapedProvider) {
  absl::StatusOr<ProviderMetadata> metadata =
      FetchProviderMetadata(*Http(), issuer_);
  ASSERT_THAT(metadata, IsOk());
  EXPECT_EQ(metadata->issuer, issuer_);
  EXPECT_EQ(metadata->authorization_endpoint, issuer_ + "/oauth2/authorize");
  EXPECT_EQ(metadata->token_endpoint, issuer_ + "/oauth2/token");
  EXPECT_EQ(metadata->userinfo_endpoint, issuer_ + "/oauth2/userInfo");
  EXPECT_EQ(metadata->revocation_endpoint, issuer_ + "/oauth2/revoke");
  EXPECT_EQ(metadata->end_session_endpoint, issuer_ + "/logout");
  EXPECT_EQ(metadata->jwks_uri, issuer_ + "/.well-known/jwks.json");
  EXPECT_THAT(metadata->code_challenge_methods_supported, ElementsAre("S256"));
}

TEST_F(E2eTest, RejectsDiscoveryIssuerMismatch) {
  EXPECT_THAT(FetchProviderMetadata(*Http(), issuer_ + "/"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kDiscoveryMismatch));
  // A document served at one issuer that names another.
  EXPECT_THAT(FetchProviderMetadata(*Http(), admin_ + "/faults/mismatch"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kDiscoveryMismatch));
  EXPECT_THAT(OAuthClient::Create(
                  [&] {
                    ProviderConfig c = OidcConfig(
                        "basic", ClientAuthMethod::kClientSecretBasic);
                    c.issuer = admin_ + "/faults/mismatch";
                    return c;
                  }(),
                  {Http(), SystemClock()}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kDiscoveryMismatch));
}

// client_secret_basic with a secret full of reserved characters, then
// userInfo, refresh without rotation, revoke, and refresh after revoke.
TEST_F(E2eTest, CodeFlowWithBasicAuthRefreshUserInfoAndRevoke) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("basic", ClientAuthMethod::kClientSecretBasic));
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->WarmUp(), IsOk());
  absl::StatusOr<TokenResponse> tokens = SignIn(*client, "alice");
  ASSERT_THAT(tokens, IsOk());
  ASSERT_TRUE(tokens->id_token_claims.has_value());
  const VerifiedToken& id = *tokens->id_token_claims;
  EXPECT_EQ(id.subject(), SubjectOf("alice"));
  EXPECT_EQ(id.issuer(), issuer_);
  EXPECT_THAT(id.audience(), ElementsAre(ClientId("basic")));
  EXPECT_EQ(id.token_use(), "id");
  EXPECT_EQ(id.username(), "alice");
  EXPECT_THAT(id.groups(), ElementsAre("e2e-admins"));
  EXPECT_FALSE(id.nonce().empty());
  EXPECT_FALSE(tokens->refresh_token.empty());

  absl::StatusOr<nlohmann::json> info =
      client->UserInfo(tokens->access_token, id.subject());
  ASSERT_THAT(info, IsOk());
  // The provider sends "true" (Cognito's quirk); authgate normalises it.
  EXPECT_EQ((*info)["email_verified"], true);
  EXPECT_EQ((*info)["email"], "alice@example.com");
  EXPECT_THAT(client->UserInfo(tokens->access_token, "someone-else"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kClaimMismatch));

  absl::StatusOr<TokenResponse> refreshed =
      client->Refresh(tokens->refresh_token);
  ASSERT_THAT(refreshed, IsOk());
  EXPECT_EQ(refreshed->refresh_token, tokens->refresh_token);
  EXPECT_FALSE(refreshed->refresh_token_rotated);
  EXPECT_NE(refreshed->access_token, tokens->access_token);
  ASSERT_TRUE(refreshed->id_token_claims.has_value());
  EXPECT_EQ(refreshed->id_token_claims->subject(), id.subject());

  ASSERT_THAT(client->Revoke(tokens->refresh_token), IsOk());
  absl::StatusOr<TokenResponse> after = client->Refresh(tokens->refresh_token);
  EXPECT_THAT(after, StatusIs(absl::StatusCode::kUnauthenticated,
                              ErrorReason::kOAuthInvalidGrant));
  EXPECT_EQ(GetOAuthError(after.status()), "invalid_grant");
  EXPECT_THAT(after.status().ToString(), Not(HasSubstr(tokens->refresh_token)));
  // Revoking again is still 200 (RFC 7009 section 2.2).
  EXPECT_THAT(client->Revoke(tokens->refresh_token), IsOk());
}

TEST_F(E2eTest, CodeFlowWithPostAuthAndSingleUseCode) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("post", ClientAuthMethod::kClientSecretPost));
  ASSERT_NE(client, nullptr);
  absl::StatusOr<AuthorizationUrl> auth = client->BuildAuthorizationUrl({});
  ASSERT_THAT(auth, IsOk());
  auto [code, state] = Login(auth->url, "bob");
  EXPECT_TRUE(StateMatches(auth->state, state));
  CodeExchangeRequest exchange{code, auth->code_verifier, auth->nonce, ""};
  absl::StatusOr<TokenResponse> tokens = client->ExchangeCode(exchange);
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->id_token_claims->subject(), SubjectOf("bob"));
  absl::StatusOr<TokenResponse> again = client->ExchangeCode(exchange);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kUnauthenticated,
                              ErrorReason::kOAuthInvalidGrant));
  EXPECT_THAT(again.status().ToString(), Not(HasSubstr(code)));
}

TEST_F(E2eTest, PublicClientWithPkceAndRotatingRefreshTokens) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("public", ClientAuthMethod::kNone));
  ASSERT_NE(client, nullptr);
  absl::StatusOr<TokenResponse> tokens = SignIn(*client, "carol");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->id_token_claims->subject(), SubjectOf("carol"));
  absl::StatusOr<TokenResponse> refreshed =
      client->Refresh(tokens->refresh_token);
  ASSERT_THAT(refreshed, IsOk());
  EXPECT_TRUE(refreshed->refresh_token_rotated);
  EXPECT_NE(refreshed->refresh_token, tokens->refresh_token);

  // A wrong PKCE verifier is refused by the provider.
  absl::StatusOr<AuthorizationUrl> auth = client->BuildAuthorizationUrl({});
  ASSERT_THAT(auth, IsOk());
  auto [code, state] = Login(auth->url, "carol");
  absl::StatusOr<std::string> wrong = GenerateCodeVerifier();
  ASSERT_THAT(wrong, IsOk());
  EXPECT_THAT(client->ExchangeCode({code, *wrong, auth->nonce, ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kOAuthInvalidGrant));
}

TEST_F(E2eTest, WrongClientSecretIsInvalidClientWithoutLeakingIt) {
  ProviderConfig config =
      OidcConfig("basic", ClientAuthMethod::kClientSecretBasic);
  config.client_secret = "wrong-secret-value-xyz";
  std::shared_ptr<OAuthClient> client = MakeClient(config);
  ASSERT_NE(client, nullptr);
  absl::StatusOr<TokenResponse> tokens = client->Refresh("some-refresh-token");
  EXPECT_THAT(tokens, StatusIs(absl::StatusCode::kFailedPrecondition,
                               ErrorReason::kOAuthInvalidClient));
  EXPECT_EQ(GetOAuthError(tokens.status()), "invalid_client");
  EXPECT_THAT(tokens.status().ToString(), Not(HasSubstr("wrong-secret-value")));
}

TEST_F(E2eTest, ClientCredentialsTokenIsCognitoShapedAndCached) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic));
  ASSERT_NE(client, nullptr);
  int before = TokenRequestsAtServer();
  absl::StatusOr<TokenResponse> m2m =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(m2m, IsOk());
  EXPECT_TRUE(m2m->id_token.empty());
  EXPECT_TRUE(m2m->refresh_token.empty());
  VerifyOptions options;
  options.token_uses = {"access"};
  options.scopes = {"orders/read"};
  absl::StatusOr<VerifiedToken> access =
      client->Verify(m2m->access_token, options);
  ASSERT_THAT(access, IsOk());
  EXPECT_EQ(access->client_id(), ClientId("m2m"));
  EXPECT_THAT(access->scopes(), ElementsAre("orders/read"));
  options.scopes = {"orders/write"};
  EXPECT_THAT(client->Verify(m2m->access_token, options),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       ErrorReason::kScopeMissing));
  absl::StatusOr<TokenResponse> cached =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(cached, IsOk());
  EXPECT_EQ(cached->access_token, m2m->access_token);
  EXPECT_EQ(TokenRequestsAtServer() - before, 1);
  absl::StatusOr<TokenResponse> both =
      client->ClientCredentials({"orders/write", "orders/read"});
  ASSERT_THAT(both, IsOk());
  EXPECT_NE(both->access_token, m2m->access_token);
  EXPECT_EQ(TokenRequestsAtServer() - before, 2);
}

TEST_F(E2eTest, LogoutUrlIsAcceptedByEndSessionEndpoint) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("basic", ClientAuthMethod::kClientSecretBasic));
  ASSERT_NE(client, nullptr);
  LogoutRequest request;
  request.post_logout_redirect_uri = oidc_["logout_uri"].get<std::string>();
  request.state = "bye";
  absl::StatusOr<std::string> url = client->BuildLogoutUrl(request);
  ASSERT_THAT(url, IsOk());
  EXPECT_THAT(*url, ::testing::StartsWith(issuer_ + "/logout?client_id="));
  HttpRequest get;
  get.url = *url;
  absl::StatusOr<HttpResponse> page = Http()->Fetch(get);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->status_code, 200);  // the logout confirmation form
}

// moto's Cognito: AWS issuer in the tokens, JWKS from the emulator.
TEST_F(E2eTest, VerifiesMotoCognitoTokensThroughLiveJwks) {
  CognitoPool pool;
  pool.user_pool_id = cognito_["pool_id"].get<std::string>();
  pool.region = cognito_["region"].get<std::string>();
  pool.jwks_uri = cognito_["jwks_uri"].get<std::string>();
  absl::StatusOr<ProviderConfig> config = MakeCognitoProviderConfig(pool);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->issuer, cognito_["issuer"].get<std::string>());
  config->client_id = cognito_["client_id"].get<std::string>();
  config->client_secret = cognito_["client_secret"].get<std::string>();
  std::shared_ptr<OAuthClient> client = MakeClient(*config);
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->WarmUp(), IsOk());

  VerifyOptions id_options;
  id_options.token_uses = {"id"};
  absl::StatusOr<VerifiedToken> id =
      client->Verify(cognito_["id_token"].get<std::string>(), id_options);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->issuer(), config->issuer);
  EXPECT_EQ(id->subject(), cognito_["sub"].get<std::string>());
  EXPECT_EQ(id->username(), "alice");
  EXPECT_THAT(id->audience(), ElementsAre(config->client_id));

  VerifyOptions access_options;
  access_options.token_uses = {"access"};
  access_options.groups = {"admins"};
  absl::StatusOr<VerifiedToken> access = client->Verify(
      cognito_["access_token"].get<std::string>(), access_options);
  ASSERT_THAT(access, IsOk());
  EXPECT_EQ(access->client_id(), config->client_id);
  EXPECT_EQ(access->token_use(), "access");
  EXPECT_THAT(
      client->Verify(cognito_["access_token"].get<std::string>(), id_options),
      StatusIs(absl::StatusCode::kUnauthenticated,
               ErrorReason::kTokenUseMismatch));
  EXPECT_EQ(client->jwks()->stats().fetches, 1u);
}

// Two providers in one verifier: tokens are routed by their exact iss.
TEST_F(E2eTest, OneVerifierServesMotoAndOidcProvider) {
  CognitoPool pool;
  pool.user_pool_id = cognito_["pool_id"].get<std::string>();
  pool.jwks_uri = cognito_["jwks_uri"].get<std::string>();
  ProviderConfig cognito = MakeCognitoProviderConfig(pool).value();
  cognito.client_id = cognito_["client_id"].get<std::string>();
  std::shared_ptr<JwksCache> cognito_keys =
      JwksCache::Create(cognito.endpoints.jwks_uri, cognito.jwks,
                        {Http(), SystemClock(), nullptr})
          .value();
  std::shared_ptr<OAuthClient> m2m =
      MakeClient(OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic));
  ASSERT_NE(m2m, nullptr);
  VerifierOptions options;
  options.providers = {MakeProviderPolicy(cognito, cognito_keys),
                       m2m->policy()};
  std::unique_ptr<TokenVerifier> verifier =
      TokenVerifier::Create(options).value();
  ASSERT_THAT(cognito_keys->WarmUp(), IsOk());
  ASSERT_THAT(m2m->WarmUp(), IsOk());
  absl::StatusOr<VerifiedToken> a =
      verifier->Verify(cognito_["access_token"].get<std::string>());
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->provider_name(), cognito.name);
  absl::StatusOr<TokenResponse> tokens =
      m2m->ClientCredentials({"orders/write"});
  ASSERT_THAT(tokens, IsOk());
  absl::StatusOr<VerifiedToken> b = verifier->Verify(tokens->access_token);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->provider_name(), "oidc-m2m");
}

// A new kid verifies after exactly one refetch; a removed key stops
// verifying once the set is refreshed.
TEST_F(E2eTest, KeyRotationAddsAndRemovesKeys) {
  ProviderConfig config =
      OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic);
  config.jwks.refetch_cooldown = absl::ZeroDuration();
  std::shared_ptr<OAuthClient> client = MakeClient(config);
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->WarmUp(), IsOk());
  absl::StatusOr<TokenResponse> old_token =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(old_token, IsOk());
  std::string old_kid = KidOf(old_token->access_token);
  ASSERT_THAT(client->Verify(old_token->access_token), IsOk());

  nlohmann::json rotated = Admin("/admin/rotate", "POST");
  std::string new_kid = rotated["kid"].get<std::string>();
  ASSERT_NE(new_kid, old_kid);
  client->ClearClientCredentialsCache();
  absl::StatusOr<TokenResponse> new_token =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(new_token, IsOk());
  ASSERT_EQ(KidOf(new_token->access_token), new_kid);
  int fetches = JwksFetchesAtServer();
  EXPECT_THAT(client->Verify(new_token->access_token), IsOk());
  EXPECT_EQ(JwksFetchesAtServer() - fetches, 1);
  EXPECT_THAT(client->Verify(new_token->access_token), IsOk());
  EXPECT_THAT(client->Verify(old_token->access_token), IsOk());
  EXPECT_EQ(JwksFetchesAtServer() - fetches, 1);
  EXPECT_EQ(client->jwks()->stats().unknown_kid_refetches, 1u);

  Admin(absl::StrCat("/admin/remove?kid=", old_kid), "POST");
  ASSERT_THAT(client->jwks()->Refresh(), IsOk());
  EXPECT_THAT(
      client->Verify(old_token->access_token),
      StatusIs(absl::StatusCode::kUnauthenticated, ErrorReason::kKeyNotFound));
  EXPECT_THAT(client->Verify(new_token->access_token), IsOk());
}

TEST_F(E2eTest, ProviderDownAtStartThenRecovers) {
  // Nothing listens on this port.
  std::string dead =
      absl::StrCat("http://127.0.0.1:", EnvString("AUTHGATE_E2E_DEAD_PORT"));
  EXPECT_THAT(FetchProviderMetadata(*Http(), dead + "/pool"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  std::shared_ptr<JwksCache> dead_keys =
      JwksCache::Create(dead + "/pool/.well-known/jwks.json", {},
                        {Http(), SystemClock(), nullptr})
          .value();
  EXPECT_THAT(dead_keys->WarmUp(), StatusIs(absl::StatusCode::kUnavailable,
                                            ErrorReason::kProviderUnavailable));
  EXPECT_EQ(dead_keys->Current(), nullptr);

  // The real provider, down while we start, then back.
  Admin("/admin/outage?on=1", "POST");
  ProviderConfig config =
      OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic);
  absl::StatusOr<std::shared_ptr<OAuthClient>> failed =
      OAuthClient::Create(config, {Http(), SystemClock()});
  config.use_discovery = false;
  config.endpoints.jwks_uri = issuer_ + "/.well-known/jwks.json";
  config.endpoints.token_endpoint = issuer_ + "/oauth2/token";
  config.jwks.refetch_cooldown = absl::Seconds(2);
  std::shared_ptr<OAuthClient> client = MakeClient(config);
  absl::Status warm = client->WarmUp();
  Admin("/admin/outage?on=0", "POST");
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnavailable,
                               ErrorReason::kProviderUnavailable));
  EXPECT_THAT(warm, StatusIs(absl::StatusCode::kUnavailable,
                             ErrorReason::kProviderUnavailable));
  absl::StatusOr<TokenResponse> tokens =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(tokens, IsOk());
  // Not loaded yet and inside the cooldown: unavailable, not "bad token".
  EXPECT_THAT(client->Verify(tokens->access_token),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  absl::SleepFor(absl::Milliseconds(2050));
  EXPECT_THAT(client->Verify(tokens->access_token), IsOk());
}

TEST_F(E2eTest, CachedKeysKeepVerifyingAfterProviderGoesAway) {
  std::shared_ptr<OAuthClient> client =
      MakeClient(OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic));
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->WarmUp(), IsOk());
  absl::StatusOr<TokenResponse> tokens =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(tokens, IsOk());
  Admin("/admin/outage?on=1", "POST");
  absl::Status refresh = client->jwks()->Refresh();
  absl::StatusOr<VerifiedToken> verified = client->Verify(tokens->access_token);
  absl::StatusOr<TokenResponse> more =
      client->ClientCredentials({"orders/write"});
  Admin("/admin/outage?on=0", "POST");
  EXPECT_THAT(refresh, StatusIs(absl::StatusCode::kUnavailable,
                                ErrorReason::kProviderUnavailable));
  EXPECT_THAT(verified, IsOk());
  EXPECT_THAT(more, StatusIs(absl::StatusCode::kUnavailable,
                             ErrorReason::kProviderUnavailable));
  EXPECT_EQ(client->jwks()->stats().fetch_failures, 1u);
  EXPECT_THAT(client->jwks()->last_error(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
}

TEST_F(E2eTest, SlowProviderHitsTheTimeout) {
  absl::Time start = absl::Now();
  EXPECT_THAT(FetchProviderMetadata(*Http(), admin_ + "/faults/slow",
                                    absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       ErrorReason::kProviderTimeout));
  JwksCacheOptions options;
  options.fetch_timeout = absl::Milliseconds(300);
  std::shared_ptr<JwksCache> keys =
      JwksCache::Create(admin_ + "/faults/slow/.well-known/jwks.json", options,
                        {Http(), SystemClock(), nullptr})
          .value();
  EXPECT_THAT(keys->WarmUp(), StatusIs(absl::StatusCode::kDeadlineExceeded,
                                       ErrorReason::kProviderTimeout));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(E2eTest, MalformedAndOversizedDocumentsAreRefused) {
  EXPECT_THAT(FetchProviderMetadata(*Http(), admin_ + "/faults/malformed"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  EXPECT_THAT(FetchProviderMetadata(*Http(), admin_ + "/faults/big"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge));
  EXPECT_THAT(FetchProviderMetadata(*Http(), admin_ + "/faults/status500"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  auto cache = [&](const std::string& kind) {
    return JwksCache::Create(
               absl::StrCat(admin_, "/faults/", kind, "/.well-known/jwks.json"),
               {}, {Http(), SystemClock(), nullptr})
        .value();
  };
  EXPECT_THAT(cache("malformed")->WarmUp(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
  EXPECT_THAT(cache("big")->WarmUp(),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge));
  EXPECT_THAT(cache("ok")->WarmUp(), IsOk());
}

// Tokens with random kids cost one JWKS fetch per cooldown at the provider.
TEST_F(E2eTest, RandomKidFloodCostsOneFetchPerCooldown) {
  constexpr absl::Duration kCooldown = absl::Seconds(2);
  ProviderConfig config =
      OidcConfig("m2m", ClientAuthMethod::kClientSecretBasic);
  config.jwks.refetch_cooldown = kCooldown;
  std::shared_ptr<OAuthClient> client = MakeClient(config);
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->WarmUp(), IsOk());
  absl::StatusOr<TokenResponse> tokens =
      client->ClientCredentials({"orders/read"});
  ASSERT_THAT(tokens, IsOk());
  absl::SleepFor(kCooldown + absl::Milliseconds(100));
  int before = JwksFetchesAtServer();
  absl::Time start = absl::Now();
  std::atomic<int> wrong_outcomes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        std::string forged =
            WithKid(tokens->access_token, absl::StrCat("random-", t, "-", i));
        absl::StatusOr<VerifiedToken> result = client->Verify(forged);
        if (GetErrorReason(result.status()) != ErrorReason::kKeyNotFound) {
          ++wrong_outcomes;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::Duration elapsed = absl::Now() - start;
  ASSERT_LT(elapsed, kCooldown) << "flood too slow to measure one cooldown";
  EXPECT_EQ(wrong_outcomes.load(), 0);
  EXPECT_EQ(JwksFetchesAtServer() - before, 1);
  EXPECT_EQ(client->jwks()->stats().unknown_kid_refetches, 1u);
  EXPECT_THAT(client->Verify(tokens->access_token), IsOk());
}

}  // namespace
}  // namespace authgate

namespace authgate {
namespace {

struct CliRun {
  int exit_code;
  nlohmann::json output;
};

CliRun RunCli(const std::string& args) {
  std::string command =
      absl::StrCat(AUTHGATE_CLI_PATH, " ", args, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), nlohmann::json::parse(out, nullptr, false)};
}

}  // namespace

// `authgate verify --jwks-uri` fetches moto's live key set (the emulator's
// tokens keep the AWS issuer, which is still checked).
TEST_F(E2eTest, CliVerifiesMotoTokenWithLiveJwks) {
  std::string common = absl::StrCat(
      "verify --jwks-uri=", cognito_["jwks_uri"].get<std::string>(),
      " --issuer=", cognito_["issuer"].get<std::string>(),
      " --client-id=", cognito_["client_id"].get<std::string>(),
      " --token-use=access ");
  CliRun ok = RunCli(common + cognito_["access_token"].get<std::string>());
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.output["claims"]["username"], "alice");
  CliRun wrong_use = RunCli(common + cognito_["id_token"].get<std::string>());
  EXPECT_EQ(wrong_use.exit_code, 1);
  EXPECT_EQ(wrong_use.output["reason"], "token_use_mismatch");
}

// `authgate discover` checks the issuer of oidc-provider's document.
TEST_F(E2eTest, CliDiscoversProvider) {
  CliRun run = RunCli(absl::StrCat("discover ", issuer_));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.output["issuer"], issuer_);
}

}  // namespace authgate
