#include "authgate/config_object.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "authgate/status.h"

namespace authgate {

absl::StatusOr<std::string> ReadConfigFile(absl::string_view field,
                                           const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigFieldError(field, absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return ConfigFieldError(field, absl::StrCat("cannot read ", path));
  }
  return text.str();
}

absl::Status ConfigFieldError(absl::string_view field, absl::string_view what) {
  return MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
      field.empty() ? std::string(what) : absl::StrCat(field, ": ", what));
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view field,
                                                 absl::string_view text) {
  absl::Duration duration;
  double seconds = 0;
  if (absl::ParseDuration(text, &duration)) return duration;
  // A bare number means seconds.
  if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds)) {
    return absl::Seconds(seconds);
  }
  return ConfigFieldError(
      field, absl::StrCat("invalid duration \"", text.substr(0, 32),
                          "\" (e.g. \"10s\", \"1m30s\")"));
}

ConfigObject::ConfigObject(const nlohmann::json& value, std::string path)
    : value_(value), namer_([path = std::move(path)](absl::string_view key) {
        if (key.empty()) return path;
        return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
      }) {}

ConfigObject::ConfigObject(const nlohmann::json& value, Namer namer)
    : value_(value), namer_(std::move(namer)) {}

absl::Status ConfigObject::CheckIsObject() const {
  if (!value_.is_object()) {
    return ConfigFieldError(namer_(""), "must be an object");
  }
  return absl::OkStatus();
}

absl::Status ConfigObject::CheckKeys(const std::set<std::string>& known) const {
  for (const auto& item : value_.items()) {
    if (known.count(item.key()) == 0) {
      return ConfigFieldError(Field(item.key().substr(0, 64)), "unknown field");
    }
  }
  return absl::OkStatus();
}

std::string ConfigObject::Field(absl::string_view key) const {
  return namer_(key);
}

bool ConfigObject::Has(const std::string& key) const {
  return value_.is_object() && value_.contains(key);
}

const nlohmann::json& ConfigObject::at(const std::string& key) const {
  return value_.at(key);
}

ConfigObject ConfigObject::Child(const std::string& key) const {
  return ConfigObject(value_.at(key), Field(key));
}

absl::StatusOr<std::optional<std::string>> ConfigObject::String(
    const std::string& key) const {
  if (!Has(key)) return std::optional<std::string>();
  const nlohmann::json& v = value_.at(key);
  if (!v.is_string()) return ConfigFieldError(Field(key), "must be a string");
  return std::optional<std::string>(v.get<std::string>());
}

absl::StatusOr<std::optional<std::vector<std::string>>>
ConfigObject::StringList(const std::string& key) const {
  if (!Has(key)) return std::optional<std::vector<std::string>>();
  const nlohmann::json& v = value_.at(key);
  if (v.is_string()) {
    return std::optional<std::vector<std::string>>(
        std::vector<std::string>{v.get<std::string>()});
  }
  if (!v.is_array()) {
    return ConfigFieldError(Field(key), "must be an array of strings");
  }
  std::vector<std::string> out;
  for (const nlohmann::json& item : v) {
    if (!item.is_string()) {
      return ConfigFieldError(Field(key), "must be an array of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

absl::StatusOr<std::optional<bool>> ConfigObject::Bool(
    const std::string& key) const {
  if (!Has(key)) return std::optional<bool>();
  const nlohmann::json& v = value_.at(key);
  if (!v.is_boolean()) {
    return ConfigFieldError(Field(key), "must be true or false");
  }
  return std::optional<bool>(v.get<bool>());
}

absl::StatusOr<std::optional<size_t>> ConfigObject::Count(
    const std::string& key) const {
  if (!Has(key)) return std::optional<size_t>();
  const nlohmann::json& v = value_.at(key);
  if (!v.is_number_unsigned()) {
    return ConfigFieldError(Field(key), "must be a non-negative integer");
  }
  return std::optional<size_t>(v.get<size_t>());
}

absl::StatusOr<std::optional<absl::Duration>> ConfigObject::Duration(
    const std::string& key) const {
  if (!Has(key)) return std::optional<absl::Duration>();
  const nlohmann::json& v = value_.at(key);
  if (v.is_number()) {
    double seconds = v.get<double>();
    if (!std::isfinite(seconds)) {
      return ConfigFieldError(Field(key), "must be a finite number");
    }
    return std::optional<absl::Duration>(absl::Seconds(seconds));
  }
  if (!v.is_string()) {
    return ConfigFieldError(Field(key),
                            "must be a duration string (\"10s\") or seconds");
  }
  absl::StatusOr<absl::Duration> d =
      ParseDurationText(Field(key), v.get<std::string>());
  if (!d.ok()) return d.status();
  return std::optional<absl::Duration>(*d);
}

}  // namespace authgate
