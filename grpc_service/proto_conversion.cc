#include "grpc_service/proto_conversion.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "simdjson.h"

namespace authgate::service {
namespace {

void JsonToValue(const nlohmann::json& json, google::protobuf::Value* out) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case nlohmann::json::value_t::boolean:
      out->set_bool_value(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
      out->set_number_value(static_cast<double>(json.get<int64_t>()));
      break;
    case nlohmann::json::value_t::number_unsigned:
      out->set_number_value(static_cast<double>(json.get<uint64_t>()));
      break;
    case nlohmann::json::value_t::number_float:
      out->set_number_value(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      out->set_string_value(json.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array: {
      google::protobuf::ListValue* list = out->mutable_list_value();
      for (const nlohmann::json& item : json) {
        JsonToValue(item, list->add_values());
      }
      break;
    }
    case nlohmann::json::value_t::object:
      JsonToStruct(json, out->mutable_struct_value());
      break;
    case nlohmann::json::value_t::binary:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
  }
}

void SimdjsonToValue(simdjson::dom::element element,
                     google::protobuf::Value* out) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      google::protobuf::Struct* object = out->mutable_struct_value();
      for (simdjson::dom::key_value_pair field : element.get_object()) {
        SimdjsonToValue(field.value,
                        &(*object->mutable_fields())[std::string(field.key)]);
      }
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      google::protobuf::ListValue* list = out->mutable_list_value();
      for (simdjson::dom::element item : element.get_array()) {
        SimdjsonToValue(item, list->add_values());
      }
      break;
    }
    case simdjson::dom::element_type::INT64:
      out->set_number_value(static_cast<double>(int64_t(element)));
      break;
    case simdjson::dom::element_type::UINT64:
      out->set_number_value(static_cast<double>(uint64_t(element)));
      break;
    case simdjson::dom::element_type::DOUBLE:
      out->set_number_value(double(element));
      break;
    case simdjson::dom::element_type::STRING: {
      std::string_view text = element.get_string().value_unsafe();
      out->set_string_value(text.data(), text.size());
      break;
    }
    case simdjson::dom::element_type::BOOL:
      out->set_bool_value(bool(element));
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
  }
}

// Protobuf wire format, just what Struct/Value/ListValue need. Each message
// goes straight into the output behind its length prefix, taken from a size
// pass over the same JSON: no temporary string per field or value.
void PutVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  for (; value >= 0x80; value >>= 7) ++size;
  return size;
}

constexpr int kWireVarint = 0;
constexpr int kWireFixed64 = 1;
constexpr int kWireLengthDelimited = 2;

// Every tag used here (fields 1-6) fits in one byte.
void PutTag(int field, int wire_type, std::string& out) {
  out.push_back(static_cast<char>(field << 3 | wire_type));
}

void PutLengthPrefix(int field, size_t size, std::string& out) {
  PutTag(field, kWireLengthDelimited, out);
  PutVarint(size, out);
}

// A length-delimited field with a payload of `size` bytes, all told.
size_t FieldSize(size_t size) { return 1 + VarintSize(size) + size; }

size_t StructFieldsSize(simdjson::dom::object object);

// Payload size of ListValue for `array`.
size_t ListSize(simdjson::dom::array array);

// Encoded size of google.protobuf.Value for `element`.
size_t ValueSize(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT:
      return FieldSize(StructFieldsSize(element.get_object().value_unsafe()));
    case simdjson::dom::element_type::ARRAY:
      return FieldSize(ListSize(element.get_array().value_unsafe()));
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return 1 + 8;
    case simdjson::dom::element_type::STRING:
      return FieldSize(element.get_string().value_unsafe().size());
    case simdjson::dom::element_type::BOOL:
    case simdjson::dom::element_type::NULL_VALUE:
      return 1 + 1;
  }
  return 0;
}

size_t ListSize(simdjson::dom::array array) {
  size_t size = 0;
  for (simdjson::dom::element item : array) size += FieldSize(ValueSize(item));
  return size;
}

// Payload size of one map entry {string key = 1; Value value = 2}.
size_t EntrySize(simdjson::dom::key_value_pair field) {
  return FieldSize(field.key.size()) + FieldSize(ValueSize(field.value));
}

size_t StructFieldsSize(simdjson::dom::object object) {
  size_t size = 0;
  for (simdjson::dom::key_value_pair field : object) {
    size += FieldSize(EntrySize(field));
  }
  return size;
}

void EncodeStructFields(simdjson::dom::object object, std::string& out);

// google.protobuf.Value: null_value = 1, number_value = 2, string_value = 3,
// bool_value = 4, struct_value = 5, list_value = 6.
void EncodeValue(simdjson::dom::element element, std::string& out) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object = element.get_object().value_unsafe();
      PutLengthPrefix(5, StructFieldsSize(object), out);
      EncodeStructFields(object, out);
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      // ListValue: repeated Value values = 1.
      simdjson::dom::array array = element.get_array().value_unsafe();
      PutLengthPrefix(6, ListSize(array), out);
      for (simdjson::dom::element item : array) {
        PutLengthPrefix(1, ValueSize(item), out);
        EncodeValue(item, out);
      }
      break;
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double number = element.type() == simdjson::dom::element_type::INT64
                          ? static_cast<double>(int64_t(element))
                      : element.type() == simdjson::dom::element_type::UINT64
                          ? static_cast<double>(uint64_t(element))
                          : double(element);
      uint64_t bits;
      static_assert(sizeof(bits) == sizeof(number));
      std::memcpy(&bits, &number, sizeof(bits));
      PutTag(2, kWireFixed64, out);
      for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>(bits >> (8 * i)));
      }
      break;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view text = element.get_string().value_unsafe();
      PutLengthPrefix(3, text.size(), out);
      out.append(text.data(), text.size());
      break;
    }
    case simdjson::dom::element_type::BOOL:
      PutTag(4, kWireVarint, out);
      out.push_back(bool(element) ? 1 : 0);
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      PutTag(1, kWireVarint, out);
      out.push_back(0);
      break;
  }
}

// Struct: map<string, Value> fields = 1, i.e. repeated entries
// {string key = 1; Value value = 2}.
void EncodeStructFields(simdjson::dom::object object, std::string& out) {
  for (simdjson::dom::key_value_pair field : object) {
    PutLengthPrefix(1, EntrySize(field), out);
    PutLengthPrefix(1, field.key.size(), out);
    out.append(field.key.data(), field.key.size());
    PutLengthPrefix(2, ValueSize(field.value), out);
    EncodeValue(field.value, out);
  }
}

}  // namespace

std::optional<std::string> JsonTextToStructBytes(absl::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get_object().get(object) !=
      simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(StructFieldsSize(object));
  EncodeStructFields(object, out);
  return out;
}

bool JsonTextToStruct(absl::string_view json, google::protobuf::Struct* out) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get_object().get(object) !=
      simdjson::SUCCESS) {
    out->Clear();
    return false;
  }
  auto* fields = out->mutable_fields();
  for (simdjson::dom::key_value_pair field : object) {
    SimdjsonToValue(field.value, &(*fields)[std::string(field.key)]);
  }
  return true;
}

std::optional<absl::string_view> BearerCredentials(absl::string_view header) {
  // RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token. One space is
  // what every client sends; anything after it is the token, verbatim.
  constexpr absl::string_view kScheme = "bearer ";
  if (!absl::StartsWithIgnoreCase(header, kScheme)) return std::nullopt;
  return header.substr(kScheme.size());
}

absl::string_view StripBearer(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  // "Bearer" alone is a scheme with no credentials: no token at all.
  if (absl::EqualsIgnoreCase(value, "bearer")) return {};
  if (value.size() > 7 && absl::StartsWithIgnoreCase(value, "bearer") &&
      absl::ascii_isspace(static_cast<unsigned char>(value[6]))) {
    value = absl::StripLeadingAsciiWhitespace(value.substr(6));
  }
  return value;
}

Match ToMatch(v1::MatchMode mode, Match default_match) {
  switch (mode) {
    case v1::MATCH_MODE_ALL:
      return Match::kAll;
    case v1::MATCH_MODE_ANY:
      return Match::kAny;
    default:
      return default_match;
  }
}

VerifyOptions ToVerifyOptions(const v1::ValidateTokenRequest& request) {
  VerifyOptions options;
  options.provider = request.provider();
  options.token_uses.assign(request.token_uses().begin(),
                            request.token_uses().end());
  options.audiences.assign(request.audiences().begin(),
                           request.audiences().end());
  options.scopes.assign(request.required_scopes().begin(),
                        request.required_scopes().end());
  options.scope_match = ToMatch(request.scope_match(), Match::kAll);
  options.groups.assign(request.required_groups().begin(),
                        request.required_groups().end());
  options.group_match = ToMatch(request.group_match(), Match::kAny);
  options.nonce = request.nonce();
  return options;
}

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast()) return;
  int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

void FillPrincipal(const VerifiedToken& token, v1::Principal* out) {
  out->set_subject(token.subject());
  out->set_username(token.username());
  out->set_client_id(token.client_id().empty() ? token.authorized_party()
                                               : token.client_id());
  out->set_token_use(token.token_use());
  for (const std::string& scope : token.scopes()) out->add_scopes(scope);
  for (const std::string& group : token.groups()) out->add_groups(group);
  ToTimestamp(token.expires_at(), out->mutable_expires_at());
  if (token.expires_at() == absl::InfiniteFuture()) out->clear_expires_at();
  out->set_issuer(token.issuer());
  for (const std::string& audience : token.audience()) {
    out->add_audiences(audience);
  }
  out->set_provider(token.provider_name());
  if (std::optional<absl::Time> iat = token.issued_at()) {
    ToTimestamp(*iat, out->mutable_issued_at());
  }
  out->set_token_id(token.token_id());
}

void JsonToStruct(const nlohmann::json& object, google::protobuf::Struct* out) {
  if (!object.is_object()) return;
  auto* fields = out->mutable_fields();
  for (const auto& item : object.items()) {
    JsonToValue(item.value(), &(*fields)[item.key()]);
  }
}

void FillTokenSet(const TokenResponse& response, v1::TokenSet* out) {
  out->set_access_token(response.access_token);
  out->set_id_token(response.id_token);
  out->set_refresh_token(response.refresh_token);
  out->set_token_type(response.token_type);
  out->set_expires_in_seconds(absl::ToInt64Seconds(response.expires_in));
  out->set_scope(response.scope);
  out->set_refresh_token_rotated(response.refresh_token_rotated);
  if (response.expires_at != absl::InfiniteFuture()) {
    ToTimestamp(response.expires_at, out->mutable_expires_at());
  }
}

std::vector<std::string> SplitScopes(absl::string_view scope) {
  return absl::StrSplit(scope, ' ', absl::SkipEmpty());
}

}  // namespace authgate::service
