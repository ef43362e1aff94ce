// libFuzzer target: the open-redirect check of the browser face
// (RedirectPolicy::Resolve and SameSiteOrigin, grpc_service/web) with one
// fixed policy: ".example.com", default "/".
//
// Input: the rd parameter (also tried as an Origin header). Invariants,
// checked with libcurl independently of the policy's own reading: an
// accepted rd is the input itself, the same twice, and either a relative
// path with exactly one leading '/' and no backslash, control byte or
// leading "//" in its path or any of three percent-decodings of it, which
// libcurl resolves against https://app.example.com/ to that same host; or
// an http(s) URL without userinfo whose host, as curl_url reads it, is
// example.com or below it. A refusal is redirect_not_allowed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "grpc_service/web/redirect_policy.h"
#include <curl/curl.h>

#include "authgate/status.h"
#include "fuzz_check.h"

namespace {

using authgate::fuzz::Require;
using authgate::service::RedirectPolicy;

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

std::optional<std::string> Part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) {
    return std::nullopt;
  }
  std::string out(value);
  curl_free(value);
  return out;
}

// One percent-decoding by libcurl (a malformed escape is kept).
std::string Unescape(const std::string& in) {
  static CURL* const curl = curl_easy_init();
  int length = 0;
  char* out =
      curl_easy_unescape(curl, in.data(), static_cast<int>(in.size()), &length);
  Require(out != nullptr, "curl_easy_unescape");
  std::string decoded(out, static_cast<size_t>(length));
  curl_free(out);
  return decoded;
}

bool UnderExample(std::string host) {
  host = absl::AsciiStrToLower(host);
  if (!host.empty() && host.back() == '.') host.pop_back();
  return host == "example.com" || absl::EndsWith(host, ".example.com");
}

void CheckRelative(const std::string& rd) {
  Require(rd.size() >= 1 && rd[0] == '/' && (rd.size() == 1 || rd[1] != '/'),
          "a relative rd starts with exactly one '/'");
  std::string form = rd.substr(0, rd.find_first_of("?#"));
  for (int round = 0; round <= 3; ++round) {
    for (char c : form) {
      const unsigned char u = static_cast<unsigned char>(c);
      Require(u >= 0x21 && u != 0x7f && c != '\\',
              "no control byte, space or backslash in any decoded path");
    }
    Require(!absl::StartsWith(form, "//"), "no decoded path starts \"//\"");
    form = Unescape(form);
  }
  CurlUrl url(curl_url());
  Require(curl_url_set(url.get(), CURLUPART_URL, "https://app.example.com/",
                       0) == CURLUE_OK,
          "curl reads the base URL");
  Require(curl_url_set(url.get(), CURLUPART_URL, rd.c_str(), 0) == CURLUE_OK,
          "curl resolves an accepted relative rd");
  Require(Part(url.get(), CURLUPART_HOST) == "app.example.com",
          "a relative rd stays on the host");
}

void CheckAbsolute(const std::string& rd) {
  Require(absl::StartsWithIgnoreCase(rd, "http://") ||
              absl::StartsWithIgnoreCase(rd, "https://"),
          "an absolute rd is http(s)");
  CurlUrl url(curl_url());
  Require(curl_url_set(url.get(), CURLUPART_URL, rd.c_str(), 0) == CURLUE_OK,
          "curl parses an accepted absolute rd");
  std::optional<std::string> scheme = Part(url.get(), CURLUPART_SCHEME);
  Require(scheme == "http" || scheme == "https", "curl reads http(s)");
  Require(!Part(url.get(), CURLUPART_USER).has_value() &&
              !Part(url.get(), CURLUPART_PASSWORD).has_value(),
          "no userinfo");
  std::optional<std::string> host = Part(url.get(), CURLUPART_HOST);
  Require(host.has_value() && UnderExample(*host),
          "curl's host of an accepted rd is under example.com");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RedirectPolicy* const policy = [] {
    absl::StatusOr<RedirectPolicy> created = RedirectPolicy::Create(
        "web.allowed_redirect_domains", {".example.com"}, "/");
    Require(created.ok(), "the fixed policy is valid");
    return new RedirectPolicy(*std::move(created));
  }();
  const std::string rd(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<std::string> first = policy->Resolve(rd);
  absl::StatusOr<std::string> second = policy->Resolve(rd);
  Require(first.ok() == second.ok(), "the same verdict twice");
  if (!first.ok()) {
    Require(authgate::GetErrorReason(first.status()) ==
                    authgate::ErrorReason::kRedirectNotAllowed &&
                first.status().code() == absl::StatusCode::kInvalidArgument,
            "a refusal is redirect_not_allowed");
    Require(!absl::StrContains(first.status().message(), '\n'),
            "the message quotes rd C-escaped");
  } else if (rd.empty()) {
    Require(*first == "/", "no rd is the default");
  } else {
    Require(*first == rd && *second == rd, "an accepted rd is itself");
    if (rd[0] == '/') {
      CheckRelative(rd);
    } else {
      CheckAbsolute(rd);
    }
  }

  if (policy->SameSiteOrigin(rd, "app.example.com")) {
    CurlUrl url(curl_url());
    Require(curl_url_set(url.get(), CURLUPART_URL, rd.c_str(), 0) == CURLUE_OK,
            "curl parses a same-site Origin");
    std::optional<std::string> host = Part(url.get(), CURLUPART_HOST);
    Require(host.has_value() && UnderExample(*host),
            "a same-site Origin's host is under example.com");
  }
  return 0;
}
