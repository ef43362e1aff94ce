#include "token_claims.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "simdjson_util.h"

#include "authgate/status.h"
#include "authgate/token_verifier.h"
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

// A provider-dependent candidate: a type error is only recorded, since the
// token's provider may not use this claim at all.
void ReadCandidate(element value, std::string& out, uint8_t bit,
                   uint8_t& wrong_type) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    wrong_type |= bit;
    out.clear();
    return;
  }
  out.assign(text.data(), text.size());
}

// Groups: an array of strings, or a single string naming one group.
void ReadGroupsCandidate(element value, std::vector<std::string>& out,
                         uint8_t bit, uint8_t& wrong_type) {
  out.clear();
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    out.emplace_back(text);
    return;
  }
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    wrong_type |= bit;
    return;
  }
  for (element item : array) {
    if (item.get_string().get(text) != simdjson::SUCCESS) {
      wrong_type |= bit;
      out.clear();
      return;
    }
    out.emplace_back(text);
  }
}

absl::Status ReadDate(std::string_view claim, element value,
                      std::optional<absl::Time>& out) {
  out = ToNumericDate(value);
  if (!out.has_value()) return WrongType(claim, "a NumericDate");
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTokenClaims(const char* json, size_t size,
                              TokenClaims& claims,
                              IdentityClaimCandidates& candidates) {
  simdjson::dom::object object;
  switch (ParseJsonObject(json, size, kMaxJsonDepth, object)) {
    case JsonObjectParse::kOk:
      break;
    case JsonObjectParse::kNotAnObject:
      return TokenMalformed("token payload is not a JSON object");
    case JsonObjectParse::kDuplicateMember:
      // RFC 7519 section 4: a parser keeping the first of two "iss" members
      // would disagree with one keeping the last.
      return TokenMalformed("token payload has a duplicate claim");
    case JsonObjectParse::kTooDeep:
      // kMaxJsonDepth: deeper JSON would not fit a google.protobuf.Struct
      // under protobuf's recursion limit, nor should recursive code see it.
      return TokenMalformed(absl::StrCat("token payload nests deeper than ",
                                         kMaxJsonDepth, " levels"));
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
      ReadCandidate(value, candidates.cognito_username,
                    IdentityClaimCandidates::kCognitoUsername,
                    candidates.wrong_type);
    } else if (key == "username") {
      ReadCandidate(value, candidates.username,
                    IdentityClaimCandidates::kUsername, candidates.wrong_type);
    } else if (key == "preferred_username") {
      ReadCandidate(value, candidates.preferred_username,
                    IdentityClaimCandidates::kPreferredUsername,
                    candidates.wrong_type);
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
      ReadGroupsCandidate(value, candidates.cognito_groups,
                          IdentityClaimCandidates::kCognitoGroups,
                          candidates.wrong_type);
    } else if (key == "groups") {
      ReadGroupsCandidate(value, candidates.groups,
                          IdentityClaimCandidates::kGroups,
                          candidates.wrong_type);
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

IdentityClaims::IdentityClaims(std::string groups_claim,
                               std::string username_claim)
    : groups_claim_(std::move(groups_claim)),
      username_claim_(std::move(username_claim)) {
  if (groups_claim_ == "cognito:groups") {
    groups_ = Source::kCognitoGroups;
  } else if (groups_claim_ == "groups") {
    groups_ = Source::kGroups;
  } else {
    groups_ = Source::kOther;
  }
  if (username_claim_ == "cognito:username") {
    username_ = Source::kCognitoUsername;
  } else if (username_claim_ == "username") {
    username_ = Source::kUsername;
  } else if (username_claim_ == "preferred_username") {
    username_ = Source::kPreferredUsername;
  } else {
    username_ = Source::kOther;
  }
}

absl::Status IdentityClaims::Select(IdentityClaimCandidates& candidates,
                                    TokenData& data) const {
  TokenClaims& claims = data.claims;
  auto take_groups = [&](std::vector<std::string>& from,
                         uint8_t bit) -> absl::Status {
    if (candidates.wrong_type & bit) {
      return WrongType(groups_claim_, "an array of strings");
    }
    claims.groups = std::move(from);
    return absl::OkStatus();
  };
  auto take_username = [&](std::string& from, uint8_t bit,
                           std::string_view name) -> absl::Status {
    if (candidates.wrong_type & bit) return WrongType(name, "a string");
    claims.username = std::move(from);
    return absl::OkStatus();
  };
  absl::Status status;
  switch (groups_) {
    case Source::kCognitoGroups:
      status = take_groups(candidates.cognito_groups,
                           IdentityClaimCandidates::kCognitoGroups);
      break;
    case Source::kGroups:
      status = take_groups(candidates.groups, IdentityClaimCandidates::kGroups);
      break;
    default: {
      const nlohmann::json& all = data.AllClaims();
      auto it = all.find(groups_claim_);
      claims.groups.clear();
      if (it == all.end()) break;
      if (it->is_string()) {
        claims.groups.push_back(it->get<std::string>());
        break;
      }
      if (!it->is_array()) {
        status = WrongType(groups_claim_, "an array of strings");
        break;
      }
      for (const nlohmann::json& item : *it) {
        if (!item.is_string()) {
          status = WrongType(groups_claim_, "an array of strings");
          break;
        }
        claims.groups.push_back(item.get<std::string>());
      }
      break;
    }
  }
  if (!status.ok()) return status;
  switch (username_) {
    case Source::kCognitoUsername:
      // Cognito: ID tokens carry "cognito:username", access tokens
      // "username".
      if (!candidates.cognito_username.empty() ||
          (candidates.wrong_type & IdentityClaimCandidates::kCognitoUsername)) {
        status = take_username(candidates.cognito_username,
                               IdentityClaimCandidates::kCognitoUsername,
                               "cognito:username");
      } else {
        status = take_username(candidates.username,
                               IdentityClaimCandidates::kUsername, "username");
      }
      break;
    case Source::kUsername:
      status = take_username(candidates.username,
                             IdentityClaimCandidates::kUsername, "username");
      break;
    case Source::kPreferredUsername:
      status = take_username(candidates.preferred_username,
                             IdentityClaimCandidates::kPreferredUsername,
                             "preferred_username");
      break;
    default: {
      const nlohmann::json& all = data.AllClaims();
      auto it = all.find(username_claim_);
      claims.username.clear();
      if (it == all.end()) break;
      if (!it->is_string()) {
        status = WrongType(username_claim_, "a string");
        break;
      }
      claims.username = it->get<std::string>();
      break;
    }
  }
  return status;
}

}  // namespace authgate::internal
