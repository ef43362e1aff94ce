// HTTP cookies as the browser face reads and writes them (RFC 6265): the
// one parser of Cookie request headers, the Set-Cookie builder, and the
// splitting of a value too long for one cookie (Cognito's three tokens
// sealed together are about 5 KB; browsers keep at most 4096 bytes per
// cookie) into NAME_0, NAME_1, ... as oauth2-proxy does.
//
// Layout of one value: NAME=value when it fits in kMaxCookieValueBytes,
// else NAME_0, NAME_1, ... (at least two chunks, decimal indexes) and no
// NAME. authgate's values are base64url, so they need no quoting and may be
// cut anywhere. Set-Cookie attributes, in this order: Path, Domain (when
// set), Max-Age (omitted for a browser-session cookie; Expires is not
// written: every browser authgate serves honours Max-Age), Secure,
// HttpOnly, SameSite (when set). SameSite=None without Secure is refused by
// the configuration, not here.
//
//   CookieJar jar = ParseCookieHeader(request.header("cookie"));
//   std::optional<std::string> value = jar.Joined("_authgate");
//   for (std::string& h : SetCookieHeaders(settings, "_authgate", sealed,
//                                          max_age,
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
#include "grpc_service/session/session_settings.h"

namespace authgate::service {

// Longest value authgate puts in one cookie; longer values are split.
inline constexpr size_t kMaxCookieValueBytes = 3800;

// A Cookie header longer than this is ignored whole (an empty jar): real
// browsers send at most ~180 cookies of 4 KB to one site only in theory,
// and a request carrying more is not one authgate serves.
inline constexpr size_t kMaxCookieHeaderBytes = 64 * 1024;

// The cookies of one request, in header order. Spaces and tabs around
// names and values and empty pairs ("a=1;; b=2") are tolerated; a value in
// double quotes (RFC 6265 4.1.1 cookie-value) is read without them.
// Malformed pairs (no '=', empty name) are skipped; a name seen twice keeps
// its first value (RFC 6265 5.4: the more specific path comes first).
class CookieJar {
 public:
  std::optional<absl::string_view> Get(absl::string_view name) const;
  // `name` itself, or NAME_0, NAME_1, ... joined in order (stopping at the
  // first missing index); nullopt when neither is present, and when both
  // are (a mix of two layouts: which is current cannot be known, and a
  // planted cookie must not shadow the real one; the caller treats it as no
  // session and clears both). At most kMaxCookieHeaderBytes /
  // kMaxCookieValueBytes + 1 chunks are read, so planted tiny chunks cannot
  // make it slow.
  std::optional<std::string> Joined(absl::string_view name) const;
  // How many cookies hold `name`'s value, as SetCookieHeaders' and
  // ClearCookieHeaders' `chunks` expect: 0 when absent, 1 when unsplit
  // (NAME), else the number of consecutive chunks NAME_0.. and at least 2
  // (so a lone NAME_0, or a mix of NAME and chunks, is cleared whole).
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
  // Whether pairs_[i]'s value was DQUOTE'd, so HeaderWithout passes it on
  // as the browser sent it.
  std::vector<bool> quoted_;
};

// Parses every Cookie header value of a request (pass them joined by "; ").
// A header longer than kMaxCookieHeaderBytes gives an empty jar.
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

// Set-Cookie header values that delete `name` (always) and, when `chunks`
// is 2 or more, NAME_0..NAME_{chunks-1}: Max-Age=0 and an empty value with
// the same Path and Domain, which is what makes a browser drop a cookie.
std::vector<std::string> ClearCookieHeaders(const CookieSettings& settings,
                                            absl::string_view name,
                                            size_t chunks);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_COOKIES_H_
