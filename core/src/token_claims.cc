#include "token_claims.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "simdjson_util.h"

#include "authgate/status.h"
#include "compact_jws.h"

namespace authgate::internal {
namespace {

using simdjson::dom::element;

absl::Status WrongType(std::string_view claim, absl::string_view expected) {
  return TokenMalformed(
      absl::StrCat("claim ", ToAbsl(claim), " is not ", expected));
}

absl::Status ReadString(std::string_view claim, element value,
                        std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return WrongType(claim, "a string");
  }
  out.assign(text.data(), text.size());
  return absl::OkStatus();
}

absl::Status ReadStringArray(std::string_view claim, element value,
                             std::vector<std::string>& out) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return WrongType(claim, "an array of strings");
  }
  out.clear();
  for (element item : array) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) {
      return WrongType(claim, "an array of strings");
    }
    out.emplace_back(text);
  }
  return absl::OkStatus();
}

absl::Status ReadDate(std::string_view claim, element value,
                      std::optional<absl::Time>& out) {
  out = ToNumericDate(value);
  if (!out.has_value()) return WrongType(claim, "a NumericDate");
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTokenClaims(const char* json, size_t size,
                              TokenClaims& claims) {
  simdjson::dom::object object;
  switch (ParseJsonObject(json, size, object)) {
    case JsonObjectParse::kOk:
      break;
    case JsonObjectParse::kNotAnObject:
      return TokenMalformed("token payload is not a JSON object");
    case JsonObjectParse::kDuplicateMember:
      // RFC 7519 section 4: a parser keeping the first of two "iss" members
      // would disagree with one keeping the last.
      return TokenMalformed("token payload has a duplicate claim");
  }
  bool has_scope = false;
  for (simdjson::dom::key_value_pair member : object) {
    std::string_view key = member.key;
    element value = member.value;
    absl::Status status;
    if (key == "iss") {
      status = ReadString(key, value, claims.issuer);
    } else if (key == "sub") {
      status = ReadString(key, value, claims.subject);
    } else if (key == "aud") {
      // RFC 7519 section 4.1.3: a single string or an array of strings.
      if (value.is_string()) {
        claims.audience.resize(1);
        status = ReadString(key, value, claims.audience[0]);
      } else {
        status = ReadStringArray(key, value, claims.audience);
      }
    } else if (key == "exp") {
      status = ReadDate(key, value, claims.expires_at);
    } else if (key == "nbf") {
      status = ReadDate(key, value, claims.not_before);
    } else if (key == "iat") {
      status = ReadDate(key, value, claims.issued_at);
    } else if (key == "auth_time") {
      status = ReadDate(key, value, claims.auth_time);
    } else if (key == "client_id") {
      status = ReadString(key, value, claims.client_id);
    } else if (key == "token_use") {
      status = ReadString(key, value, claims.token_use);
    } else if (key == "cognito:username") {
      status = ReadString(key, value, claims.username);
    } else if (key == "username") {
      if (claims.username.empty())
        status = ReadString(key, value, claims.username);
    } else if (key == "scope") {
      // RFC 8693 section 4.2: space-separated scopes.
      std::string scope;
      status = ReadString(key, value, scope);
      claims.scopes = absl::StrSplit(scope, ' ', absl::SkipEmpty());
      has_scope = true;
    } else if (key == "scp" && !has_scope) {
      // Okta and Entra ID put scopes in an "scp" array (or string).
      if (value.is_string()) {
        std::string scope;
        status = ReadString(key, value, scope);
        claims.scopes = absl::StrSplit(scope, ' ', absl::SkipEmpty());
      } else {
        status = ReadStringArray(key, value, claims.scopes);
      }
    } else if (key == "cognito:groups") {
      status = ReadStringArray(key, value, claims.groups);
    } else if (key == "nonce") {
      status = ReadString(key, value, claims.nonce);
    } else if (key == "azp") {
      status = ReadString(key, value, claims.authorized_party);
    } else if (key == "jti") {
      status = ReadString(key, value, claims.token_id);
    } else if (key == "at_hash") {
      status = ReadString(key, value, claims.at_hash);
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace authgate::internal
