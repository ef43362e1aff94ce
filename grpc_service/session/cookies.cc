#include "grpc_service/session/cookies.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace authgate::service {
namespace {

// RFC 6265 5.2 trims only spaces and tabs (WSP), not every ASCII space.
absl::string_view TrimWsp(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// More chunks than a Cookie header can hold at kMaxCookieValueBytes each:
// reading stops there, so tiny planted chunks cannot make Joined quadratic.
constexpr size_t kMaxChunks = kMaxCookieHeaderBytes / kMaxCookieValueBytes + 1;

std::string ChunkName(absl::string_view name, size_t index) {
  return absl::StrCat(name, "_", index);
}

// NAME_<decimal digits>: one of `name`'s chunks.
bool IsChunkOf(absl::string_view candidate, absl::string_view name) {
  if (candidate.size() < name.size() + 2 ||
      !absl::StartsWith(candidate, name) || candidate[name.size()] != '_') {
    return false;
  }
  absl::string_view digits = candidate.substr(name.size() + 1);
  return std::all_of(digits.begin(), digits.end(),
                     [](char c) { return absl::ascii_isdigit(c); });
}

std::string Attributes(const CookieSettings& settings, absl::Duration max_age) {
  std::string out;
  absl::StrAppend(&out, "; Path=", settings.path.empty() ? "/" : settings.path);
  if (!settings.domain.empty())
    absl::StrAppend(&out, "; Domain=", settings.domain);
  if (max_age != absl::InfiniteDuration()) {
    int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(max_age));
    absl::StrAppend(&out, "; Max-Age=", seconds);
  }
  if (settings.secure) out += "; Secure";
  if (settings.http_only) out += "; HttpOnly";
  if (!settings.same_site.empty()) {
    absl::StrAppend(&out, "; SameSite=", settings.same_site);
  }
  return out;
}

std::string Expiring(absl::string_view name, absl::string_view attributes) {
  return absl::StrCat(name, "=", attributes);
}

}  // namespace

std::optional<absl::string_view> CookieJar::Get(absl::string_view name) const {
  for (const auto& [key, value] : pairs_) {
    if (key == name) return absl::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> CookieJar::Joined(absl::string_view name) const {
  std::optional<absl::string_view> whole = Get(name);
  std::optional<absl::string_view> first = Get(ChunkName(name, 0));
  if (whole.has_value() && first.has_value()) return std::nullopt;
  if (whole.has_value()) return std::string(*whole);
  if (!first.has_value()) return std::nullopt;
  std::string joined(*first);
  for (size_t i = 1; i < kMaxChunks; ++i) {
    std::optional<absl::string_view> chunk = Get(ChunkName(name, i));
    if (!chunk.has_value()) break;
    joined.append(chunk->data(), chunk->size());
  }
  return joined;
}

size_t CookieJar::ChunkCount(absl::string_view name) const {
  size_t chunks = 0;
  while (chunks < kMaxChunks && Get(ChunkName(name, chunks)).has_value()) {
    ++chunks;
  }
  if (chunks > 0) return std::max<size_t>(chunks, 2);
  return Get(name).has_value() ? 1 : 0;
}

std::string CookieJar::HeaderWithout(absl::string_view name,
                                     absl::string_view prefix) const {
  std::string out;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const auto& [key, value] = pairs_[i];
    if (key == name || IsChunkOf(key, name) ||
        (!prefix.empty() && absl::StartsWith(key, prefix))) {
      continue;
    }
    if (!out.empty()) out += "; ";
    const char* quote = quoted_[i] ? "\"" : "";
    absl::StrAppend(&out, key, "=", quote, value, quote);
  }
  return out;
}

CookieJar ParseCookieHeader(absl::string_view header) {
  CookieJar jar;
  if (header.size() > kMaxCookieHeaderBytes) return jar;
  // Views into `header`, which outlives this call's loop.
  absl::flat_hash_set<absl::string_view> names;
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) continue;
    absl::string_view name = TrimWsp(pair.substr(0, eq));
    absl::string_view value = TrimWsp(pair.substr(eq + 1));
    if (name.empty()) continue;
    bool quoted =
        value.size() >= 2 && value.front() == '"' && value.back() == '"';
    if (quoted) value = value.substr(1, value.size() - 2);
    // RFC 6265 5.4: the first of two same-named cookies is the more
    // specific one; later ones are dropped, not merged.
    if (!names.insert(name).second) continue;
    jar.pairs_.emplace_back(std::string(name), std::string(value));
    jar.quoted_.push_back(quoted);
  }
  return jar;
}

std::vector<std::string> SetCookieHeaders(const CookieSettings& settings,
                                          absl::string_view name,
                                          absl::string_view value,
                                          absl::Duration max_age,
                                          size_t previous_chunks) {
  std::vector<std::string> out;
  std::string attributes = Attributes(settings, max_age);
  std::string expire = Attributes(settings, absl::ZeroDuration());
  if (value.size() <= kMaxCookieValueBytes) {
    out.push_back(absl::StrCat(name, "=", value, attributes));
    if (previous_chunks >= 2) {
      for (size_t i = 0; i < previous_chunks; ++i) {
        out.push_back(Expiring(ChunkName(name, i), expire));
      }
    }
    return out;
  }
  size_t chunks =
      (value.size() + kMaxCookieValueBytes - 1) / kMaxCookieValueBytes;
  for (size_t i = 0; i < chunks; ++i) {
    out.push_back(absl::StrCat(
        ChunkName(name, i), "=",
        value.substr(i * kMaxCookieValueBytes, kMaxCookieValueBytes),
        attributes));
  }
  // Also when the browser held chunks: it may hold NAME beside them too.
  if (previous_chunks >= 1) out.push_back(Expiring(name, expire));
  for (size_t i = chunks; i < previous_chunks; ++i) {
    out.push_back(Expiring(ChunkName(name, i), expire));
  }
  return out;
}

std::vector<std::string> ClearCookieHeaders(const CookieSettings& settings,
                                            absl::string_view name,
                                            size_t chunks) {
  std::string expire = Attributes(settings, absl::ZeroDuration());
  std::vector<std::string> out = {Expiring(name, expire)};
  if (chunks >= 2) {
    for (size_t i = 0; i < chunks; ++i) {
      out.push_back(Expiring(ChunkName(name, i), expire));
    }
  }
  return out;
}

}  // namespace authgate::service
