#include "grpc_service/session/redis_url.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

#include "authgate/config_object.h"

namespace authgate::service {
namespace {

// RFC 3986 2.1 percent-decoding, for a password with reserved characters.
std::optional<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    if (!absl::ascii_isxdigit(in[i + 1]) || !absl::ascii_isxdigit(in[i + 2])) {
      return std::nullopt;
    }
    auto hex = [](char c) {
      return absl::ascii_isdigit(c) ? c - '0'
                                    : absl::ascii_tolower(c) - 'a' + 10;
    };
    out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
    i += 2;
  }
  return out;
}

bool ParseDb(absl::string_view text, int& db) {
  // Redis has 16 databases by default; a server may configure more.
  return absl::SimpleAtoi(text, &db) && db >= 0 && db <= 1000000 &&
         absl::ascii_isdigit(text.front());
}

}  // namespace

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view field,
                                            absl::string_view url) {
  RedisEndpoint endpoint;
  if (absl::ConsumePrefix(&url, "unix://")) {
    absl::string_view path = url;
    size_t query = url.find('?');
    if (query != absl::string_view::npos) {
      path = url.substr(0, query);
      absl::string_view rest = url.substr(query + 1);
      if (!absl::ConsumePrefix(&rest, "db=") || rest.empty() ||
          !ParseDb(rest, endpoint.db)) {
        return ConfigFieldError(field,
                                "unix:// URL: only ?db=N may follow the path");
      }
    }
    if (path.empty() || path.front() != '/') {
      return ConfigFieldError(
          field,
          "unix:// URL needs an absolute socket path (unix:///run/redis.sock)");
    }
    endpoint.socket_path = std::string(path);
    endpoint.host.clear();
    return endpoint;
  }
  if (!absl::ConsumePrefix(&url, "redis://")) {
    return ConfigFieldError(
        field, "not a redis:// or unix:// URL (rediss:// is not supported)");
  }
  // authority [/db]
  absl::string_view authority = url;
  absl::string_view path;
  size_t slash = url.find('/');
  if (slash != absl::string_view::npos) {
    authority = url.substr(0, slash);
    path = url.substr(slash + 1);
  }
  if (url.find_first_of("?#") != absl::string_view::npos) {
    return ConfigFieldError(field,
                            "redis:// URL: no query or fragment is supported");
  }
  size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    absl::string_view user = userinfo.substr(0, colon);
    std::optional<std::string> decoded_user = PercentDecode(user);
    std::optional<std::string> decoded_password =
        colon == absl::string_view::npos
            ? std::optional<std::string>(std::string())
            : PercentDecode(userinfo.substr(colon + 1));
    if (!decoded_user || !decoded_password) {
      return ConfigFieldError(field,
                              "redis:// URL: malformed user or password");
    }
    // redis://secret@host (no colon) is taken as a password, as redis-cli
    // and redis-py do.
    if (colon == absl::string_view::npos) {
      endpoint.password = *std::move(decoded_user);
    } else {
      endpoint.username = *std::move(decoded_user);
      endpoint.password = *std::move(decoded_password);
    }
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return ConfigFieldError(field, "redis:// URL: unclosed [IPv6] host");
    }
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!absl::ConsumePrefix(&after, ":")) {
        return ConfigFieldError(field,
                                "redis:// URL: junk after the [IPv6] host");
      }
      port = after;
      if (port.empty())
        return ConfigFieldError(field, "redis:// URL: empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty())
        return ConfigFieldError(field, "redis:// URL: empty port");
    }
    if (host.find_first_of(":[]") != absl::string_view::npos) {
      return ConfigFieldError(field,
                              "redis:// URL: write an IPv6 host in brackets");
    }
  }
  if (host.empty()) return ConfigFieldError(field, "redis:// URL has no host");
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' &&
        c != ':') {
      return ConfigFieldError(
          field, "redis:// URL: the host has a character a host name cannot");
    }
  }
  if (!port.empty()) {
    int value = 0;
    if (!absl::ascii_isdigit(port.front()) || !absl::SimpleAtoi(port, &value) ||
        value < 1 || value > 65535) {
      return ConfigFieldError(field, "redis:// URL: the port is not 1-65535");
    }
    endpoint.port = value;
  }
  if (!path.empty() && !ParseDb(path, endpoint.db)) {
    return ConfigFieldError(
        field, "redis:// URL: the path is not a database number (/0)");
  }
  endpoint.host = std::string(host);
  return endpoint;
}

}  // namespace authgate::service
