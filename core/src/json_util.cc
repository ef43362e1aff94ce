#include "json_util.h"

#include "absl/strings/str_cat.h"

namespace authgate::internal::json_util {
namespace {

absl::StatusOr<const nlohmann::json*> Member(const nlohmann::json& object,
                                             absl::string_view name) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  auto it = object.find(std::string(name));
  if (it == object.end()) {
    return absl::NotFoundError(absl::StrCat("\"", name, "\" is missing"));
  }
  return &*it;
}

absl::Status WrongType(absl::string_view name, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not ", expected));
}

}  // namespace

bool NestsDeeperThan(absl::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

absl::StatusOr<nlohmann::json> Parse(absl::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("invalid JSON");
  return doc;
}

absl::StatusOr<nlohmann::json> ParseObject(absl::string_view text) {
  absl::StatusOr<nlohmann::json> doc = Parse(text);
  if (!doc.ok()) return doc;
  if (!doc->is_object()) return absl::InvalidArgumentError("not a JSON object");
  return doc;
}

absl::StatusOr<std::string> GetString(const nlohmann::json& object,
                                      absl::string_view name) {
  absl::StatusOr<const nlohmann::json*> value = Member(object, name);
  if (!value.ok()) return value.status();
  if (!(*value)->is_string()) return WrongType(name, "a string");
  return (*value)->get<std::string>();
}

absl::StatusOr<bool> GetBool(const nlohmann::json& object,
                             absl::string_view name) {
  absl::StatusOr<const nlohmann::json*> value = Member(object, name);
  if (!value.ok()) return value.status();
  if (!(*value)->is_boolean()) return WrongType(name, "a boolean");
  return (*value)->get<bool>();
}

absl::StatusOr<int64_t> GetInt64(const nlohmann::json& object,
                                 absl::string_view name) {
  absl::StatusOr<const nlohmann::json*> value = Member(object, name);
  if (!value.ok()) return value.status();
  if (!(*value)->is_number_integer()) return WrongType(name, "an integer");
  return (*value)->get<int64_t>();
}

absl::StatusOr<std::vector<std::string>> GetStringArray(
    const nlohmann::json& object, absl::string_view name) {
  absl::StatusOr<const nlohmann::json*> value = Member(object, name);
  if (!value.ok()) return value.status();
  if (!(*value)->is_array()) return WrongType(name, "an array of strings");
  std::vector<std::string> out;
  out.reserve((*value)->size());
  for (const nlohmann::json& item : **value) {
    if (!item.is_string()) return WrongType(name, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string Printable(absl::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text.substr(0, max_chars)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

}  // namespace authgate::internal::json_util
