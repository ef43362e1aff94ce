#include "curl_http_fetcher.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include <curl/curl.h>

#include "authgate/status.h"

namespace authgate {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

namespace internal {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
struct CurlUrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

}  // namespace

std::string UrlEncode(absl::string_view text) {
  GlobalInit();
  if (text.empty()) return "";
  std::unique_ptr<char, CurlFree> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

std::string FormEncode(absl::string_view text) {
  std::string encoded = UrlEncode(text);
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%20") == 0) {
      out.push_back('+');
      i += 2;
    } else {
      out.push_back(encoded[i]);
    }
  }
  return out;
}

std::string EncodeForm(const FormParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    absl::StrAppend(&out, FormEncode(name), "=", FormEncode(value));
  }
  return out;
}

std::string UrlDecode(absl::string_view text, bool form) {
  GlobalInit();
  std::string input(text);
  if (form) std::replace(input.begin(), input.end(), '+', ' ');
  int length = 0;
  std::unique_ptr<char, CurlFree> decoded(curl_easy_unescape(
      nullptr, input.data(), static_cast<int>(input.size()), &length));
  return decoded ? std::string(decoded.get(), static_cast<size_t>(length))
                 : std::string();
}

FormParams ParseQuery(absl::string_view query) {
  FormParams out;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) {
      out.emplace_back(UrlDecode(pair), "");
    } else {
      out.emplace_back(UrlDecode(pair.substr(0, eq)),
                       UrlDecode(pair.substr(eq + 1)));
    }
  }
  return out;
}

std::string AppendQuery(absl::string_view url, const FormParams& params) {
  std::string out(url);
  if (params.empty()) return out;
  char separator = absl::StrContains(url, '?') ? '&' : '?';
  if (!out.empty() && (out.back() == '?' || out.back() == '&')) separator = 0;
  for (const auto& [name, value] : params) {
    if (separator != 0) out.push_back(separator);
    absl::StrAppend(&out, UrlEncode(name), "=", UrlEncode(value));
    separator = '&';
  }
  return out;
}

absl::StatusOr<UrlParts> ParseUrl(absl::string_view url) {
  GlobalInit();
  std::unique_ptr<CURLU, CurlUrlFree> handle(curl_url());
  std::string text(url);
  auto bad = [&] {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument, "not an absolute URL");
  };
  if (handle == nullptr || text.empty() ||
      text.find_first_of(" \t\r\n") != std::string::npos ||
      curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return bad();
  }
  UrlParts parts;
  auto get = [&](CURLUPart part, std::string& out) {
    char* value = nullptr;
    if (curl_url_get(handle.get(), part, &value, 0) != CURLUE_OK) return false;
    std::unique_ptr<char, CurlFree> owned(value);
    out = value;
    return true;
  };
  if (!get(CURLUPART_SCHEME, parts.scheme) ||
      !get(CURLUPART_HOST, parts.host)) {
    return bad();
  }
  get(CURLUPART_PATH, parts.path);
  absl::AsciiStrToLower(&parts.scheme);
  absl::AsciiStrToLower(&parts.host);
  if (absl::StartsWith(parts.host, "[") && absl::EndsWith(parts.host, "]")) {
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  }
  // curl also accepts "host/path" without a scheme; an absolute URL has one.
  if (!absl::StartsWith(absl::AsciiStrToLower(text),
                        absl::StrCat(parts.scheme, "://")) ||
      parts.host.empty()) {
    return bad();
  }
  return parts;
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  if (octets.size() != 4 || octets[0] != "127") return false;
  for (absl::string_view octet : octets) {
    int value = 0;
    if (octet.empty() || octet.size() > 3 || !absl::SimpleAtoi(octet, &value) ||
        value > 255) {
      return false;
    }
  }
  return true;
}

absl::Status CheckProviderUrl(absl::string_view url, absl::string_view field,
                              bool allow_insecure_http) {
  absl::StatusOr<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid,
                     absl::StrCat(field, " is not an absolute URL"));
  }
  if (absl::StrContains(url, '#')) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid,
                     absl::StrCat(field, " must not have a fragment"));
  }
  if (parts->scheme == "https") return absl::OkStatus();
  if (parts->scheme == "http" &&
      (allow_insecure_http || IsLoopbackHost(parts->host))) {
    return absl::OkStatus();
  }
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kConfigInvalid,
                   absl::StrCat(field,
                                " must be an https URL (http only for "
                                "loopback hosts)"));
}

namespace {

struct CurlEasyFree {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlSlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, CurlEasyFree>;

struct Transfer {
  std::string body;
  size_t max_bytes = 0;
  bool too_large = false;
  std::vector<std::pair<std::string, std::string>> headers;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  absl::string_view line(data, bytes);
  line = absl::StripTrailingAsciiWhitespace(line);
  // A new status line (after 100 Continue or a proxy CONNECT) starts over.
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->headers.clear();
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos || transfer->headers.size() >= 200) {
    return bytes;
  }
  std::string name(absl::StripAsciiWhitespace(line.substr(0, colon)));
  absl::AsciiStrToLower(&name);
  transfer->headers.emplace_back(
      std::move(name),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return bytes;
}

// CURLOPT_XFERINFOFUNCTION: a non-zero answer aborts the transfer.
int AbortIfAsked(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::function<bool()>*>(user);
  return (*abort)() ? 1 : 0;
}

int64_t Millis(absl::Duration d) {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(d));
}

class CurlHttpFetcher final : public HttpFetcher {
 public:
  explicit CurlHttpFetcher(CurlOptions options) : options_(std::move(options)) {
    GlobalInit();
  }

  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) override {
    absl::StatusOr<UrlParts> url = ParseUrl(request.url);
    if (!url.ok()) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       "request URL is not an absolute URL");
    }
    std::string host = url->host.substr(0, 128);
    if (url->scheme != "https" && url->scheme != "http") {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       absl::StrCat("unsupported URL scheme for ", host));
    }
    if (url->scheme == "http" && !options_.allow_insecure_http &&
        !IsLoopbackHost(url->host)) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       absl::StrCat("plain http refused for ", host));
    }
    if (request.method != "GET" && request.method != "POST") {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       "unsupported HTTP method");
    }

    if (options_.abort && options_.abort()) return Aborted(host);

    EasyHandle handle = TakeHandle();
    if (handle == nullptr) {
      return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                       "curl_easy_init failed");
    }
    CURL* curl = handle.get();
    Transfer transfer;
    transfer.max_bytes =
        std::min(request.max_response_bytes, options_.max_response_bytes);

    curl_slist* raw_headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      raw_headers = curl_slist_append(raw_headers,
                                      absl::StrCat(name, ": ", value).c_str());
    }
    // A small form needs no 100-continue round trip.
    raw_headers = curl_slist_append(raw_headers, "Expect:");
    std::unique_ptr<curl_slist, CurlSlistFree> headers(raw_headers);

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    // RFC 6749 section 3.2 / OIDC: endpoints are fixed; never follow a
    // redirect that could move a secret-carrying request elsewhere.
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (options_.abort) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &AbortIfAsked);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &options_.abort);
    } else {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(Millis(request.timeout)));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(Millis(
                         std::min(options_.connect_timeout, request.timeout))));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION,
                     static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    if (!options_.ca_path.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAPATH, options_.ca_path.c_str());
    }
    if (!options_.proxy.empty()) {
      curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
    } else if (!options_.proxy_from_environment) {
      // An empty string disables proxies, including the environment's.
      curl_easy_setopt(curl, CURLOPT_PROXY, "");
    }
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(transfer.max_bytes));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    if (request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }

    CURLcode code = curl_easy_perform(curl);
    // The handle keeps pointers into `headers` and `request`; drop them before
    // it goes back to the pool.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);

    if (code != CURLE_OK) {
      // Connections of a failed transfer are not worth keeping.
      absl::string_view what = curl_easy_strerror(code);
      if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return MakeError(absl::StatusCode::kUnavailable,
                         ErrorReason::kProviderResponseTooLarge,
                         absl::StrCat("response from ", host, " exceeds ",
                                      transfer.max_bytes, " bytes"));
      }
      if (code == CURLE_ABORTED_BY_CALLBACK) return Aborted(host);
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return MakeError(absl::StatusCode::kDeadlineExceeded,
                         ErrorReason::kProviderTimeout,
                         absl::StrCat("request to ", host, " timed out"));
      }
      if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
        return MakeError(
            absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
            absl::StrCat("bad request URL for ", host, ": ", what));
      }
      return MakeError(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable,
                       absl::StrCat("request to ", host, " failed: ", what));
    }

    HttpResponse response;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status_code = static_cast<int>(status);
    char* content_type = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type) ==
            CURLE_OK &&
        content_type != nullptr) {
      response.content_type = content_type;
    }
    response.body = std::move(transfer.body);
    response.headers = std::move(transfer.headers);
    ReturnHandle(std::move(handle));
    return response;
  }

  ~CurlHttpFetcher() override = default;

 private:
  static absl::Status Aborted(absl::string_view host) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable,
                     absl::StrCat("request to ", host, " was aborted"));
  }

  EasyHandle TakeHandle() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        EasyHandle handle = std::move(idle_.back());
        idle_.pop_back();
        // Keeps live connections and the DNS cache; clears options.
        curl_easy_reset(handle.get());
        return handle;
      }
    }
    return EasyHandle(curl_easy_init());
  }

  void ReturnHandle(EasyHandle handle) {
    absl::MutexLock lock(&mu_);
    if (idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(handle));
    }
  }

  const CurlOptions options_;
  absl::Mutex mu_;
  std::vector<EasyHandle> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace
}  // namespace internal

std::shared_ptr<HttpFetcher> CreateCurlHttpFetcher(const CurlOptions& options) {
  return std::make_shared<internal::CurlHttpFetcher>(options);
}

}  // namespace authgate
