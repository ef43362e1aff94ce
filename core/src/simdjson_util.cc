#include "simdjson_util.h"

#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"

namespace authgate::internal {

simdjson::dom::parser& ThreadLocalJsonParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

bool HasDuplicateMembers(simdjson::dom::object object) {
  absl::InlinedVector<std::string_view, 32> keys;
  for (simdjson::dom::key_value_pair member : object) {
    keys.push_back(member.key);
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

std::optional<absl::Time> ToNumericDate(simdjson::dom::element value) {
  double seconds;
  if (value.get_double().get(seconds) != simdjson::SUCCESS) return std::nullopt;
  // Year ~318857 either way: beyond any real token, and safe for absl::Time.
  constexpr double kLimit = 1e13;
  if (!std::isfinite(seconds) || std::fabs(seconds) > kLimit) {
    return std::nullopt;
  }
  return absl::UnixEpoch() + absl::Seconds(seconds);
}

}  // namespace authgate::internal
