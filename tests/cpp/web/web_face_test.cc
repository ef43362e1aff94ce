// WebFace against a fake OIDC provider (FakeHttpFetcher + TokenMinter) and a
// FakeClock: the browser face's contract (docs/web.md) without sockets.
#include "grpc_service/web/web_face.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc_service/logger.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"
#include "grpc_service/web/web_types.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/oauth_client.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_fetcher.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate::service {
namespace {

using ::authgate::testing::FakeClock;
using ::authgate::testing::FakeHttpFetcher;
using ::authgate::testing::TokenMinter;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kDiscovery[] =
    "https://idp.example.com/.well-known/openid-configuration";
constexpr char kJwks[] = "https://idp.example.com/jwks";
constexpr char kAuthorize[] = "https://idp.example.com/authorize";
constexpr char kToken[] = "https://idp.example.com/token";
constexpr char kUserInfo[] = "https://idp.example.com/userinfo";
constexpr char kRevoke[] = "https://idp.example.com/revoke";
constexpr char kLogout[] = "https://idp.example.com/logout";
constexpr char kClientId[] = "web-client";
constexpr char kRedirect[] = "https://app.example.com/oauth2/callback";

std::vector<std::string> SetCookies(const WebResponse& response) {
  std::vector<std::string> out;
  for (const auto& [name, value] : response.headers) {
    if (name == "Set-Cookie") out.push_back(value);
  }
  return out;
}

// "name=value" of the first Set-Cookie whose name starts with `prefix`.
std::string CookiePair(const WebResponse& response, absl::string_view prefix) {
  for (const std::string& header : SetCookies(response)) {
    if (absl::StartsWith(header, prefix)) {
      return std::string(header.substr(0, header.find(';')));
    }
  }
  return "";
}

std::string QueryParam(absl::string_view url, absl::string_view name) {
  absl::string_view query = url.substr(url.find('?') + 1);
  absl::StatusOr<HeaderList> form = ParseForm(query);
  if (!form.ok()) return "";
  return FormValue(*form, name).value_or("");
}

class WebFaceTest : public ::testing::Test {
 protected:
  WebFaceTest() {
    minter_.AddKey("k1", Algorithm::kRs256);
    http_->SetJson(kDiscovery, {{"issuer", kIssuer},
                                {"authorization_endpoint", kAuthorize},
                                {"token_endpoint", kToken},
                                {"userinfo_endpoint", kUserInfo},
                                {"revocation_endpoint", kRevoke},
                                {"end_session_endpoint", kLogout},
                                {"jwks_uri", kJwks}});
    http_->SetJson(kJwks, minter_.Jwks());
    http_->SetJson(kRevoke, nlohmann::json::object());
    settings_.listen = "127.0.0.1:0";
    settings_.allowed_redirect_domains = {"app.example.com"};
    settings_.sign_out_url = "https://app.example.com/signed-out";
  }

  void SetUp() override { Build(); }

  void Build() {
    absl::StatusOr<ProviderSpec> spec =
        ParseProviderSpec(nlohmann::json{{"name", "idp"},
                                         {"kind", "oidc"},
                                         {"issuer", kIssuer},
                                         {"client_id", kClientId},
                                         {"client_secret", "secret"},
                                         {"redirect_uri", kRedirect},
                                         {"scopes", {"openid", "email"}}},
                          "providers[0]");
    ASSERT_TRUE(spec.ok()) << spec.status();
    OAuthClient::Dependencies deps;
    deps.fetcher = http_;
    deps.clock = clock_;
    absl::StatusOr<std::shared_ptr<OAuthClient>> client =
        OAuthClient::Create(*spec, spec->clients[0], deps);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *client;
    VerifierOptions options;
    options.providers.push_back(client_->policy());
    VerifierDependencies verifier_deps;
    verifier_deps.clock = clock_;
    absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
        TokenVerifier::Create(options, verifier_deps);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
    absl::StatusOr<SessionKeys> keys =
        SessionKeys::FromRawKeys({std::string(32, 'k')});
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::make_shared<const SessionKeys>(*std::move(keys));
    WebFace::Dependencies face_deps;
    face_deps.client = [client = client_] {
      return absl::StatusOr<std::shared_ptr<OAuthClient>>(client);
    };
    face_deps.verifier = verifier_.get();
    if (!keys_from_file_) {
      face_deps.keys = keys_;
      face_deps.store = MakeCookieSessionStore(keys_, settings_.cookie.name);
    }
    face_deps.clock = clock_;
    face_deps.logger = logger_;
    absl::StatusOr<std::unique_ptr<WebFace>> face =
        WebFace::Create(settings_, face_deps);
    ASSERT_TRUE(face.ok()) << face.status();
    face_ = *std::move(face);
  }

  WebResponse Get(std::string path_and_query, HeaderList headers = {}) {
    WebRequest request;
    request.method = "GET";
    size_t q = path_and_query.find('?');
    request.path = path_and_query.substr(0, q);
    if (q != std::string::npos) request.query = path_and_query.substr(q + 1);
    request.headers = std::move(headers);
    request.headers.emplace_back("host", "app.example.com");
    return face_->Handle(request);
  }

  std::string IdToken(const std::string& nonce, nlohmann::json extra = {}) {
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    nlohmann::json claims = {{"iss", kIssuer},
                             {"sub", "user-1"},
                             {"aud", kClientId},
                             {"iat", now},
                             {"exp", now + 3600},
                             {"nonce", nonce},
                             {"preferred_username", "alice"},
                             {"email", "alice@example.com"},
                             {"email_verified", true},
                             {"groups", {"admins", "dev"}}};
    if (extra.is_object()) claims.update(extra);
    return minter_.Mint("k1", claims);
  }

  // The token endpoint's answer to the next code exchange.
  void AnswerExchange(const std::string& nonce, int expires_in = 3600) {
    http_->SetJson(kToken, {{"access_token", "access-1"},
                            {"id_token", IdToken(nonce)},
                            {"refresh_token", "refresh-1"},
                            {"token_type", "Bearer"},
                            {"expires_in", expires_in}});
  }

  struct SignIn {
    WebResponse start;
    WebResponse callback;
    std::string flow_cookie;     // "name=value"
    std::string session_cookie;  // "_authgate=value"
    std::string state;
  };

  SignIn SignInUser(int expires_in = 3600) {
    SignIn out;
    out.start = Get("/oauth2/start?rd=%2Fdash");
    std::string location(out.start.Header("Location"));
    out.state = QueryParam(location, "state");
    AnswerExchange(QueryParam(location, "nonce"), expires_in);
    out.flow_cookie = CookiePair(out.start, "_authgate_csrf_");
    out.callback =
        Get(absl::StrCat("/oauth2/callback?code=code-1&state=", out.state),
            {{"cookie", out.flow_cookie}});
    out.session_cookie = CookiePair(out.callback, "_authgate=");
    return out;
  }

  // The cookie store judges expiry on the system clock: start from now.
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())));
  std::shared_ptr<FakeHttpFetcher> http_ = std::make_shared<FakeHttpFetcher>();
  std::shared_ptr<Logger> logger_ = std::make_shared<Logger>(LogLevel::kError);
  TokenMinter minter_;
  WebSettings settings_;
  std::shared_ptr<OAuthClient> client_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::shared_ptr<const SessionKeys> keys_;
  std::unique_ptr<WebFace> face_;
  // Build() reads settings_.cookie_secret_file instead of injecting keys.
  bool keys_from_file_ = false;
};

std::string WriteKeyFile(const std::string& text) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", getpid(), "_keys");
  std::ofstream(path) << text;
  return path;
}

TEST_F(WebFaceTest, StartRedirectsToTheProviderWithAFlowCookie) {
  WebResponse response =
      Get("/oauth2/start?rd=https%3A%2F%2Fapp.example.com%2Fx");
  EXPECT_EQ(response.status, 302);
  std::string location(response.Header("Location"));
  EXPECT_THAT(location, StartsWith(absl::StrCat(kAuthorize, "?")));
  EXPECT_EQ(QueryParam(location, "response_type"), "code");
  EXPECT_EQ(QueryParam(location, "client_id"), kClientId);
  EXPECT_EQ(QueryParam(location, "redirect_uri"), kRedirect);
  EXPECT_EQ(QueryParam(location, "scope"), "openid email");
  EXPECT_EQ(QueryParam(location, "code_challenge_method"), "S256");
  EXPECT_FALSE(QueryParam(location, "state").empty());
  EXPECT_FALSE(QueryParam(location, "nonce").empty());
  std::vector<std::string> cookies = SetCookies(response);
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_THAT(cookies[0], StartsWith("_authgate_csrf_"));
  EXPECT_THAT(cookies[0], HasSubstr("Max-Age=600"));
  EXPECT_THAT(cookies[0], HasSubstr("HttpOnly"));
  EXPECT_THAT(cookies[0], HasSubstr("SameSite=Lax"));
  EXPECT_THAT(cookies[0], HasSubstr("Path=/"));
  EXPECT_EQ(response.Header("Cache-Control"), "no-store");
}

TEST_F(WebFaceTest, StartRefusesAForeignReturnUrl) {
  for (const char* rd : {"%2F%2Fevil.com", "https%3A%2F%2Fevil.com",
                         "javascript%3Aalert(1)", "%2F%5Cevil.com"}) {
    WebResponse response = Get(absl::StrCat("/oauth2/start?rd=", rd));
    EXPECT_EQ(response.status, 400) << rd;
    EXPECT_EQ(response.Header("authgate-error-reason"), "redirect_not_allowed")
        << rd;
    EXPECT_TRUE(SetCookies(response).empty()) << rd;
  }
}

TEST_F(WebFaceTest, CallbackSignsInAndRedirectsToTheReturnUrl) {
  SignIn sign_in = SignInUser();
  EXPECT_EQ(sign_in.callback.status, 302);
  EXPECT_EQ(sign_in.callback.Header("Location"), "/dash");
  EXPECT_THAT(sign_in.session_cookie, StartsWith("_authgate="));
  // The flow cookie is cleared.
  std::string flow_name =
      sign_in.flow_cookie.substr(0, sign_in.flow_cookie.find('='));
  bool cleared = false;
  for (const std::string& header : SetCookies(sign_in.callback)) {
    if (absl::StartsWith(header, flow_name + "=") &&
        absl::StrContains(header, "Max-Age=0")) {
      cleared = true;
    }
  }
  EXPECT_TRUE(cleared);
  // The exchange carried the PKCE verifier and the code.
  HttpRequest exchange = http_->LastRequest(kToken);
  EXPECT_THAT(exchange.body, HasSubstr("grant_type=authorization_code"));
  EXPECT_THAT(exchange.body, HasSubstr("code_verifier="));
  EXPECT_THAT(exchange.body, HasSubstr("code=code-1"));
}

TEST_F(WebFaceTest, CallbackWithAnotherStateIsStateMismatch) {
  WebResponse start = Get("/oauth2/start");
  std::string flow = CookiePair(start, "_authgate_csrf_");
  WebResponse response =
      Get("/oauth2/callback?code=c&state=forged-state", {{"cookie", flow}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("authgate-error-reason"), "state_mismatch");
  EXPECT_EQ(http_->RequestCount(kToken), 0);
}

TEST_F(WebFaceTest, ReplayedCallbackIsStateMismatch) {
  SignIn sign_in = SignInUser();
  ASSERT_EQ(sign_in.callback.status, 302);
  // The browser dropped the flow cookie; the same URL again.
  WebResponse replay =
      Get(absl::StrCat("/oauth2/callback?code=code-1&state=", sign_in.state));
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(replay.Header("authgate-error-reason"), "state_mismatch");
  EXPECT_EQ(http_->RequestCount(kToken), 1);
}

TEST_F(WebFaceTest, TamperedFlowCookieIsSessionInvalid) {
  WebResponse start = Get("/oauth2/start");
  std::string state = QueryParam(start.Header("Location"), "state");
  std::string flow = CookiePair(start, "_authgate_csrf_");
  flow.back() = flow.back() == 'A' ? 'B' : 'A';
  WebResponse response =
      Get(absl::StrCat("/oauth2/callback?code=c&state=", state),
          {{"cookie", flow}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("authgate-error-reason"), "session_invalid");
}

TEST_F(WebFaceTest, ProviderErrorIsAnEscapedPage) {
  WebResponse response =
      Get("/oauth2/callback?error=access_denied&error_description=%3Cscript%3E"
          "&state=s");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("authgate-error-reason"), "oauth_error");
  EXPECT_THAT(response.body, HasSubstr("access_denied"));
  EXPECT_THAT(response.body, Not(HasSubstr("<script>")));
  WebResponse injected =
      Get("/oauth2/callback?error=%3Cimg%20src%3Dx%3E&state=s");
  EXPECT_EQ(injected.status, 403);
  EXPECT_THAT(injected.body, Not(HasSubstr("<img")));
}

TEST_F(WebFaceTest, UsedCodeIsInvalidGrant) {
  WebResponse start = Get("/oauth2/start");
  std::string state = QueryParam(start.Header("Location"), "state");
  http_->SetJson(kToken, {{"error", "invalid_grant"}}, {}, 400);
  WebResponse response =
      Get(absl::StrCat("/oauth2/callback?code=used&state=", state),
          {{"cookie", CookiePair(start, "_authgate_csrf_")}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("authgate-error-reason"), "oauth_invalid_grant");
}

TEST_F(WebFaceTest, WrongNonceIsRefusedWithTheVerifiersReason) {
  WebResponse start = Get("/oauth2/start");
  std::string state = QueryParam(start.Header("Location"), "state");
  AnswerExchange("another-nonce");
  WebResponse response =
      Get(absl::StrCat("/oauth2/callback?code=c&state=", state),
          {{"cookie", CookiePair(start, "_authgate_csrf_")}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("authgate-error-reason"), "nonce_mismatch");
}

TEST_F(WebFaceTest, ProviderDownDuringExchangeIs503) {
  WebResponse start = Get("/oauth2/start");
  std::string state = QueryParam(start.Header("Location"), "state");
  http_->SetError(kToken, MakeError(absl::StatusCode::kUnavailable,
                                    ErrorReason::kProviderUnavailable, "down"));
  WebResponse response =
      Get(absl::StrCat("/oauth2/callback?code=c&state=", state),
          {{"cookie", CookiePair(start, "_authgate_csrf_")}});
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Header("authgate-error-reason"), "provider_unavailable");
}

TEST_F(WebFaceTest, AuthWithASessionAnswersIdentityHeaders) {
  SignIn sign_in = SignInUser();
  WebResponse response =
      Get("/oauth2/auth",
          {{"cookie", absl::StrCat("theme=dark; ", sign_in.session_cookie)}});
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(response.Header("X-Auth-Request-User"), "alice");
  EXPECT_EQ(response.Header("X-Auth-Request-Preferred-Username"), "alice");
  EXPECT_EQ(response.Header("X-Auth-Request-Sub"), "user-1");
  EXPECT_EQ(response.Header("X-Auth-Request-Email"), "alice@example.com");
  EXPECT_EQ(response.Header("X-Auth-Request-Groups"), "admins,dev");
  EXPECT_EQ(response.Header("X-Auth-Request-Access-Token"), "");
  EXPECT_EQ(response.Header("X-Authgate-Upstream-Cookie"), "theme=dark");
  EXPECT_TRUE(SetCookies(response).empty());
}

TEST_F(WebFaceTest, PassAccessTokenAddsIt) {
  settings_.pass_access_token = true;
  Build();
  SignIn sign_in = SignInUser();
  WebResponse response =
      Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}});
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.Header("X-Auth-Request-Access-Token"), "access-1");
}

TEST_F(WebFaceTest, AuthWithoutACookieIsSessionMissing) {
  WebResponse response = Get("/oauth2/auth");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("authgate-error-reason"), "session_missing");
}

TEST_F(WebFaceTest, TamperedSessionCookieIsSessionInvalidAndCleared) {
  SignIn sign_in = SignInUser();
  std::string cookie = sign_in.session_cookie;
  cookie[cookie.size() / 2] = cookie[cookie.size() / 2] == 'x' ? 'y' : 'x';
  WebResponse response = Get("/oauth2/auth", {{"cookie", cookie}});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("authgate-error-reason"), "session_invalid");
  std::vector<std::string> cookies = SetCookies(response);
  ASSERT_FALSE(cookies.empty());
  EXPECT_THAT(cookies[0], StartsWith("_authgate="));
  EXPECT_THAT(cookies[0], HasSubstr("Max-Age=0"));
}

TEST_F(WebFaceTest, ExpiringSessionsRefreshOnceForConcurrentRequests) {
  SignIn sign_in = SignInUser(/*expires_in=*/120);
  ASSERT_EQ(sign_in.callback.status, 302);
  clock_->Advance(absl::Seconds(90));  // within the 60 s margin
  std::atomic<int> refreshes{0};
  http_->SetHandler(kToken, [&](const HttpRequest& request) {
    if (absl::StrContains(request.body, "grant_type=refresh_token")) {
      ++refreshes;
    }
    // Long enough for every request to join the one in flight.
    absl::SleepFor(absl::Milliseconds(300));
    return absl::StatusOr<HttpResponse>(FakeHttpFetcher::Response(
        200, nlohmann::json{{"access_token", "access-2"},
                            {"token_type", "Bearer"},
                            {"expires_in", 3600}}
                 .dump()));
  });
  std::vector<WebResponse> responses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < responses.size(); ++i) {
    threads.emplace_back([&, i] {
      responses[i] = Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}});
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(refreshes.load(), 1);
  for (const WebResponse& response : responses) {
    EXPECT_EQ(response.status, 202);
    EXPECT_THAT(CookiePair(response, "_authgate="), StartsWith("_authgate="));
  }
  // The refreshed cookie is a session good for another hour.
  clock_->Advance(absl::Minutes(30));
  WebResponse later =
      Get("/oauth2/auth", {{"cookie", CookiePair(responses[0], "_authgate=")}});
  EXPECT_EQ(later.status, 202);
  EXPECT_TRUE(SetCookies(later).empty());
  EXPECT_EQ(refreshes.load(), 1);
}

TEST_F(WebFaceTest, RefusedRefreshIsSessionExpiredAndClearsTheCookie) {
  SignIn sign_in = SignInUser(/*expires_in=*/30);
  clock_->Advance(absl::Seconds(40));
  http_->SetJson(kToken, {{"error", "invalid_grant"}}, {}, 400);
  WebResponse response =
      Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("authgate-error-reason"), "session_expired");
  std::vector<std::string> cookies = SetCookies(response);
  ASSERT_FALSE(cookies.empty());
  EXPECT_THAT(cookies[0], StartsWith("_authgate="));
  EXPECT_THAT(cookies[0], HasSubstr("Max-Age=0"));
}

TEST_F(WebFaceTest, ProviderDownDuringRefreshIs503AndKeepsTheSession) {
  SignIn sign_in = SignInUser(/*expires_in=*/30);
  clock_->Advance(absl::Seconds(40));
  http_->SetError(kToken, MakeError(absl::StatusCode::kUnavailable,
                                    ErrorReason::kProviderUnavailable, "down"));
  WebResponse response =
      Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}});
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Header("authgate-error-reason"), "provider_unavailable");
  EXPECT_TRUE(SetCookies(response).empty());
}

TEST_F(WebFaceTest, RefusedClientKeepsTheSession) {
  SignIn sign_in = SignInUser(/*expires_in=*/30);
  clock_->Advance(absl::Seconds(40));
  http_->SetJson(kToken, {{"error", "invalid_client"}}, {}, 401);
  WebResponse response =
      Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}});
  EXPECT_EQ(response.Header("authgate-error-reason"), "oauth_invalid_client");
  EXPECT_TRUE(SetCookies(response).empty());
  AnswerExchange("", 3600);  // the client is fixed: the same cookie works
  EXPECT_EQ(Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}}).status,
            202);
}

TEST_F(WebFaceTest, BearerVerdictsAreTheVerifiers) {
  int64_t now = absl::ToUnixSeconds(clock_->Now());
  nlohmann::json claims = {{"iss", kIssuer},   {"sub", "svc-1"},
                           {"aud", kClientId}, {"iat", now},
                           {"exp", now + 600}, {"preferred_username", "bob"}};
  std::string valid = minter_.Mint("k1", claims);
  claims["exp"] = now - 600;
  claims["iat"] = now - 1200;
  std::string expired = minter_.Mint("k1", claims);
  std::string bad_signature = valid.substr(0, valid.size() - 4) + "AAAA";
  claims["exp"] = now + 600;
  claims["aud"] = "someone-else";
  std::string other_audience = minter_.Mint("k1", claims);
  for (const std::string& token :
       {valid, expired, bad_signature, other_audience, std::string("x.y.z")}) {
    absl::StatusOr<VerifiedToken> verdict = verifier_->Verify(token);
    WebResponse response = Get(
        "/oauth2/auth", {{"authorization", absl::StrCat("Bearer ", token)}});
    if (verdict.ok()) {
      EXPECT_EQ(response.status, 202);
      EXPECT_EQ(response.Header("X-Auth-Request-Sub"), "svc-1");
      EXPECT_EQ(response.Header("X-Auth-Request-User"), "bob");
    } else {
      EXPECT_EQ(response.status, 401);
      EXPECT_EQ(response.Header("authgate-error-reason"),
                ErrorReasonName(GetErrorReason(verdict.status())));
      EXPECT_EQ(response.Header("WWW-Authenticate"),
                "Bearer realm=\"authgate\", error=\"invalid_token\"");
    }
  }
  EXPECT_TRUE(verifier_->Verify(valid).ok());
  EXPECT_EQ(GetErrorReason(verifier_->Verify(expired).status()),
            ErrorReason::kTokenExpired);
}

TEST_F(WebFaceTest, UserInfoAnswersTheSessionsUser) {
  SignIn sign_in = SignInUser();
  WebResponse response =
      Get("/oauth2/userinfo", {{"cookie", sign_in.session_cookie}});
  ASSERT_EQ(response.status, 200);
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["sub"], "user-1");
  EXPECT_EQ(body["username"], "alice");
  EXPECT_EQ(body["email"], "alice@example.com");
  EXPECT_EQ(body["email_verified"], true);
  EXPECT_EQ(body["groups"], nlohmann::json({"admins", "dev"}));
  EXPECT_EQ(body["provider"], "idp");
  WebResponse missing = Get("/oauth2/userinfo");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(nlohmann::json::parse(missing.body),
            nlohmann::json({{"error", "session_missing"}}));
  EXPECT_EQ(missing.Header("authgate-error-reason"), "session_missing");
}

TEST_F(WebFaceTest, CrossSiteSignOutIsRefused) {
  SignIn sign_in = SignInUser();
  WebResponse fetch_site = Get(
      "/oauth2/sign_out",
      {{"cookie", sign_in.session_cookie}, {"sec-fetch-site", "cross-site"}});
  EXPECT_EQ(fetch_site.status, 403);
  EXPECT_EQ(fetch_site.Header("authgate-error-reason"), "cross_site_request");
  EXPECT_TRUE(SetCookies(fetch_site).empty());
  WebResponse origin =
      Get("/oauth2/sign_out", {{"cookie", sign_in.session_cookie},
                               {"origin", "https://evil.example.net"}});
  EXPECT_EQ(origin.status, 403);
  EXPECT_EQ(origin.Header("authgate-error-reason"), "cross_site_request");
  EXPECT_EQ(http_->RequestCount(kRevoke), 0);
  // The session is untouched.
  EXPECT_EQ(Get("/oauth2/auth", {{"cookie", sign_in.session_cookie}}).status,
            202);
}

TEST_F(WebFaceTest, SignOutRevokesClearsAndGoesToTheProviderLogout) {
  SignIn sign_in = SignInUser();
  WebResponse response =
      Get("/oauth2/sign_out", {{"cookie", sign_in.session_cookie},
                               {"origin", "https://app.example.com"},
                               {"sec-fetch-site", "same-origin"}});
  EXPECT_EQ(response.status, 302);
  std::string location(response.Header("Location"));
  EXPECT_THAT(location, StartsWith(absl::StrCat(kLogout, "?")));
  EXPECT_EQ(QueryParam(location, "post_logout_redirect_uri"),
            "https://app.example.com/signed-out");
  EXPECT_FALSE(QueryParam(location, "id_token_hint").empty());
  EXPECT_EQ(http_->RequestCount(kRevoke), 1);
  EXPECT_THAT(http_->LastRequest(kRevoke).body, HasSubstr("refresh-1"));
  std::vector<std::string> cookies = SetCookies(response);
  ASSERT_FALSE(cookies.empty());
  EXPECT_THAT(cookies[0], StartsWith("_authgate="));
  EXPECT_THAT(cookies[0], HasSubstr("Max-Age=0"));
}

TEST_F(WebFaceTest, LocalSignOutGoesToTheReturnUrl) {
  settings_.sign_out_url.clear();
  Build();
  SignIn sign_in = SignInUser();
  http_->SetError(kRevoke,
                  MakeError(absl::StatusCode::kUnavailable,
                            ErrorReason::kProviderUnavailable, "down"));
  WebResponse response =
      Get("/oauth2/sign_out?rd=%2Fbye", {{"cookie", sign_in.session_cookie}});
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(response.Header("Location"), "/bye");
  WebResponse evil = Get("/oauth2/sign_out?rd=https%3A%2F%2Fevil.com");
  EXPECT_EQ(evil.status, 400);
  EXPECT_EQ(evil.Header("authgate-error-reason"), "redirect_not_allowed");
}

TEST_F(WebFaceTest, ExtAuthzJudgesCookiesAsAuthDoes) {
  SignIn sign_in = SignInUser();
  CookieVerdict verdict = face_->JudgeCookie(absl::StrCat(
      "theme=dark; ", sign_in.session_cookie, "; ", sign_in.flow_cookie));
  ASSERT_TRUE(verdict.status.ok()) << verdict.status;
  EXPECT_EQ(verdict.subject, "user-1");
  EXPECT_EQ(verdict.upstream_cookie, "theme=dark");
  EXPECT_THAT(verdict.headers, ::testing::Contains(::testing::Pair(
                                   "X-Auth-Request-User", "alice")));
  EXPECT_TRUE(verdict.set_cookie.empty());
  CookieVerdict invalid = face_->JudgeCookie("_authgate=garbage");
  EXPECT_THAT(invalid.status,
              ::authgate::testing::StatusIs(absl::StatusCode::kUnauthenticated,
                                            ErrorReason::kSessionInvalid));
  ASSERT_EQ(invalid.set_cookie.size(), 1u);
  EXPECT_THAT(invalid.set_cookie[0], HasSubstr("Max-Age=0"));
  CookieVerdict missing = face_->JudgeCookie("theme=dark");
  EXPECT_THAT(missing.status,
              ::authgate::testing::StatusIs(absl::StatusCode::kUnauthenticated,
                                            ErrorReason::kSessionMissing));
}

TEST_F(WebFaceTest, EndpointLabelsAreAFixedSet) {
  EXPECT_EQ(face_->EndpointLabel("/oauth2/auth"), "auth");
  EXPECT_EQ(face_->EndpointLabel("/oauth2/sign_out"), "sign_out");
  EXPECT_EQ(face_->EndpointLabel("/oauth2/authx"), "other");
  EXPECT_EQ(face_->EndpointLabel("/oauth2"), "other");
  EXPECT_EQ(face_->EndpointLabel("/anything/else"), "other");
}

TEST_F(WebFaceTest, ReloadedKeyRingOpensOldCookiesUntilTheirKeyIsDropped) {
  // base64 of 32 bytes 'a' and 32 bytes 'b'.
  const std::string old_key = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
  const std::string new_key = "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=";
  settings_.cookie_secret_file = WriteKeyFile(old_key + "\n");
  keys_from_file_ = true;
  Build();
  SignIn sign_in = SignInUser();
  ASSERT_EQ(sign_in.callback.status, 302);
  auto auth = [&](const std::string& cookie) {
    return Get("/oauth2/auth", {{"cookie", cookie}});
  };
  // An unusable file keeps the ring.
  WriteKeyFile("not a key\n");
  face_->ReloadKeys();
  EXPECT_EQ(auth(sign_in.session_cookie).status, 202);
  // The new key seals; the old one still opens.
  WriteKeyFile(new_key + "\n" + old_key + "\n");
  face_->ReloadKeys();
  EXPECT_EQ(auth(sign_in.session_cookie).status, 202);
  SignIn second = SignInUser();
  ASSERT_EQ(second.callback.status, 302);
  // The old key dropped: its cookies are session_invalid, the new ones open.
  WriteKeyFile(new_key + "\n");
  face_->ReloadKeys();
  WebResponse old_cookie = auth(sign_in.session_cookie);
  EXPECT_EQ(old_cookie.status, 401);
  EXPECT_EQ(old_cookie.Header("authgate-error-reason"), "session_invalid");
  EXPECT_EQ(auth(second.session_cookie).status, 202);
}

TEST_F(WebFaceTest, UnknownPathsAndMethods) {
  WebResponse unknown = Get("/oauth2/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("authgate-error-reason"), "invalid_argument");
  WebRequest post;
  post.method = "POST";
  post.path = "/oauth2/auth";
  WebResponse method = face_->Handle(post);
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.Header("authgate-error-reason"), "invalid_argument");
}

}  // namespace
}  // namespace authgate::service
