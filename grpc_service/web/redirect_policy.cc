#include "grpc_service/web/redirect_policy.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include <curl/curl.h>

#include "authgate/status.h"

namespace authgate::service {
namespace {

// Longer return URLs are refused outright: no browser needs them, and the
// checks below stay linear in a bounded input.
constexpr size_t kMaxRedirectBytes = 8192;
// How many bytes of a refused URL its error message quotes.
constexpr size_t kQuotedBytes = 64;
// Percent-decoding rounds: a proxy or app that decodes again must not turn
// an accepted URL into a different one.
constexpr int kMaxDecodeRounds = 3;

// RFC 3986 characters (unreserved, reserved and '%'): a raw return URL holds
// nothing else, so '<', '"', '`', '{', non-ASCII bytes (IDN look-alikes such
// as U+3002 or U+FF0F) and controls never reach a Location header.
bool IsUrlByte(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return absl::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) !=
         absl::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One round of %XX decoding; a '%' not followed by two hex digits is kept.
std::string PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

// Every '%' starts a well-formed %XX escape.
bool EscapesWellFormed(absl::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size()) return false;
    if (HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) return false;
  }
  return true;
}

// What no form of a return URL (raw or decoded) may contain or start with:
// controls, space and DEL (browsers strip tab/CR/LF, so "/\t/evil" is
// "//evil"), backslashes (browsers read '\' as '/'), and a leading "//" or
// "/\" (a scheme-relative URL to another host).
bool FormAcceptable(absl::string_view form) {
  for (char c : form) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7f || c == '\\') return false;
  }
  return !absl::StartsWith(form, "//");
}

// The raw string and each decoding of it, until stable (at most
// kMaxDecodeRounds decodings).
std::vector<std::string> Forms(absl::string_view raw) {
  std::vector<std::string> forms = {std::string(raw)};
  for (int round = 0; round < kMaxDecodeRounds; ++round) {
    std::string next = PercentDecode(forms.back());
    if (next == forms.back()) break;
    forms.push_back(std::move(next));
  }
  return forms;
}

// A relative return URL: exactly one leading '/', a first path segment
// without ':' ("/https://evil" becomes absolute for apps that strip the
// slash), and a canonical path (no empty, "." or ".." segment: what
// normalising proxies and apps turn into "//evil", as in
// "/evil.com/%2f%2e%2e"), in every form. The query is the app's own.
bool RelativeAllowed(const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    if (form.empty() || form[0] != '/') return false;
    absl::string_view path = absl::string_view(form).substr(
        1, form.find_first_of("?#") == std::string::npos
               ? std::string::npos
               : form.find_first_of("?#") - 1);
    std::vector<absl::string_view> segments = absl::StrSplit(path, '/');
    if (absl::StrContains(segments.front(), ':')) return false;
    for (size_t i = 0; i < segments.size(); ++i) {
      // "/" and a trailing "/" end in one empty segment.
      if (segments[i].empty() && i + 1 < segments.size()) return false;
      if (segments[i] == "." || segments[i] == "..") return false;
    }
  }
  return true;
}

// A host name (letters, digits, '-', '_', non-empty dot-separated labels) or
// a bracketed IPv6 literal, already lower case without a trailing dot.
bool HostSyntaxValid(absl::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 4 || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' &&
          c != '.') {
        return false;
      }
    }
    return true;
  }
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
          c != '_') {
        return false;
      }
    }
  }
  return host.size() <= 253;
}

// Lower case, one trailing dot removed ("Example.COM." is "example.com").
std::string NormalizeHost(absl::string_view host) {
  std::string out = absl::AsciiStrToLower(host);
  if (!out.empty() && out.back() == '.' && out.front() != '[') out.pop_back();
  return out;
}

struct HostPort {
  std::string host;         // normalised
  std::optional<int> port;  // nullopt: not stated
};

// "host", "host:port", "[v6]" or "[v6]:port" (an authority without
// userinfo); nullopt when malformed.
std::optional<HostPort> ParseHostPort(absl::string_view authority) {
  absl::string_view host = authority;
  absl::string_view port;
  bool has_port = false;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    absl::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port = rest.substr(1);
      has_port = true;
    }
  } else if (size_t colon = authority.find(':');
             colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  HostPort out{NormalizeHost(host), std::nullopt};
  if (!HostSyntaxValid(out.host)) return std::nullopt;
  if (has_port) {
    int value = 0;
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(),
                     [](char c) { return c >= '0' && c <= '9'; }) ||
        !absl::SimpleAtoi(port, &value) || value < 1 || value > 65535) {
      return std::nullopt;
    }
    out.port = value;
  }
  return out;
}

// "http://" or "https://" (any case) and the scheme's default port; nullopt
// for any other start.
std::optional<int> HttpSchemePort(absl::string_view url, size_t* authority) {
  if (absl::StartsWithIgnoreCase(url, "http://")) {
    *authority = 7;
    return 80;
  }
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    *authority = 8;
    return 443;
  }
  return std::nullopt;
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};

// curl's reading of one part of `url`; nullopt when absent.
std::optional<std::string> CurlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) {
    return std::nullopt;
  }
  std::unique_ptr<char, CurlStringDeleter> owned(value);
  return std::string(value);
}

// An absolute http(s) URL's host and port, read by hand from the authority
// and by libcurl's URL parser; nullopt unless both readings agree and the
// authority has no userinfo. Two parsers that must agree close the gaps
// either alone would leave (the classic open-redirect trick is a string
// that two URL parsers read differently).
std::optional<HostPort> AbsoluteHostPort(const std::string& url) {
  size_t start = 0;
  std::optional<int> default_port = HttpSchemePort(url, &start);
  if (!default_port.has_value()) return std::nullopt;
  size_t end = url.find_first_of("/?#", start);
  absl::string_view authority = absl::string_view(url).substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  // Userinfo ("https://good@evil") and escapes in the authority
  // ("evil%2ecom", "good:80%40evil") are refused, not interpreted.
  if (authority.find_first_of("@%") != absl::string_view::npos) {
    return std::nullopt;
  }
  std::optional<HostPort> mine = ParseHostPort(authority);
  if (!mine.has_value()) return std::nullopt;

  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (parsed == nullptr ||
      curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  std::optional<std::string> scheme = CurlPart(parsed.get(), CURLUPART_SCHEME);
  std::optional<std::string> host = CurlPart(parsed.get(), CURLUPART_HOST);
  std::optional<std::string> port = CurlPart(parsed.get(), CURLUPART_PORT);
  if (CurlPart(parsed.get(), CURLUPART_USER).has_value() ||
      CurlPart(parsed.get(), CURLUPART_PASSWORD).has_value() ||
      CurlPart(parsed.get(), CURLUPART_ZONEID).has_value() ||
      !scheme.has_value() || !host.has_value()) {
    return std::nullopt;
  }
  std::string expected_scheme = *default_port == 80 ? "http" : "https";
  if (absl::AsciiStrToLower(*scheme) != expected_scheme ||
      NormalizeHost(*host) != mine->host) {
    return std::nullopt;
  }
  int curl_port = 0;
  if (port.has_value() != mine->port.has_value() ||
      (port.has_value() &&
       (!absl::SimpleAtoi(*port, &curl_port) || curl_port != *mine->port))) {
    return std::nullopt;
  }
  return mine;
}

absl::Status ConfigError(absl::string_view field, absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kConfigInvalid,
                   absl::StrCat(field, ": ", message));
}

// The config key beside `field` ("web.allowed_redirect_domains" ->
// "web.default_return_url").
std::string SiblingField(absl::string_view field, absl::string_view name) {
  size_t dot = field.rfind('.');
  if (dot == absl::string_view::npos) return std::string(name);
  return absl::StrCat(field.substr(0, dot + 1), name);
}

}  // namespace

absl::StatusOr<RedirectPolicy> RedirectPolicy::Create(
    absl::string_view field, const std::vector<std::string>& allowed_domains,
    std::string default_url) {
  std::vector<Domain> domains;
  domains.reserve(allowed_domains.size());
  for (size_t i = 0; i < allowed_domains.size(); ++i) {
    std::string entry_field = absl::StrCat(field, "[", i, "]");
    absl::string_view entry = allowed_domains[i];
    Domain domain;
    if (absl::StartsWith(entry, ".")) {
      domain.subdomains = true;
      entry.remove_prefix(1);
    }
    if (!entry.empty() && entry.front() != '[' &&
        std::count(entry.begin(), entry.end(), ':') > 1) {
      return ConfigError(entry_field,
                         "an IPv6 address must be in brackets (\"[::1]\")");
    }
    std::optional<HostPort> host_port = ParseHostPort(entry);
    if (!host_port.has_value() || entry.find_first_of("@%/") != entry.npos) {
      return ConfigError(
          entry_field,
          absl::StrCat("\"", absl::CHexEscape(allowed_domains[i]),
                       "\" is not a host, \".domain\" or host:port"));
    }
    if (domain.subdomains && host_port->host.front() == '[') {
      return ConfigError(entry_field,
                         "an IPv6 address has no subdomains (drop the '.')");
    }
    domain.host = std::move(host_port->host);
    domain.port = host_port->port;
    domains.push_back(std::move(domain));
  }
  RedirectPolicy policy(std::move(domains), std::move(default_url));
  if (policy.default_url_.empty() || !policy.Allowed(policy.default_url_)) {
    return ConfigError(
        SiblingField(field, "default_return_url"),
        absl::StrCat(
            "\"", absl::CHexEscape(policy.default_url_.substr(0, kQuotedBytes)),
            "\" is neither a path (\"/...\") nor a URL on a host of ", field));
  }
  return policy;
}

absl::StatusOr<std::string> RedirectPolicy::Resolve(
    absl::string_view rd) const {
  if (rd.empty()) return default_url_;
  if (Allowed(rd)) return std::string(rd);
  return MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kRedirectNotAllowed,
      absl::StrCat("return URL \"",
                   absl::CHexEscape(rd.substr(0, kQuotedBytes)),
                   rd.size() > kQuotedBytes ? "...\"" : "\"",
                   " is not allowed: a path on this host or a URL on an "
                   "allowed domain is"));
}

bool RedirectPolicy::Allowed(absl::string_view rd) const {
  if (rd.empty() || rd.size() > kMaxRedirectBytes) return false;
  if (!std::all_of(rd.begin(), rd.end(), IsUrlByte) || !EscapesWellFormed(rd)) {
    return false;
  }
  // The part before the query is decoded and judged in every form: that is
  // what a browser or a normalising proxy resolves. The query is the app's
  // own: a decoded space or '/' there is ordinary ("?q=a%20b"), a decoded
  // control character is not.
  const size_t query = std::min(rd.find_first_of("?#"), rd.size());
  for (const std::string& form : Forms(rd.substr(query))) {
    for (char c : form) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) return false;
    }
  }
  std::vector<std::string> forms = Forms(rd.substr(0, query));
  for (const std::string& form : forms) {
    if (!FormAcceptable(form)) return false;
  }
  if (rd[0] == '/') return RelativeAllowed(forms);
  // Absolute: only http(s) to an allowed host. Decoded forms were checked
  // above for what a second decoding could turn into something else; the
  // host itself is read from the raw URL, which carries no escapes there.
  std::optional<HostPort> host_port = AbsoluteHostPort(std::string(rd));
  if (!host_port.has_value()) return false;
  std::optional<int> port = host_port->port;
  if (!port.has_value()) {
    port = absl::StartsWithIgnoreCase(rd, "https://") ? 443 : 80;
  }
  return HostAllowed(host_port->host, *port);
}

bool RedirectPolicy::HostAllowed(absl::string_view host,
                                 std::optional<int> port) const {
  for (const Domain& domain : domains_) {
    if (domain.port.has_value() && domain.port != port) continue;
    if (host == domain.host) return true;
    if (domain.subdomains && host.size() > domain.host.size() &&
        absl::EndsWith(host, domain.host) &&
        host[host.size() - domain.host.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

bool RedirectPolicy::SameSiteOrigin(absl::string_view origin,
                                    absl::string_view request_host) const {
  // An Origin is exactly scheme://host[:port]: no path, no userinfo.
  size_t start = 0;
  std::optional<int> default_port = HttpSchemePort(origin, &start);
  if (!default_port.has_value()) return false;
  absl::string_view authority = origin.substr(start);
  if (authority.find_first_of("/?#@%\\") != absl::string_view::npos ||
      !std::all_of(authority.begin(), authority.end(), IsUrlByte)) {
    return false;
  }
  std::optional<HostPort> from = ParseHostPort(authority);
  if (!from.has_value()) return false;
  int port = from->port.value_or(*default_port);
  std::optional<HostPort> own = ParseHostPort(request_host);
  if (own.has_value() && own->host == from->host &&
      own->port.value_or(*default_port) == port) {
    return true;
  }
  return HostAllowed(from->host, port);
}

}  // namespace authgate::service
