#include "grpc_service/web/web_types.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"

namespace authgate::service {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status FormError(absl::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kInvalidArgument,
                   absl::StrCat("query or form: ", what));
}

absl::StatusOr<std::string> Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return FormError("truncated % escape");
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return FormError("malformed % escape");
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::string_view WebRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool WebRequest::HasHeader(absl::string_view name) const {
  for (const auto& header : headers) {
    if (header.first == name) return true;
  }
  return false;
}

std::string WebRequest::JoinedHeader(absl::string_view name,
                                     absl::string_view separator) const {
  std::string out;
  for (const auto& [key, value] : headers) {
    if (key != name) continue;
    if (!out.empty()) out.append(separator.data(), separator.size());
    out += value;
  }
  return out;
}

absl::string_view WebResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

absl::StatusOr<HeaderList> ParseForm(absl::string_view text) {
  if (text.size() > kMaxFormBytes) return FormError("too long");
  HeaderList out;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    if (out.size() == kMaxFormParams) return FormError("too many parameters");
    size_t eq = pair.find('=');
    absl::string_view key = pair.substr(0, eq);
    absl::string_view value = eq == absl::string_view::npos
                                  ? absl::string_view()
                                  : pair.substr(eq + 1);
    absl::StatusOr<std::string> name = Decode(key);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> decoded = Decode(value);
    if (!decoded.ok()) return decoded.status();
    out.emplace_back(*std::move(name), *std::move(decoded));
  }
  return out;
}

std::optional<std::string> FormValue(const HeaderList& form,
                                     absl::string_view name) {
  for (const auto& [key, value] : form) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

WebResponse HtmlPage(int status, absl::string_view title,
                     absl::string_view message) {
  WebResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "text/html; charset=utf-8");
  std::string safe_title = HtmlEscape(title);
  response.body = absl::StrCat(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>",
      safe_title, "</title></head>\n<body><h1>", safe_title, "</h1>\n<p>",
      HtmlEscape(message), "</p></body></html>\n");
  return response;
}

WebResponse JsonResponse(int status, const nlohmann::json& body) {
  WebResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "application/json");
  response.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

int HttpStatusOf(const absl::Status& status) {
  ErrorReason reason = GetErrorReason(status);
  if (reason == ErrorReason::kConfigInvalid ||
      reason == ErrorReason::kInternal) {
    return 500;
  }
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

void AddReasonHeader(const absl::Status& status, WebResponse& response) {
  ErrorReason reason = GetErrorReason(status);
  if (reason == ErrorReason::kUnspecified &&
      status.code() == absl::StatusCode::kInternal) {
    reason = ErrorReason::kInternal;
  }
  response.AddHeader("authgate-error-reason",
                     std::string(ErrorReasonName(reason)));
}

}  // namespace authgate::service
