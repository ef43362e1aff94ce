// ConfigObject: typed reads of one JSON configuration object, with the path
// every message names. The one reader behind ParseProviderSpec and the
// server's own sections, so "must be a string" reads the same everywhere.
//
// Each read returns nullopt for an absent key and config_invalid
// "PATH.KEY: what" for a wrong type; CheckKeys() makes unknown keys errors,
// so a typo cannot silently disable a check. Values are never quoted in
// messages (a field may hold a secret).
//
//   ConfigObject obj(value, "providers[0]");
//   AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys({"issuer", "client_id"}));
//   AUTHGATE_ASSIGN_OR_RETURN(std::optional<std::string> issuer,
//                             obj.String("issuer"));
#ifndef AUTHGATE_CONFIG_OBJECT_H_
#define AUTHGATE_CONFIG_OBJECT_H_

#include <cstddef>
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

// Reads a whole (small) configuration or secret file. Errors: config_invalid
// "field: cannot read PATH", never the content.
absl::StatusOr<std::string> ReadConfigFile(absl::string_view field,
                                           const std::string& path);

// kInvalidArgument config_invalid "field: what".
absl::Status ConfigFieldError(absl::string_view field, absl::string_view what);

// "10s", "1m30s" or a bare number of seconds. Errors: config_invalid naming
// `field`.
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view field,
                                                 absl::string_view text);

class ConfigObject {
 public:
  // Maps a key to the name messages use; default "PATH.KEY" (and "PATH" for
  // the object itself, key "").
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
  absl::StatusOr<std::optional<size_t>> Count(const std::string& key) const;
  // A string such as "10s" / "1m30s", or a number of seconds.
  absl::StatusOr<std::optional<absl::Duration>> Duration(
      const std::string& key) const;

 private:
  const nlohmann::json& value_;
  Namer namer_;
};

}  // namespace authgate

#endif  // AUTHGATE_CONFIG_OBJECT_H_
