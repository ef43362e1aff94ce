// ConfigObject: typed reads of one JSON configuration object, with the path
// every message names. The one reader behind ParseProviderSpec and the
// server's own sections, so "must be a string" reads the same everywhere.
//
// Each read returns nullopt for an absent key and config_invalid
// "PATH.KEY: what" for a wrong type; CheckKeys() makes unknown keys errors,
// so a typo cannot silently disable a check. Durations and counts are read
// within a [min, max] the caller names, and the message names both bounds
// ("PATH.KEY: must be between 1s and 1h, got 0s"). String values are never
// echoed (a field may hold a secret); keys, and the numbers a bound rejects,
// are echoed through QuoteConfigText(), so no message spans two lines.
//
//   ConfigObject obj(value, "providers[0]");
//   AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys({"issuer", "client_id"}));
//   AUTHGATE_ASSIGN_OR_RETURN(std::optional<std::string> issuer,
//                             obj.String("issuer"));
#ifndef AUTHGATE_CONFIG_OBJECT_H_
#define AUTHGATE_CONFIG_OBJECT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

// Assigns `out` from a ConfigObject read when the key is present; returns
// the read's error from the enclosing function.
//   AUTHGATE_CONFIG_SET(spec.name, obj.String("name"));
#define AUTHGATE_CONFIG_SET(out, read) \
  do {                                 \
    auto authgate_read_ = (read);      \
    if (!authgate_read_.ok()) {        \
      return authgate_read_.status();  \
    }                                  \
    if (authgate_read_->has_value()) { \
      out = **authgate_read_;          \
    }                                  \
  } while (false)

namespace authgate {

// The most a configuration, secret or key file may hold by default.
inline constexpr size_t kMaxConfigFileBytes = 1024 * 1024;

// Reads a whole configuration or secret file of at most `max_bytes`, never
// allocating more than that: a regular file's size is checked before any
// read, anything else (a pipe, /dev/zero) is read up to max_bytes + 1.
// A FIFO without a writer reads as empty instead of blocking. Errors:
// kInvalidArgument config_invalid "field: cannot read \"PATH\": why",
// "field: \"PATH\" is a directory", "field: \"PATH\" exceeds the N-byte
// limit"; never the content.
absl::StatusOr<std::string> ReadConfigFile(
    absl::string_view field, const std::string& path,
    size_t max_bytes = kMaxConfigFileBytes);

// kInvalidArgument config_invalid "field: what".
absl::Status ConfigFieldError(absl::string_view field, absl::string_view what);

// `text` as a one-line C-escaped literal in double quotes, cut to
// `max_chars` input bytes ("..." after the quote marks a cut): a newline or
// a terminal escape in a key becomes \n or \033 instead of reaching the
// log raw. For keys and public values only, never for secrets.
std::string QuoteConfigText(absl::string_view text, size_t max_chars = 64);

// Inclusive bounds of a duration or count field.
struct DurationRange {
  absl::Duration min;
  absl::Duration max;
};
struct CountRange {
  uint64_t min;
  uint64_t max;
};
// What any duration may be when a caller names no tighter range: not
// negative, at most 366 days (so inf, nan and 1e30 are refused).
inline constexpr DurationRange kAnyConfigDuration = {absl::ZeroDuration(),
                                                     absl::Hours(366 * 24)};
inline constexpr CountRange kAnyConfigCount = {0, uint64_t{1} << 53};

// "1s", "1m30s", "0s", as messages print a duration.
std::string FormatConfigDuration(absl::Duration duration);

// config_invalid "field: must be between MIN and MAX, got VALUE" unless
// `value` lies within `range`.
absl::Status CheckDurationRange(absl::string_view field, absl::Duration value,
                                const DurationRange& range);
absl::Status CheckCountRange(absl::string_view field, uint64_t value,
                             const CountRange& range);

// "10s", "1m30s" or a bare number of seconds, within `range`. Errors:
// config_invalid naming `field` (not a duration, or out of range, with the
// text quoted).
absl::StatusOr<absl::Duration> ParseDurationText(
    absl::string_view field, absl::string_view text,
    const DurationRange& range = kAnyConfigDuration);

// A non-negative decimal integer within `range` (flags, environment).
absl::StatusOr<uint64_t> ParseCountText(
    absl::string_view field, absl::string_view text,
    const CountRange& range = kAnyConfigCount);

class ConfigObject {
 public:
  // Maps a key to the name messages use; default "PATH.KEY" (and "PATH" for
  // the object itself, key ""). Keys that are not plain names
  // ([A-Za-z0-9_-]) reach it quoted by QuoteConfigText().
  using Namer = std::function<std::string(absl::string_view key)>;

  ConfigObject(const nlohmann::json& value, std::string path);
  ConfigObject(const nlohmann::json& value, Namer namer);

  // config_invalid "PATH: must be an object" unless it is one.
  absl::Status CheckIsObject() const;
  // The first key not in `known` is an error "PATH.KEY: unknown field".
  absl::Status CheckKeys(const std::set<std::string>& known) const;

  std::string Field(absl::string_view key) const;
  bool Has(const std::string& key) const;
  const nlohmann::json& at(const std::string& key) const;
  // A nested object's reader, named "PATH.KEY".
  ConfigObject Child(const std::string& key) const;

  absl::StatusOr<std::optional<std::string>> String(
      const std::string& key) const;
  // An array of strings; a lone string counts as a list of one.
  absl::StatusOr<std::optional<std::vector<std::string>>> StringList(
      const std::string& key) const;
  absl::StatusOr<std::optional<bool>> Bool(const std::string& key) const;
  // A JSON integer within `range`.
  absl::StatusOr<std::optional<size_t>> Count(
      const std::string& key, const CountRange& range = kAnyConfigCount) const;
  // A string such as "10s" / "1m30s", or a number of seconds, within
  // `range`.
  absl::StatusOr<std::optional<absl::Duration>> Duration(
      const std::string& key,
      const DurationRange& range = kAnyConfigDuration) const;

 private:
  const nlohmann::json& value_;
  Namer namer_;
};

}  // namespace authgate

#endif  // AUTHGATE_CONFIG_OBJECT_H_
