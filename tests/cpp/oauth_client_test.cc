#include "authgate/oauth_client.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/pkce.h"
#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate {
namespace {

using ::authgate::testing::FakeClock;
using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://idp.example.com/us-east-1_Pool";
constexpr char kDiscovery[] =
    "https://idp.example.com/us-east-1_Pool/.well-known/openid-configuration";
constexpr char kJwks[] = "https://idp.example.com/us-east-1_Pool/jwks.json";
constexpr char kAuthorize[] = "https://auth.example.com/oauth2/authorize";
constexpr char kToken[] = "https://auth.example.com/oauth2/token";
constexpr char kUserInfo[] = "https://auth.example.com/oauth2/userInfo";
constexpr char kRevoke[] = "https://auth.example.com/oauth2/revoke";
constexpr char kLogout[] = "https://auth.example.com/logout";
constexpr char kClientId[] = "client 1";
constexpr char kSecret[] = "s3cr:t%+&=";
constexpr char kRedirect[] = "https://app.example.com/callback";

// Parses an application/x-www-form-urlencoded body or query.
std::map<std::string, std::string> ParseForm(absl::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, '=');
    auto decode = [](std::string s) {
      std::string out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
          out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
          out.push_back(
              static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          out.push_back(s[i]);
        }
      }
      return out;
    };
    out[decode(kv.first)] = decode(kv.second);
  }
  return out;
}

std::string AtHash(absl::string_view access_token) {
  std::string digest = internal::Sha256(access_token);
  return internal::Base64UrlEncode(digest.substr(0, digest.size() / 2));
}

class OAuthClientTest : public ::testing::Test {
 protected:
  OAuthClientTest() {
    minter_.AddKey("k1", Algorithm::kRs256);
    http_->SetJson(kDiscovery, {{"issuer", kIssuer},
                                {"authorization_endpoint", kAuthorize},
                                {"token_endpoint", kToken},
                                {"userinfo_endpoint", kUserInfo},
                                {"revocation_endpoint", kRevoke},
                                {"end_session_endpoint", kLogout},
                                {"jwks_uri", kJwks}});
    http_->SetJson(kJwks, minter_.Jwks());
  }

  ProviderConfig Config(
      ClientAuthMethod method = ClientAuthMethod::kClientSecretBasic) {
    ProviderConfig config;
    config.name = "idp";
    config.issuer = kIssuer;
    config.client_id = kClientId;
    config.client_secret = method == ClientAuthMethod::kNone ? "" : kSecret;
    config.auth_method = method;
    config.redirect_uri = kRedirect;
    config.scopes = {"openid", "email"};
    config.jwks.background_refresh = false;
    return config;
  }

  std::shared_ptr<OAuthClient> Client(ProviderConfig config) {
    OAuthClient::Dependencies deps;
    deps.fetcher = http_;
    deps.clock = clock_;
    absl::StatusOr<std::shared_ptr<OAuthClient>> client =
        OAuthClient::Create(std::move(config), deps);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *client : nullptr;
  }
  std::shared_ptr<OAuthClient> Client(
      ClientAuthMethod method = ClientAuthMethod::kClientSecretBasic) {
    return Client(Config(method));
  }

  nlohmann::json IdClaims() const {
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    return {{"iss", kIssuer}, {"sub", "user-1"},   {"aud", kClientId},
            {"iat", now},     {"exp", now + 3600}, {"token_use", "id"}};
  }

  // A token endpoint answer with an ID token carrying `extra` claims.
  void SetTokenAnswer(const nlohmann::json& extra, bool with_refresh = true,
                      const std::string& access_token = "access-1") {
    nlohmann::json claims = IdClaims();
    if (extra.is_object()) claims.update(extra);
    nlohmann::json body = {{"access_token", access_token},
                           {"id_token", minter_.Mint("k1", claims)},
                           {"token_type", "Bearer"},
                           {"expires_in", 3600}};
    if (with_refresh) body["refresh_token"] = "refresh-1";
    http_->SetJson(kToken, body);
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeHttpFetcher> http_ = std::make_shared<FakeHttpFetcher>();
  TokenMinter minter_;
};

TEST_F(OAuthClientTest, CreateRunsDiscoveryAndAppliesJwksOverride) {
  ProviderConfig config = Config();
  config.endpoints.jwks_uri =
      "http://127.0.0.1:5000/pool/.well-known/jwks.json";
  std::shared_ptr<OAuthClient> client = Client(config);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->metadata().jwks_uri, config.endpoints.jwks_uri);
  EXPECT_EQ(client->metadata().token_endpoint, kToken);
  EXPECT_EQ(client->jwks()->jwks_uri(), config.endpoints.jwks_uri);
  EXPECT_EQ(http_->RequestCount(kDiscovery), 1);
}

TEST_F(OAuthClientTest, CreateFailsOnDiscoveryIssuerMismatch) {
  ProviderConfig config = Config();
  config.issuer = std::string(kIssuer) + "/";
  OAuthClient::Dependencies deps;
  deps.fetcher = http_;
  deps.clock = clock_;
  EXPECT_THAT(OAuthClient::Create(config, deps),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kDiscoveryMismatch));
}

TEST_F(OAuthClientTest, CreateWithoutDiscoveryUsesOnlyConfiguredEndpoints) {
  ProviderConfig config = Config();
  config.use_discovery = false;
  config.endpoints.jwks_uri = kJwks;
  std::shared_ptr<OAuthClient> client = Client(config);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(http_->RequestCount(kDiscovery), 0);
  EXPECT_THAT(client->ExchangeCode({"code", "", "", ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kConfigInvalid));
}

TEST_F(OAuthClientTest, AuthorizationUrlCarriesStateNoncePkceAndOptions) {
  std::shared_ptr<OAuthClient> client = Client();
  AuthorizationRequest request;
  request.prompt = "login";
  request.login_hint = "ann@example.com";
  request.identity_provider = "Google";
  request.idp_identifier = "example.com";
  absl::StatusOr<AuthorizationUrl> auth =
      client->BuildAuthorizationUrl(request);
  ASSERT_THAT(auth, IsOk());
  ASSERT_TRUE(absl::StartsWith(auth->url, std::string(kAuthorize) + "?"));
  std::map<std::string, std::string> q =
      ParseForm(auth->url.substr(std::string(kAuthorize).size() + 1));
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["client_id"], kClientId);
  EXPECT_EQ(q["redirect_uri"], kRedirect);
  EXPECT_EQ(q["scope"], "openid email");
  EXPECT_EQ(q["state"], auth->state);
  EXPECT_EQ(q["nonce"], auth->nonce);
  EXPECT_EQ(q["code_challenge"], PkceS256Challenge(auth->code_verifier));
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["prompt"], "login");
  EXPECT_EQ(q["login_hint"], "ann@example.com");
  EXPECT_EQ(q["identity_provider"], "Google");
  EXPECT_EQ(q["idp_identifier"], "example.com");
  EXPECT_GE(auth->state.size(), 22u);  // >= 128 bits of base64url
  EXPECT_TRUE(IsValidCodeVerifier(auth->code_verifier));
  EXPECT_EQ(auth->redirect_uri, kRedirect);
  absl::StatusOr<AuthorizationUrl> second = client->BuildAuthorizationUrl({});
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->state, auth->state);
  EXPECT_NE(second->nonce, auth->nonce);
}

TEST_F(OAuthClientTest, AuthorizationUrlRefusesReservedExtraParams) {
  std::shared_ptr<OAuthClient> client = Client();
  AuthorizationRequest request;
  request.extra_params = {{"state", "mine"}};
  EXPECT_THAT(client->BuildAuthorizationUrl(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

TEST_F(OAuthClientTest, BuildsCognitoAndOidcLogoutUrls) {
  ProviderConfig config = Config();
  config.logout_style = LogoutStyle::kCognito;
  std::shared_ptr<OAuthClient> cognito = Client(config);
  LogoutRequest request;
  request.post_logout_redirect_uri = "https://app.example.com/bye";
  EXPECT_EQ(cognito->BuildLogoutUrl(request).value(),
            "https://auth.example.com/logout?client_id=client%201&logout_uri="
            "https%3A%2F%2Fapp.example.com%2Fbye");
  EXPECT_THAT(cognito->BuildLogoutUrl({}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
  std::shared_ptr<OAuthClient> oidc = Client();
  request.id_token_hint = "hint";
  request.state = "st";
  EXPECT_EQ(
      oidc->BuildLogoutUrl(request).value(),
      "https://auth.example.com/logout?client_id=client%201&id_token_hint="
      "hint&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye"
      "&state=st");
}

TEST_F(OAuthClientTest, ExchangeCodeWithBasicAuthFormEncodesCredentials) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({{"nonce", "n-1"}});
  absl::StatusOr<TokenResponse> tokens =
      client->ExchangeCode({"code-1", "verifier-1", "n-1", ""});
  ASSERT_THAT(tokens, IsOk());
  ASSERT_TRUE(tokens->id_token_claims.has_value());
  EXPECT_EQ(tokens->id_token_claims->subject(), "user-1");
  EXPECT_EQ(tokens->refresh_token, "refresh-1");
  HttpRequest sent = http_->LastRequest(kToken);
  EXPECT_EQ(sent.method, "POST");
  // RFC 6749 section 2.3.1: form-encode, then base64.
  EXPECT_EQ(FakeHttpFetcher::HeaderOf(sent, "Authorization"),
            "Basic " + absl::Base64Escape("client+1:s3cr%3At%25%2B%26%3D"));
  EXPECT_EQ(FakeHttpFetcher::HeaderOf(sent, "Content-Type"),
            "application/x-www-form-urlencoded");
  std::map<std::string, std::string> form = ParseForm(sent.body);
  EXPECT_EQ(form["grant_type"], "authorization_code");
  EXPECT_EQ(form["code"], "code-1");
  EXPECT_EQ(form["code_verifier"], "verifier-1");
  EXPECT_EQ(form["redirect_uri"], kRedirect);
  EXPECT_EQ(form.count("client_secret"), 0u);
  EXPECT_EQ(form.count("client_id"), 0u);
}

TEST_F(OAuthClientTest, ExchangeCodeWithPostAuthSendsCredentialsInBody) {
  std::shared_ptr<OAuthClient> client =
      Client(ClientAuthMethod::kClientSecretPost);
  SetTokenAnswer({});
  ASSERT_THAT(client->ExchangeCode({"code-1", "", "", ""}), IsOk());
  HttpRequest sent = http_->LastRequest(kToken);
  EXPECT_EQ(FakeHttpFetcher::HeaderOf(sent, "Authorization"), "");
  std::map<std::string, std::string> form = ParseForm(sent.body);
  EXPECT_EQ(form["client_id"], kClientId);
  EXPECT_EQ(form["client_secret"], kSecret);
}

TEST_F(OAuthClientTest, PublicClientSendsIdAndVerifierAndNeedsPkce) {
  std::shared_ptr<OAuthClient> client = Client(ClientAuthMethod::kNone);
  SetTokenAnswer({});
  EXPECT_THAT(client->ExchangeCode({"code-1", "", "", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
  ASSERT_THAT(client->ExchangeCode({"code-1", "verifier-1", "", ""}), IsOk());
  std::map<std::string, std::string> form =
      ParseForm(http_->LastRequest(kToken).body);
  EXPECT_EQ(form["client_id"], kClientId);
  EXPECT_EQ(form["code_verifier"], "verifier-1");
  EXPECT_EQ(form.count("client_secret"), 0u);
}

TEST_F(OAuthClientTest, RejectsIdTokenWithWrongNonce) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({{"nonce", "other"}});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "n-1", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kNonceMismatch));
}

TEST_F(OAuthClientTest, RejectsIdTokenWithoutNonceWhenOneWasSent) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "n-1", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kNonceMismatch));
}

// Cognito adds its own nonce on federated sign-in when the app sent none.
TEST_F(OAuthClientTest, AcceptsUnexpectedNonceWhenNoneWasSent) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({{"nonce", "cognito-generated"}});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "", ""}), IsOk());
}

TEST_F(OAuthClientTest, ChecksAtHashWhenPresent) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({{"at_hash", AtHash("access-1")}});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "", ""}), IsOk());
  SetTokenAnswer({{"at_hash", AtHash("another-access-token")}});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kAtHashMismatch));
}

TEST_F(OAuthClientTest, RejectsIdTokenForAnotherAudience) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({{"aud", "someone-else"}});
  EXPECT_THAT(client->ExchangeCode({"code-1", "v", "", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kAudienceMismatch));
}

TEST_F(OAuthClientTest, ProviderErrorsCarryOAuthErrorButNoSecrets) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->SetJson(kToken,
                 {{"error", "invalid_grant"},
                  {"error_description", "Authorization code has been used"}},
                 {}, 400);
  absl::StatusOr<TokenResponse> tokens =
      client->ExchangeCode({"secret-code-123", "verifier-xyz", "", ""});
  EXPECT_THAT(tokens, StatusIs(absl::StatusCode::kUnauthenticated,
                               ErrorReason::kOAuthInvalidGrant));
  EXPECT_EQ(GetOAuthError(tokens.status()), "invalid_grant");
  EXPECT_EQ(GetOAuthErrorDescription(tokens.status()),
            "Authorization code has been used");
  std::string text = tokens.status().ToString();
  EXPECT_THAT(text, Not(HasSubstr("secret-code-123")));
  EXPECT_THAT(text, Not(HasSubstr("verifier-xyz")));
  EXPECT_THAT(text, Not(HasSubstr(kSecret)));

  http_->SetJson(kToken, {{"error", "invalid_client"}}, {}, 401);
  EXPECT_THAT(client->Refresh("refresh-secret"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kOAuthInvalidClient));
  http_->SetError(kToken, MakeError(absl::StatusCode::kDeadlineExceeded,
                                    ErrorReason::kProviderTimeout, "timeout"));
  EXPECT_THAT(client->Refresh("refresh-secret"),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       ErrorReason::kProviderTimeout));
}

// Cognito without rotation returns no refresh token on refresh.
TEST_F(OAuthClientTest, RefreshKeepsPresentedTokenWhenNoneReturned) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({}, /*with_refresh=*/false, "access-2");
  absl::StatusOr<TokenResponse> tokens = client->Refresh("refresh-0");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->refresh_token, "refresh-0");
  EXPECT_FALSE(tokens->refresh_token_rotated);
  EXPECT_EQ(tokens->access_token, "access-2");
  std::map<std::string, std::string> form =
      ParseForm(http_->LastRequest(kToken).body);
  EXPECT_EQ(form["grant_type"], "refresh_token");
  EXPECT_EQ(form["refresh_token"], "refresh-0");
}

TEST_F(OAuthClientTest, RefreshReturnsRotatedToken) {
  std::shared_ptr<OAuthClient> client = Client();
  SetTokenAnswer({});
  absl::StatusOr<TokenResponse> tokens = client->Refresh("refresh-0");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->refresh_token, "refresh-1");
  EXPECT_TRUE(tokens->refresh_token_rotated);
}

// Concurrent refreshes of one refresh token become one request.
TEST_F(OAuthClientTest, ConcurrentRefreshesCollapseIntoOneRequest) {
  std::shared_ptr<OAuthClient> client = Client();
  std::atomic<int> calls{0};
  http_->SetHandler(kToken, [&](const HttpRequest&) {
    ++calls;
    absl::SleepFor(absl::Milliseconds(300));
    nlohmann::json body = {{"access_token", "access-2"},
                           {"token_type", "Bearer"},
                           {"refresh_token", "refresh-2"},
                           {"expires_in", 3600}};
    return absl::StatusOr<HttpResponse>(
        FakeHttpFetcher::Response(200, body.dump()));
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<TokenResponse> tokens = client->Refresh("refresh-1");
      if (tokens.ok() && tokens->refresh_token == "refresh-2") ++ok;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(calls.load(), 1);
  // A different refresh token is not collapsed with it.
  ASSERT_THAT(client->Refresh("refresh-other"), IsOk());
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(OAuthClientTest,
       ClientCredentialsTokenIsCachedUntilShortlyBeforeExpiry) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->SetJson(kToken, {{"access_token", "m2m-1"},
                          {"token_type", "Bearer"},
                          {"expires_in", 3600}});
  absl::StatusOr<TokenResponse> first =
      client->ClientCredentials({"orders/write", "orders/read"});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->access_token, "m2m-1");
  std::map<std::string, std::string> form =
      ParseForm(http_->LastRequest(kToken).body);
  EXPECT_EQ(form["grant_type"], "client_credentials");
  EXPECT_EQ(form["scope"], "orders/read orders/write");
  // Same scopes in another order: served from the cache.
  ASSERT_THAT(client->ClientCredentials({"orders/read", "orders/write"}),
              IsOk());
  EXPECT_EQ(http_->RequestCount(kToken), 1);
  // Other scopes: another token.
  ASSERT_THAT(client->ClientCredentials({"orders/read"}), IsOk());
  EXPECT_EQ(http_->RequestCount(kToken), 2);
  // 60 s margin before expiry: replaced.
  clock_->Advance(absl::Seconds(3600 - 61));
  ASSERT_THAT(client->ClientCredentials({"orders/read", "orders/write"}),
              IsOk());
  EXPECT_EQ(http_->RequestCount(kToken), 2);
  clock_->Advance(absl::Seconds(1));
  http_->SetJson(kToken, {{"access_token", "m2m-2"},
                          {"token_type", "Bearer"},
                          {"expires_in", 3600}});
  absl::StatusOr<TokenResponse> renewed =
      client->ClientCredentials({"orders/read", "orders/write"});
  ASSERT_THAT(renewed, IsOk());
  EXPECT_EQ(renewed->access_token, "m2m-2");
  EXPECT_EQ(http_->RequestCount(kToken), 3);
  client->ClearClientCredentialsCache();
  ASSERT_THAT(client->ClientCredentials({"orders/read", "orders/write"}),
              IsOk());
  EXPECT_EQ(http_->RequestCount(kToken), 4);
}

TEST_F(OAuthClientTest, ClientCredentialsNeedsConfidentialClient) {
  std::shared_ptr<OAuthClient> client = Client(ClientAuthMethod::kNone);
  EXPECT_THAT(client->ClientCredentials({"x/y"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ErrorReason::kConfigInvalid));
}

TEST_F(OAuthClientTest, UserInfoNormalisesCognitoStringBooleans) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->SetJson(kUserInfo, {{"sub", "user-1"},
                             {"email", "ann@example.com"},
                             {"email_verified", "true"},
                             {"phone_number_verified", "false"},
                             {"custom:tier", "true"}});
  absl::StatusOr<nlohmann::json> claims =
      client->UserInfo("access-1", "user-1");
  ASSERT_THAT(claims, IsOk());
  EXPECT_EQ((*claims)["email_verified"], true);
  EXPECT_EQ((*claims)["phone_number_verified"], false);
  // Custom attributes are strings by contract and stay so.
  EXPECT_EQ((*claims)["custom:tier"], "true");
  EXPECT_EQ(
      FakeHttpFetcher::HeaderOf(http_->LastRequest(kUserInfo), "Authorization"),
      "Bearer access-1");
}

TEST_F(OAuthClientTest, UserInfoSubjectMustMatchIdToken) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->SetJson(kUserInfo, {{"sub", "user-2"}});
  EXPECT_THAT(client->UserInfo("access-1", "user-1"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kClaimMismatch));
  EXPECT_THAT(client->UserInfo("access-1"), IsOk());
  http_->SetJson(kUserInfo, {{"email", "x"}});
  EXPECT_THAT(client->UserInfo("access-1"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseInvalid));
}

TEST_F(OAuthClientTest, UserInfoReportsRejectedBearerToken) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->Set(
      kUserInfo,
      FakeHttpFetcher::Response(
          401, "", {{"www-authenticate", "Bearer error=\"invalid_token\""}}));
  absl::StatusOr<nlohmann::json> claims = client->UserInfo("access-1");
  EXPECT_THAT(claims, StatusIs(absl::StatusCode::kUnauthenticated,
                               ErrorReason::kOAuthError));
  EXPECT_EQ(GetOAuthError(claims.status()), "invalid_token");
}

TEST_F(OAuthClientTest, RevokePostsTokenWithClientAuth) {
  std::shared_ptr<OAuthClient> client = Client();
  http_->SetResponse(kRevoke, 200, "");
  ASSERT_THAT(client->Revoke("refresh-1"), IsOk());
  HttpRequest sent = http_->LastRequest(kRevoke);
  std::map<std::string, std::string> form = ParseForm(sent.body);
  EXPECT_EQ(form["token"], "refresh-1");
  EXPECT_EQ(form["token_type_hint"], "refresh_token");
  EXPECT_THAT(FakeHttpFetcher::HeaderOf(sent, "Authorization"),
              ::testing::StartsWith("Basic "));
  http_->SetJson(kRevoke, {{"error", "unsupported_token_type"}}, {}, 400);
  EXPECT_THAT(client->Revoke("access-1", "access_token"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kOAuthInvalidRequest));
}

TEST_F(OAuthClientTest, PolicyNamesIssuerClientAndLiveKeys) {
  ProviderConfig config = Config();
  config.additional_issuers = {"https://other-issuer.example.com"};
  std::shared_ptr<OAuthClient> client = Client(config);
  ProviderPolicy policy = client->policy();
  EXPECT_EQ(policy.name, "idp");
  EXPECT_THAT(policy.issuers, ::testing::ElementsAre(
                                  kIssuer, "https://other-issuer.example.com"));
  EXPECT_THAT(policy.audiences, ::testing::ElementsAre(kClientId));
  EXPECT_EQ(policy.keys, client->jwks());
}

TEST(AuthorizationResponseTest, ReturnsCodeWhenStateMatches) {
  EXPECT_EQ(
      CodeFromAuthorizationResponse(
          "http://localhost:8080/callback?code=abc%2B1&state=s-1&iss=x", "s-1")
          .value(),
      "abc+1");
  EXPECT_EQ(CodeFromAuthorizationResponse("code=c&state=s", "s").value(), "c");
}

// RFC 6749 section 10.12: a callback without our state is refused, even
// when it carries an error.
TEST(AuthorizationResponseTest, RejectsMissingOrForeignState) {
  EXPECT_THAT(CodeFromAuthorizationResponse("/callback?code=c&state=evil", "s"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kStateMismatch));
  EXPECT_THAT(CodeFromAuthorizationResponse("/callback?code=c", "s"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kStateMismatch));
  EXPECT_THAT(
      CodeFromAuthorizationResponse("/callback?error=access_denied", "s"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ErrorReason::kStateMismatch));
}

TEST(AuthorizationResponseTest, MapsProviderErrorAndMissingCode) {
  absl::StatusOr<std::string> code = CodeFromAuthorizationResponse(
      "/callback?error=access_denied&error_description=User+cancelled&state=s",
      "s");
  EXPECT_THAT(code, StatusIs(absl::StatusCode::kPermissionDenied,
                             ErrorReason::kOAuthError));
  EXPECT_EQ(GetOAuthError(code.status()), "access_denied");
  EXPECT_EQ(GetOAuthErrorDescription(code.status()), "User cancelled");
  EXPECT_THAT(CodeFromAuthorizationResponse("/callback?state=s", "s"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

// Verifies that a client made from a spec holds the ID tokens it receives to
// the spec's rules: the OIDC kind's groups claim and a required claim.
TEST_F(OAuthClientTest, ClientFromSpecAppliesTheSpecsTokenRules) {
  absl::StatusOr<ProviderSpec> spec =
      ParseProviderSpec({{"kind", "oidc"},
                         {"issuer", kIssuer},
                         {"client_id", kClientId},
                         {"client_secret", kSecret},
                         {"clients", {{{"client_id", "other-client"}}}},
                         {"redirect_uri", kRedirect},
                         {"required_claims", {{"tenant", "acme"}}},
                         {"jwks", {{"background_refresh", false}}}},
                        "p");
  ASSERT_THAT(spec.status(), IsOk());
  OAuthClient::Dependencies deps;
  deps.fetcher = http_;
  deps.clock = clock_;
  absl::StatusOr<std::shared_ptr<OAuthClient>> client =
      OAuthClient::Create(*spec, spec->clients[0], deps);
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_EQ((*client)->policy().groups_claim, "groups");
  EXPECT_EQ((*client)->policy().audiences.size(), 2u);

  SetTokenAnswer({{"groups", {"eng"}}});
  EXPECT_THAT(
      (*client)->ExchangeCode({"code-1", "", "", ""}),
      StatusIs(absl::StatusCode::kUnauthenticated, ErrorReason::kClaimMissing));
  SetTokenAnswer({{"groups", {"eng"}}, {"tenant", "acme"}});
  absl::StatusOr<TokenResponse> tokens =
      (*client)->ExchangeCode({"code-2", "", "", ""});
  ASSERT_THAT(tokens.status(), IsOk());
  EXPECT_EQ(tokens->id_token_claims->groups(), std::vector<std::string>{"eng"});
  // The other client's ID token is not this client's.
  SetTokenAnswer({{"aud", "other-client"}, {"tenant", "acme"}});
  EXPECT_THAT((*client)->ExchangeCode({"code-3", "", "", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kAudienceMismatch));
}

// A Cognito configuration keeps Cognito's audience rule without a spec.
TEST_F(OAuthClientTest, CognitoConfigPolicyBindsAccessTokensByClientId) {
  CognitoPool pool;
  pool.user_pool_id = "eu-west-1_AbCdEf123";
  ProviderConfig config = MakeCognitoProviderConfig(pool).value();
  config.client_id = "web";
  config.auth_method = ClientAuthMethod::kNone;
  ProviderPolicy policy = MakeProviderPolicy(config, nullptr);
  EXPECT_EQ(policy.audience_rule, AudienceRule::kCognitoTokenUse);
  EXPECT_EQ(policy.groups_claim, "cognito:groups");
}

}  // namespace
}  // namespace authgate
