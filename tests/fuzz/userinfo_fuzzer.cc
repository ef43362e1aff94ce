// libFuzzer target: a userInfo endpoint's answer, through OAuthClient's own
// parser (OAuthClient::UserInfo) behind a fake HTTP fetcher. The first byte
// picks the HTTP status and whether an ID token subject is expected; the
// rest is the body.
#include <cstdint>
#include <memory>
#include <string>

#include "authgate/fixed_clock.h"
#include "authgate/oauth_client.h"
#include "fuzz_check.h"
#include "testing/fake_http_fetcher.h"

namespace {

constexpr char kUserInfo[] = "https://issuer.example/userinfo";

struct Fixture {
  std::shared_ptr<authgate::testing::FakeHttpFetcher> http =
      std::make_shared<authgate::testing::FakeHttpFetcher>();
  std::shared_ptr<authgate::OAuthClient> client;

  Fixture() {
    authgate::ProviderConfig config;
    config.name = "fuzz";
    config.issuer = "https://issuer.example";
    config.client_id = "client";
    config.client_secret = "secret";
    config.use_discovery = false;
    config.endpoints.jwks_uri = "https://issuer.example/jwks";
    config.endpoints.userinfo_endpoint = kUserInfo;
    config.jwks.background_refresh = false;
    authgate::OAuthClient::Dependencies deps;
    deps.fetcher = http;
    deps.clock = std::make_shared<authgate::FixedClock>(
        absl::FromUnixSeconds(1700000000));
    client = authgate::OAuthClient::Create(std::move(config), deps).value();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  if (size == 0) return 0;
  static constexpr int kStatuses[] = {200, 200, 200, 200, 401, 403, 500, 400};
  int status = kStatuses[data[0] & 7];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::pair<std::string, std::string>> headers;
  if (status == 401 || status == 403) {
    headers.emplace_back("www-authenticate", body);
  }
  fixture->http->SetResponse(kUserInfo, status, body, headers);
  const std::string expected_subject = (data[0] & 8) ? "user-1" : "";
  auto claims = fixture->client->UserInfo("access-token", expected_subject);
  fixture->http->ClearRequests();  // else the fake's log grows per input
  authgate::fuzz::CheckTyped(claims.status(), "UserInfo");
  if (claims.ok()) {
    authgate::fuzz::Require(status == 200, "only a 200 gives claims");
    authgate::fuzz::Require(claims->is_object() && claims->contains("sub"),
                            "claims are an object with sub");
    if (!expected_subject.empty()) {
      authgate::fuzz::Require((*claims)["sub"] == expected_subject,
                              "sub equals the expected subject");
    }
  }
  return 0;
}
