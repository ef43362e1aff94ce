// WebRequest / WebResponse: the browser face's HTTP exchange as plain
// values, so every handler is a function testable without a socket
// (http_server.cc converts to and from civetweb), plus the one parser of
// query strings and form bodies and the small page builders.
#ifndef AUTHGATE_GRPC_SERVICE_WEB_WEB_TYPES_H_
#define AUTHGATE_GRPC_SERVICE_WEB_WEB_TYPES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"

namespace authgate::service {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct WebRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path, no query
  std::string query;   // raw query string, without '?'
  HeaderList headers;  // names in lower case, in request order
  std::string body;
  std::string peer;  // "ip:port", for logs

  // The first header `name` (lower case) has; "" when absent.
  absl::string_view Header(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
  // Every value of header `name` joined by `separator` (Cookie: "; ").
  std::string JoinedHeader(absl::string_view name,
                           absl::string_view separator) const;
};

struct WebResponse {
  int status = 200;
  HeaderList headers;  // Set-Cookie repeats
  std::string body;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  // The first value of `name` (compared case-insensitively); "" when absent.
  absl::string_view Header(absl::string_view name) const;
};

// Bounds of one query or form: more parameters, or a longer text, is
// invalid_argument rather than work for an attacker.
inline constexpr size_t kMaxFormParams = 64;
inline constexpr size_t kMaxFormBytes = 64 * 1024;

// Parses application/x-www-form-urlencoded text (a query string or a form
// body): pairs split on '&', '+' is a space, %XX percent-decoded. A pair
// without '=' has an empty value. Errors: kInvalidArgument invalid_argument
// for a malformed escape or when the bounds above are exceeded.
absl::StatusOr<HeaderList> ParseForm(absl::string_view text);

// The first value of `name` in `form`; nullopt when absent.
std::optional<std::string> FormValue(const HeaderList& form,
                                     absl::string_view name);

// HTML text with & < > " ' escaped.
std::string HtmlEscape(absl::string_view text);

// A tiny HTML page; `title` and `message` are escaped here.
WebResponse HtmlPage(int status, absl::string_view title,
                     absl::string_view message);

// A JSON body (invalid UTF-8 replaced, never thrown).
WebResponse JsonResponse(int status, const nlohmann::json& body);

// The HTTP status of a failed browser-face status: UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, INVALID_ARGUMENT / FAILED_PRECONDITION 400,
// NOT_FOUND 404, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, others 500; and 500 whatever the code for
// config_invalid and internal (authgate's fault, not the browser's).
int HttpStatusOf(const absl::Status& status);

// Adds "authgate-error-reason: <reason name of status>".
void AddReasonHeader(const absl::Status& status, WebResponse& response);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_WEB_TYPES_H_
