// libFuzzer target: the Cookie header parser of the browser face
// (ParseCookieHeader, grpc_service/session/cookies.h) and what the jar
// answers: Get, Joined, ChunkCount, HeaderWithout.
//
// Input: cookie name `\0` prefix `\0` Cookie header (an empty name is
// "_authgate"). Invariants: the header an upstream receives
// (HeaderWithout) holds neither the name, its chunks nor a cookie starting
// with the prefix, and re-parses to the other cookies unchanged; and a
// browser that starts from this jar and applies the Set-Cookie headers of
// SetCookieHeaders(value, ChunkCount) sends back a header whose Joined is
// the value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc_service/session/cookies.h"

#include "fuzz_check.h"

namespace {

using authgate::fuzz::Require;
using authgate::service::CookieJar;
using authgate::service::ParseCookieHeader;

// NAME_<decimal digits>, as cookies.cc reads a chunk.
bool IsChunkOf(absl::string_view candidate, absl::string_view name) {
  if (!absl::StartsWith(candidate, absl::StrCat(name, "_"))) return false;
  absl::string_view digits = candidate.substr(name.size() + 1);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool Removed(absl::string_view key, absl::string_view name,
             absl::string_view prefix) {
  return key == name || IsChunkOf(key, name) ||
         (!prefix.empty() && absl::StartsWith(key, prefix));
}

void CheckJar(const CookieJar& jar) {
  std::map<std::string, std::string> seen;
  for (const auto& [key, value] : jar.pairs()) {
    Require(!key.empty(), "a cookie has a name");
    Require(key.find_first_of(";=") == std::string::npos,
            "a name holds no ';' or '='");
    Require(value.find(';') == std::string::npos, "a value holds no ';'");
    Require(seen.emplace(key, value).second, "a name is kept once");
    Require(jar.Get(key) == absl::string_view(value), "Get finds the pair");
  }
}

void CheckHeaderWithout(const CookieJar& jar, absl::string_view name,
                        absl::string_view prefix) {
  const std::string upstream = jar.HeaderWithout(name, prefix);
  // A plain upstream parser splits on ';' and takes the name before '='.
  for (absl::string_view part : absl::StrSplit(upstream, ';')) {
    absl::string_view key = part.substr(0, part.find('='));
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) {
      key.remove_prefix(1);
    }
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) {
      key.remove_suffix(1);
    }
    Require(!Removed(key, name, prefix),
            "HeaderWithout drops the name, its chunks and the prefix");
  }
  CookieJar again = ParseCookieHeader(upstream);
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& pair : jar.pairs()) {
    if (!Removed(pair.first, name, prefix)) expected.push_back(pair);
  }
  Require(again.pairs() == expected,
          "HeaderWithout re-parses to the other cookies, in order");
}

void CheckJoinedAndCount(const CookieJar& jar, const std::string& name) {
  const bool whole = jar.Get(name).has_value();
  const bool first = jar.Get(absl::StrCat(name, "_0")).has_value();
  const size_t count = jar.ChunkCount(name);
  std::optional<std::string> joined = jar.Joined(name);
  Require((count == 0) == (!whole && !first), "ChunkCount 0 iff absent");
  Require(!first || count >= 2, "chunks count at least 2");
  Require(first || !whole || count == 1, "an unsplit value counts 1");
  if (whole && first) {
    Require(!joined.has_value(), "a mix of layouts is no value");
  } else if (whole) {
    Require(joined.has_value() && *joined == *jar.Get(name),
            "an unsplit value is itself");
  } else if (!first) {
    Require(!joined.has_value(), "no value when absent");
  } else {
    std::string chunks;
    size_t present = 0;
    while (std::optional<absl::string_view> chunk =
               jar.Get(absl::StrCat(name, "_", present))) {
      absl::StrAppend(&chunks, *chunk);
      ++present;
    }
    Require(count == std::max<size_t>(present, 2),
            "ChunkCount is the consecutive chunks, at least 2");
    Require(joined == chunks, "Joined is the chunks in order");
  }
}

// A browser's cookie store for one site: Set-Cookie with Max-Age=0
// deletes, anything else sets (keeping the position of a known name).
void Apply(std::vector<std::pair<std::string, std::string>>& store,
           absl::string_view set_cookie) {
  absl::string_view pair = set_cookie.substr(0, set_cookie.find(';'));
  size_t eq = pair.find('=');
  Require(eq != absl::string_view::npos, "a Set-Cookie has NAME=");
  std::string key(pair.substr(0, eq));
  std::string value(pair.substr(eq + 1));
  const bool expire = absl::StrContains(set_cookie, "; Max-Age=0");
  for (auto it = store.begin(); it != store.end(); ++it) {
    if (it->first != key) continue;
    if (expire) {
      store.erase(it);
    } else {
      it->second = value;
    }
    return;
  }
  if (!expire) store.emplace_back(std::move(key), std::move(value));
}

void CheckRoundTrip(const CookieJar& jar, const std::string& name,
                    absl::string_view data) {
  // authgate's values are base64url; repeat the input so values span
  // one, two and more cookies.
  std::string value = absl::WebSafeBase64Escape(data);
  if (!data.empty()) {
    const size_t copies = static_cast<uint8_t>(data[0]) % 4;
    const std::string once = value;
    for (size_t i = 0; i < copies; ++i) value += once;
  }
  if (value.empty()) value = "x";
  // The browser holds the jar's other cookies and the layout of `name` the
  // jar reports (NAME and/or NAME_0.. consecutive chunks).
  std::vector<std::pair<std::string, std::string>> store;
  for (const auto& pair : jar.pairs()) {
    if (pair.first == name || IsChunkOf(pair.first, name)) {
      const bool counted = pair.first == name || [&] {
        for (size_t i = 0; jar.Get(absl::StrCat(name, "_", i)); ++i) {
          if (pair.first == absl::StrCat(name, "_", i)) return true;
        }
        return false;
      }();
      if (!counted) continue;
    }
    store.push_back(pair);
  }
  authgate::service::CookieSettings settings;
  settings.name = name;
  for (const std::string& header : authgate::service::SetCookieHeaders(
           settings, name, value, absl::Hours(1), jar.ChunkCount(name))) {
    Apply(store, header);
  }
  std::string cookie;
  for (const auto& [key, v] : store) {
    absl::StrAppend(&cookie, cookie.empty() ? "" : "; ", key, "=", v);
  }
  CookieJar back = ParseCookieHeader(cookie);
  Require(back.Joined(name) == value,
          "Joined gives back the value SetCookieHeaders stored");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> parts =
      absl::StrSplit(input, absl::MaxSplits('\0', 2));
  parts.resize(3);
  std::string name(parts[0]);
  // A name as authgate's config allows: a cookie-name token.
  if (name.empty() || name.find_first_of(";= \t,\"") != std::string::npos) {
    name = "_authgate";
  }
  const absl::string_view prefix = parts[1];
  const absl::string_view header = parts[2];

  CookieJar jar = ParseCookieHeader(header);
  CheckJar(jar);
  CheckHeaderWithout(jar, name, prefix);
  CheckHeaderWithout(jar, name, absl::StrCat(name, "_csrf_"));
  CheckJoinedAndCount(jar, name);
  CheckRoundTrip(jar, name, header);
  return 0;
}
