// Typed, non-throwing reads from nlohmann::json objects. Each getter tells a
// missing member (kNotFound) from one of the wrong type (kInvalidArgument), as
// jwt_verify_lib's StructUtils does; callers map these to their own reasons.
#ifndef AUTHGATE_SRC_JSON_UTIL_H_
#define AUTHGATE_SRC_JSON_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace authgate::internal::json_util {

// Parses `text` as JSON without exceptions. kInvalidArgument when it is not
// JSON or (for ParseObject) not an object.
absl::StatusOr<nlohmann::json> Parse(absl::string_view text);
absl::StatusOr<nlohmann::json> ParseObject(absl::string_view text);

absl::StatusOr<std::string> GetString(const nlohmann::json& object,
                                      absl::string_view name);
absl::StatusOr<bool> GetBool(const nlohmann::json& object,
                             absl::string_view name);
absl::StatusOr<int64_t> GetInt64(const nlohmann::json& object,
                                 absl::string_view name);
absl::StatusOr<std::vector<std::string>> GetStringArray(
    const nlohmann::json& object, absl::string_view name);

// True when `text` opens more than `max_depth` nested objects or arrays (the
// top-level container is level 1). A byte scan that skips strings, so it is
// safe on any input and exact for valid JSON; used to keep deep documents
// away from nlohmann_json, whose dump() and comparisons recurse.
bool NestsDeeperThan(absl::string_view text, size_t max_depth);

// Truncates provider-supplied text before it goes into a message or log.
std::string Printable(absl::string_view text, size_t max_chars = 128);

}  // namespace authgate::internal::json_util

#endif  // AUTHGATE_SRC_JSON_UTIL_H_
