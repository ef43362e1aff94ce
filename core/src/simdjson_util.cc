#include "simdjson_util.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "nlohmann/json.hpp"

#include "json_util.h"

namespace authgate::internal {

namespace {

// Levels of objects and arrays in `value` (an object or array), itself
// included. simdjson's own depth limit does not count an empty innermost
// container, so it only bounds this recursion (to the parser's max_depth).
size_t ContainerDepth(simdjson::dom::element value) {
  size_t deepest = 0;
  auto visit = [&deepest](simdjson::dom::element child) {
    // Scalars (most members, every group name) cost no call.
    if (child.is_array() || child.is_object()) {
      deepest = std::max(deepest, ContainerDepth(child));
    }
  };
  simdjson::dom::array array;
  if (value.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) visit(item);
  } else {
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return 0;
    for (simdjson::dom::key_value_pair member : object) visit(member.value);
  }
  return deepest + 1;
}

// One pass over the top-level members: the depth of their values, then
// their names for duplicates.
JsonObjectParse CheckMembers(simdjson::dom::object object, size_t max_depth) {
  absl::InlinedVector<std::string_view, 32> keys;
  size_t deepest = 0;
  for (simdjson::dom::key_value_pair member : object) {
    keys.push_back(member.key);
    if (member.value.is_array() || member.value.is_object()) {
      deepest = std::max(deepest, ContainerDepth(member.value));
    }
  }
  if (deepest + 1 > max_depth) return JsonObjectParse::kTooDeep;
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
    return JsonObjectParse::kDuplicateMember;
  }
  return JsonObjectParse::kOk;
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

JsonObjectParse ParseJsonObject(const char* json, size_t size, size_t max_depth,
                                simdjson::dom::object& object) {
  thread_local simdjson::dom::parser parser;
  // simdjson counts the document itself as one more level and leaves out an
  // empty innermost container; CheckMembers() counts exactly. The limit is
  // kept when the parser later grows for a larger document.
  const size_t parser_depth = max_depth + 1;
  if (parser.max_depth() != parser_depth &&
      parser.allocate(std::max<size_t>(size, parser.capacity()),
                      parser_depth) != simdjson::SUCCESS) {
    return JsonObjectParse::kNotAnObject;
  }
  simdjson::dom::element doc;
  simdjson::error_code error = parser.parse(json, size, false).get(doc);
  if (error == simdjson::DEPTH_ERROR) return JsonObjectParse::kTooDeep;
  // simdjson 3.0 reports a big integer as a number error; nlohmann_json
  // then decides whether the number is valid JSON at all.
  if (error == simdjson::NUMBER_ERROR ||
      error == simdjson::NUMBER_OUT_OF_RANGE) {
    // simdjson stops at the first error, so the depth is not known yet;
    // nlohmann_json must not build (and dump) a tree of any depth.
    if (json_util::NestsDeeperThan(absl::string_view(json, size), max_depth)) {
      return JsonObjectParse::kTooDeep;
    }
    bool duplicate = false;
    std::optional<std::string> reencoded =
        ReencodeBigIntegers(json, size, duplicate);
    if (duplicate) return JsonObjectParse::kDuplicateMember;
    if (!reencoded.has_value()) return JsonObjectParse::kNotAnObject;
    error = parser.parse(*reencoded).get(doc);
    if (error == simdjson::DEPTH_ERROR) return JsonObjectParse::kTooDeep;
  }
  if (error != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return JsonObjectParse::kNotAnObject;
  }
  return CheckMembers(object, max_depth);
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
