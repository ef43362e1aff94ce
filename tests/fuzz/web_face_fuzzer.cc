// libFuzzer target: a whole browser-face request (WebFace::Handle,
// grpc_service/web) behind a fake provider (FakeHttpFetcher, TokenMinter's
// keys) at a fixed time, with the cookie session store and one key ring. At
// start-up one user signs in through /oauth2/start and /oauth2/callback, so
// the fuzzer can attach a real session cookie.
//
// Input: byte 0 (bit 0: add the real session cookie; bit 1: put "/oauth2"
// before the path), then method `\0` path `\0` query `\0` headers (lines
// "name: value") `\0` body. Invariants: /oauth2/auth and /oauth2/userinfo
// answer 2xx only to a request carrying the real session cookie; no 5xx
// but 500, 502, 503 and 504; every 4xx and 5xx carries
// authgate-error-reason; every response is Cache-Control: no-store; the
// client secret and the session's refresh token never appear in a
// response (unless the input holds them).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc_service/logger.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"
#include "grpc_service/web/web_face.h"
#include "grpc_service/web/web_settings.h"
#include "grpc_service/web/web_types.h"
#include "nlohmann/json.hpp"

#include "authgate/oauth_client.h"
#include "authgate/provider_spec.h"
#include "authgate/token_verifier.h"
#include "fuzz_check.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_fetcher.h"
#include "testing/token_minter.h"

namespace {

using authgate::fuzz::Require;
namespace svc = authgate::service;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kToken[] = "https://idp.example.com/token";
constexpr char kClientId[] = "web-client";
constexpr char kClientSecret[] = "client-secret-Zq9";
constexpr char kRefreshToken[] = "refresh-token-Zq9";

struct Face {
  std::shared_ptr<authgate::testing::FakeClock> clock;
  std::shared_ptr<authgate::testing::FakeHttpFetcher> http;
  authgate::testing::TokenMinter minter;
  std::shared_ptr<authgate::OAuthClient> client;
  std::unique_ptr<authgate::TokenVerifier> verifier;
  std::unique_ptr<svc::WebFace> face;
  std::string session_cookie;  // "_authgate=..." of the signed-in user
};

svc::WebResponse Get(const Face& f, const std::string& path,
                     const std::string& query, const std::string& cookie) {
  svc::WebRequest request;
  request.method = "GET";
  request.path = path;
  request.query = query;
  request.headers = {{"host", "app.example.com"}};
  if (!cookie.empty()) request.headers.emplace_back("cookie", cookie);
  return f.face->Handle(request);
}

// "name=value" of the first Set-Cookie starting with `prefix`.
std::string CookiePair(const svc::WebResponse& response,
                       absl::string_view prefix) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Set-Cookie" && absl::StartsWith(value, prefix)) {
      return value.substr(0, value.find(';'));
    }
  }
  return "";
}

std::string Param(absl::string_view url, absl::string_view name) {
  absl::StatusOr<svc::HeaderList> form =
      svc::ParseForm(url.substr(url.find('?') + 1));
  Require(form.ok(), "the provider URL's query parses");
  return svc::FormValue(*form, name).value_or("");
}

Face* MakeFace() {
  auto* f = new Face;
  // The cookie store judges expiry on the system clock: start from now.
  f->clock = std::make_shared<authgate::testing::FakeClock>(
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())));
  f->http = std::make_shared<authgate::testing::FakeHttpFetcher>();
  f->minter.AddKey("k1", authgate::Algorithm::kRs256);
  f->http->SetJson(
      "https://idp.example.com/.well-known/openid-configuration",
      {{"issuer", kIssuer},
       {"authorization_endpoint", "https://idp.example.com/authorize"},
       {"token_endpoint", kToken},
       {"userinfo_endpoint", "https://idp.example.com/userinfo"},
       {"revocation_endpoint", "https://idp.example.com/revoke"},
       {"end_session_endpoint", "https://idp.example.com/logout"},
       {"jwks_uri", "https://idp.example.com/jwks"}});
  f->http->SetJson("https://idp.example.com/jwks", f->minter.Jwks());
  f->http->SetJson("https://idp.example.com/revoke", nlohmann::json::object());
  f->http->SetJson("https://idp.example.com/userinfo",
                   {{"sub", "user-1"}, {"email", "alice@example.com"}});

  absl::StatusOr<authgate::ProviderSpec> spec = authgate::ParseProviderSpec(
      nlohmann::json{
          {"name", "idp"},
          {"kind", "oidc"},
          {"issuer", kIssuer},
          {"client_id", kClientId},
          {"client_secret", kClientSecret},
          {"redirect_uri", "https://app.example.com/oauth2/callback"},
          {"scopes", {"openid", "email"}}},
      "providers[0]");
  Require(spec.ok(), "provider spec");
  authgate::OAuthClient::Dependencies deps;
  deps.fetcher = f->http;
  deps.clock = f->clock;
  absl::StatusOr<std::shared_ptr<authgate::OAuthClient>> client =
      authgate::OAuthClient::Create(*spec, spec->clients[0], deps);
  Require(client.ok(), "OAuth client");
  f->client = *client;
  authgate::VerifierOptions options;
  options.providers.push_back(f->client->policy());
  authgate::VerifierDependencies verifier_deps;
  verifier_deps.clock = f->clock;
  absl::StatusOr<std::unique_ptr<authgate::TokenVerifier>> verifier =
      authgate::TokenVerifier::Create(options, verifier_deps);
  Require(verifier.ok(), "verifier");
  f->verifier = *std::move(verifier);

  svc::WebSettings settings;
  settings.listen = "127.0.0.1:0";
  settings.allowed_redirect_domains = {"app.example.com"};
  settings.sign_out_url = "https://app.example.com/signed-out";
  settings.userinfo = true;
  auto keys = std::make_shared<const svc::SessionKeys>(
      svc::SessionKeys::FromRawKeys({std::string(32, 'k')}).value());
  svc::WebFace::Dependencies face_deps;
  face_deps.client = [client = f->client] {
    return absl::StatusOr<std::shared_ptr<authgate::OAuthClient>>(client);
  };
  face_deps.verifier = f->verifier.get();
  face_deps.keys = keys;
  face_deps.store = svc::MakeCookieSessionStore(keys, settings.cookie.name);
  face_deps.clock = f->clock;
  // Refusals are logged at warn; errors go nowhere (no output per input).
  face_deps.logger = std::make_shared<svc::Logger>(
      svc::LogLevel::kError, std::fopen("/dev/null", "w"));
  absl::StatusOr<std::unique_ptr<svc::WebFace>> face =
      svc::WebFace::Create(settings, face_deps);
  Require(face.ok(), "web face");
  f->face = *std::move(face);

  // Sign one user in, as a browser would.
  svc::WebResponse start = Get(*f, "/oauth2/start", "rd=%2Fdash", "");
  std::string location(start.Header("Location"));
  const int64_t now = absl::ToUnixSeconds(f->clock->Now());
  f->http->SetJson(
      kToken,
      {{"access_token", "access-1"},
       {"id_token", f->minter.Mint("k1", {{"iss", kIssuer},
                                          {"sub", "user-1"},
                                          {"aud", kClientId},
                                          {"iat", now},
                                          {"exp", now + 3600},
                                          {"nonce", Param(location, "nonce")},
                                          {"email", "alice@example.com"}})},
       {"refresh_token", kRefreshToken},
       {"token_type", "Bearer"},
       {"expires_in", 3600}});
  svc::WebResponse callback =
      Get(*f, "/oauth2/callback",
          absl::StrCat("code=code-1&state=", Param(location, "state")),
          CookiePair(start, "_authgate_csrf_"));
  f->session_cookie = CookiePair(callback, "_authgate=");
  Require(f->session_cookie.size() > 20, "the sign-in sets a session cookie");
  Require(Get(*f, "/oauth2/auth", "", f->session_cookie).status / 100 == 2,
          "the session cookie passes /oauth2/auth");
  // Later exchanges (fuzzed callbacks) are refused by the provider.
  f->http->SetJson(kToken, {{"error", "invalid_grant"}}, {}, 400);
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Face* const face = MakeFace();
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const absl::string_view input(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  std::vector<std::string> parts =
      absl::StrSplit(input, absl::MaxSplits('\0', 4));
  parts.resize(5);

  svc::WebRequest request;
  request.method = parts[0].empty() ? "GET" : parts[0];
  request.path = (flags & 2) ? absl::StrCat("/oauth2", parts[1]) : parts[1];
  request.query = parts[2];
  for (absl::string_view line : absl::StrSplit(parts[3], '\n')) {
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    request.headers.emplace_back(
        absl::AsciiStrToLower(line.substr(0, colon)),
        std::string(absl::StripLeadingAsciiWhitespace(line.substr(colon + 1))));
  }
  if (flags & 1) request.headers.emplace_back("cookie", face->session_cookie);
  request.body = parts[4];
  request.peer = "127.0.0.1:1";

  const svc::WebResponse response = face->face->Handle(request);
  const int status = response.status;
  Require(status >= 100 && status <= 599, "an HTTP status");
  Require(status < 500 || status == 500 || status == 502 || status == 503 ||
              status == 504,
          "no 5xx but 500, 502, 503, 504");
  if (status >= 400) {
    Require(!response.Header("authgate-error-reason").empty(),
            "every error carries authgate-error-reason");
  }
  Require(absl::StrContains(response.Header("Cache-Control"), "no-store"),
          "every response is no-store");
  if ((request.path == "/oauth2/auth" || request.path == "/oauth2/userinfo") &&
      status / 100 == 2) {
    const std::string& cookie = face->session_cookie;
    const std::string value = cookie.substr(cookie.find('=') + 1);
    bool carried = false;
    for (const auto& [name, header] : request.headers) {
      if (name == "cookie" && absl::StrContains(header, value)) carried = true;
    }
    Require(carried, "2xx only for the real session cookie");
  }
  for (absl::string_view secret : {kClientSecret, kRefreshToken}) {
    if (absl::StrContains(input, secret)) continue;
    Require(!absl::StrContains(response.body, secret),
            "no secret in a response body");
    for (const auto& [name, value] : response.headers) {
      Require(!absl::StrContains(value, secret), "no secret in a header");
    }
  }
  return 0;
}
