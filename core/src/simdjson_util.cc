#include "simdjson_util.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "nlohmann/json.hpp"

namespace authgate::internal {

namespace {

bool HasDuplicateMembers(simdjson::dom::object object) {
  absl::InlinedVector<std::string_view, 32> keys;
  for (simdjson::dom::key_value_pair member : object) {
    keys.push_back(member.key);
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

// simdjson refuses integers beyond 64 bits, which JSON allows (a custom claim
// may hold one). nlohmann_json reads them as doubles: re-encode the document
// with it, checking top-level duplicates on the way since its tree would
// silently keep only one of them.
std::optional<std::string> ReencodeBigIntegers(const char* json, size_t size,
                                               bool& duplicate) {
  absl::flat_hash_set<std::string> keys;
  nlohmann::json::parser_callback_t check =
      [&](int depth, nlohmann::json::parse_event_t event,
          nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 &&
            !keys.insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        return true;
      };
  nlohmann::json doc = nlohmann::json::parse(json, json + size, check,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc.dump();
}

}  // namespace

JsonObjectParse ParseJsonObject(const char* json, size_t size,
                                simdjson::dom::object& object) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::error_code error = parser.parse(json, size, false).get(doc);
  // simdjson 3.0 reports a big integer as a number error; nlohmann_json
  // then decides whether the number is valid JSON at all.
  if (error == simdjson::NUMBER_ERROR ||
      error == simdjson::NUMBER_OUT_OF_RANGE) {
    bool duplicate = false;
    std::optional<std::string> reencoded =
        ReencodeBigIntegers(json, size, duplicate);
    if (duplicate) return JsonObjectParse::kDuplicateMember;
    if (!reencoded.has_value()) return JsonObjectParse::kNotAnObject;
    error = parser.parse(*reencoded).get(doc);
  }
  if (error != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return JsonObjectParse::kNotAnObject;
  }
  if (HasDuplicateMembers(object)) return JsonObjectParse::kDuplicateMember;
  return JsonObjectParse::kOk;
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
