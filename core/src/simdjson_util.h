// Small helpers over simdjson's DOM, used on the verification hot path where
// nlohmann_json's parse alone would cost more than the rest of the work
// (PLATFORM.md: 12-14 us vs about 1 us per token).
#ifndef AUTHGATE_SRC_SIMDJSON_UTIL_H_
#define AUTHGATE_SRC_SIMDJSON_UTIL_H_

#include <optional>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "simdjson.h"

namespace authgate::internal {

// abseil here is built with its own string_view type.
inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

enum class JsonObjectParse { kOk, kNotAnObject, kDuplicateMember, kTooDeep };

// Parses a JSON object with this thread's parser (valid until the thread's
// next parse). `json` holds `size` bytes followed by SIMDJSON_PADDING readable
// bytes. RFC 7515 section 4 / RFC 7519 section 4: member names must be
// unique, so duplicates are refused rather than resolved. A document nesting
// objects or arrays more than `max_depth` levels (the object itself is level
// 1) is kTooDeep, found while parsing, before any of it is used.
JsonObjectParse ParseJsonObject(const char* json, size_t size, size_t max_depth,
                                simdjson::dom::object& object);

// A NumericDate (seconds since the epoch, integer or fraction) within a sane
// range; nullopt when the value is not such a number.
std::optional<absl::Time> ToNumericDate(simdjson::dom::element value);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_SIMDJSON_UTIL_H_
