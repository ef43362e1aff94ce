// libFuzzer target: what a token endpoint answers. The first byte picks the
// path: even, a 200 body for ParseTokenResponse; odd, an error answer for
// OAuthErrorFromResponse with an HTTP status picked by the next bits, and the
// rest split at the first NUL into a WWW-Authenticate header and the body.
#include <cstdint>
#include <string>

#include "absl/time/time.h"

#include "authgate/http_fetcher.h"
#include "authgate/token_response.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const absl::Time received = absl::FromUnixSeconds(1700000000);
  if ((data[0] & 1) == 0) {
    auto tokens = authgate::ParseTokenResponse(rest, received);
    authgate::fuzz::CheckTyped(tokens.status(), "ParseTokenResponse");
    if (tokens.ok()) {
      authgate::fuzz::Require(!tokens->access_token.empty(),
                              "a response has an access token");
      authgate::fuzz::Require(tokens->expires_in >= absl::ZeroDuration(),
                              "expires_in is not negative");
    }
    return 0;
  }
  static constexpr int kStatuses[] = {400, 401, 403, 404, 500, 503, 302, 429};
  authgate::HttpResponse response;
  response.status_code = kStatuses[(data[0] >> 1) & 7];
  size_t split = rest.find('\0');
  if (split == std::string::npos) {
    response.body = rest;
  } else {
    response.headers.emplace_back("www-authenticate", rest.substr(0, split));
    response.body = rest.substr(split + 1);
  }
  response.content_type = "application/json";
  absl::Status status =
      authgate::OAuthErrorFromResponse(response, "token endpoint");
  authgate::fuzz::Require(!status.ok(), "an error answer is an error");
  authgate::fuzz::CheckTyped(status, "OAuthErrorFromResponse");
  return 0;
}
