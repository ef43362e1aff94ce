#include "curl_http_fetcher.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/http_fetcher.h"
#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate::internal {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

TEST(UrlEncodingTest, FormEncodesReservedCharactersAndSpaces) {
  EXPECT_EQ(FormEncode("a b+c&d=e/f:g%h@i~j.k-l_m"),
            "a+b%2Bc%26d%3De%2Ff%3Ag%25h%40i~j.k-l_m");
  EXPECT_EQ(FormEncode("w\xC3\xB6rd"), "w%C3%B6rd");
  EXPECT_EQ(UrlEncode("a b"), "a%20b");
}

TEST(UrlEncodingTest, EncodesFormAndQuery) {
  EXPECT_EQ(EncodeForm({{"grant_type", "authorization_code"},
                        {"redirect_uri", "https://app/cb?x=1"}}),
            "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp%2Fcb%"
            "3Fx%3D1");
  EXPECT_EQ(AppendQuery("https://idp/authorize", {{"scope", "openid email"}}),
            "https://idp/authorize?scope=openid%20email");
  EXPECT_EQ(AppendQuery("https://idp/authorize?a=1", {{"b", "2"}}),
            "https://idp/authorize?a=1&b=2");
}

TEST(UrlEncodingTest, DecodesQueries) {
  EXPECT_EQ(UrlDecode("a+b%2Bc%26"), "a b+c&");
  EXPECT_EQ(UrlDecode("a+b", /*form=*/false), "a+b");
  FormParams params = ParseQuery("code=x%3Dy&state=s+1&flag");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>("code", "x=y")));
  EXPECT_EQ(params[1].second, "s 1");
  EXPECT_EQ(params[2].first, "flag");
}

// RFC 6749 section 2.3.1: id and secret are form-encoded before base64, so
// a secret holding ':' cannot shift the split.
TEST(UrlEncodingTest, BasicAuthCredentialsAreFormEncodedFirst) {
  std::string credentials =
      FormEncode("my client") + ":" + FormEncode("p@ss:w\xC3\xB6rd%+/&=");
  EXPECT_EQ(credentials, "my+client:p%40ss%3Aw%C3%B6rd%25%2B%2F%26%3D");
}

TEST(UrlParsingTest, ParsesAbsoluteUrlsOnly) {
  absl::StatusOr<UrlParts> parts = ParseUrl("https://Example.COM:8443/a/b?c=d");
  ASSERT_THAT(parts, IsOk());
  EXPECT_EQ(parts->scheme, "https");
  EXPECT_EQ(parts->host, "example.com");
  EXPECT_EQ(parts->path, "/a/b");
  EXPECT_EQ(ParseUrl("http://[::1]:80/")->host, "::1");
  EXPECT_THAT(ParseUrl("example.com/path"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
  EXPECT_THAT(ParseUrl(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                     ErrorReason::kInvalidArgument));
  EXPECT_THAT(ParseUrl("https://exa mple.com/"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

TEST(UrlParsingTest, RecognisesLoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.evil.com"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("localhost.evil.com"));
}

TEST(CurlHttpFetcherTest, RefusesPlainHttpToRemoteHosts) {
  std::shared_ptr<HttpFetcher> http = CreateCurlHttpFetcher();
  HttpRequest request;
  request.url = "http://idp.example.com/.well-known/jwks.json";
  EXPECT_THAT(http->Fetch(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                             ErrorReason::kInvalidArgument));
  request.url = "file:///etc/passwd";
  EXPECT_THAT(http->Fetch(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                             ErrorReason::kInvalidArgument));
  request.url = "https://idp.example.com/x";
  request.method = "DELETE";
  EXPECT_THAT(http->Fetch(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                             ErrorReason::kInvalidArgument));
}

TEST(CurlHttpFetcherTest, ReportsRefusedConnectionAsUnavailable) {
  std::shared_ptr<HttpFetcher> http = CreateCurlHttpFetcher();
  HttpRequest request;
  // Port 1 on loopback: nothing listens there on a test machine.
  request.url = "http://127.0.0.1:1/jwks";
  request.timeout = absl::Seconds(2);
  EXPECT_THAT(http->Fetch(request),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
}

}  // namespace
}  // namespace authgate::internal
