// The production HttpFetcher (libcurl) and the URL helpers built on libcurl's
// escaping and URL parser. curl_http_fetcher.cc is the only file that
// includes <curl/...>; this header does not.
#ifndef AUTHGATE_SRC_CURL_HTTP_FETCHER_H_
#define AUTHGATE_SRC_CURL_HTTP_FETCHER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/http_fetcher.h"

namespace authgate::internal {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters
// (curl_easy_escape).
std::string UrlEncode(absl::string_view text);

// application/x-www-form-urlencoded encoding of one value: UrlEncode with
// spaces as '+' (RFC 6749 appendix B).
std::string FormEncode(absl::string_view text);

// "k1=v1&k2=v2" with FormEncode applied to names and values.
std::string EncodeForm(const FormParams& params);

// Decodes percent-escapes (curl_easy_unescape); with `form`, '+' is a space
// first. Used for callback query strings.
std::string UrlDecode(absl::string_view text, bool form = true);

// Splits "a=1&b=2" into decoded pairs (form rules).
FormParams ParseQuery(absl::string_view query);

// Appends `params` (UrlEncode'd) to `url`'s query with '?' or '&'.
std::string AppendQuery(absl::string_view url, const FormParams& params);

struct UrlParts {
  std::string scheme;  // lowercase
  std::string host;    // without brackets for IPv6
  std::string path;
};

// Parses an absolute URL (curl_url). kInvalidArgument invalid_argument when
// it is not one.
absl::StatusOr<UrlParts> ParseUrl(absl::string_view url);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(absl::string_view host);

// OK for https URLs, and for http when the host is loopback or
// `allow_insecure_http`; kInvalidArgument config_invalid naming `field`
// otherwise. Fragments are refused.
absl::Status CheckProviderUrl(absl::string_view url, absl::string_view field,
                              bool allow_insecure_http);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_CURL_HTTP_FETCHER_H_
