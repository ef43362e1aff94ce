// HTTP cookies as the browser face reads and writes them (RFC 6265): the
// one parser of Cookie request headers, the Set-Cookie builder, and the
// splitting of a value too long for one cookie (Cognito's three tokens
// sealed together are about 5 KB; browsers keep at most 4096 bytes per
// cookie) into NAME_0, NAME_1, ... as oauth2-proxy does.
//
//   CookieJar jar = ParseCookieHeader(request.header("cookie"));
//   std::optional<std::string> value = jar.Joined("_authgate");
//   for (std::string& h : SetCookieHeaders(settings, "_authgate", sealed,
//                                          jar.ChunkCount("_authgate")))
//     response.AddHeader("Set-Cookie", h);
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_COOKIES_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_COOKIES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace authgate::service {

// The attributes of authgate's cookies (web.cookie in the server config).
struct CookieSettings {
  std::string name = "_authgate";
  std::string domain;     // empty: host-only
  std::string path = "/";
  bool secure = true;
  bool http_only = true;
  std::string same_site = "Lax";  // "Lax", "Strict" or "None"
};

// Longest value authgate puts in one cookie; longer values are split.
inline constexpr size_t kMaxCookieValueBytes = 3800;

// The cookies of one request, in header order. Malformed pairs (no '=',
// empty name) are skipped; a name seen twice keeps its first value (RFC
// 6265 5.4: the more specific path comes first).
class CookieJar {
 public:
  std::optional<absl::string_view> Get(absl::string_view name) const;
  // `name` itself, or NAME_0, NAME_1, ... joined in order (stopping at the
  // first missing index); nullopt when neither is present.
  std::optional<std::string> Joined(absl::string_view name) const;
  // How many cookies Joined(name) read (0 when absent, 1 when unsplit).
  size_t ChunkCount(absl::string_view name) const;
  // The Cookie header rebuilt without `name`, its chunks and every cookie
  // whose name starts with `prefix` (when non-empty): what an upstream
  // receives, so authgate's cookies never leave it.
  std::string HeaderWithout(absl::string_view name,
                            absl::string_view prefix) const;

  const std::vector<std::pair<std::string, std::string>>& pairs() const {
    return pairs_;
  }

 private:
  friend CookieJar ParseCookieHeader(absl::string_view header);
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Parses every Cookie header value of a request (pass them joined by "; ").
CookieJar ParseCookieHeader(absl::string_view header);

// Set-Cookie header values that store `value` under `name` with
// `settings`' attributes and `max_age` (absl::InfiniteDuration(): a
// browser-session cookie without Max-Age), split into NAME_0.. when longer
// than kMaxCookieValueBytes, plus expiring headers for the cookies of the
// previous layout that the new one no longer uses (`previous_chunks`, from
// CookieJar::ChunkCount), so no stale chunk is left behind.
std::vector<std::string> SetCookieHeaders(const CookieSettings& settings,
                                          absl::string_view name,
                                          absl::string_view value,
                                          absl::Duration max_age,
                                          size_t previous_chunks);

// Set-Cookie header values that delete `name` and its `chunks` chunks.
std::vector<std::string> ClearCookieHeaders(const CookieSettings& settings,
                                            absl::string_view name,
                                            size_t chunks);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_COOKIES_H_
