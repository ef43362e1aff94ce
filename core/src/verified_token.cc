#include "authgate/verified_token.h"

#include <utility>

#include "absl/strings/str_split.h"

#include "authgate/token_verifier.h"
#include "base64url.h"
#include "json_util.h"
#include "token_data.h"

namespace authgate {
namespace internal {

std::string TokenData::PayloadJson() const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return "";
  return Base64UrlDecode(parts[1]).value_or("");
}

const nlohmann::json& TokenData::AllClaims() const {
  std::call_once(all_claims_once_, [this] {
    std::string payload_json = PayloadJson();
    // Verification already refused deeper payloads; this keeps any other
    // TokenData from handing nlohmann_json (recursive dump) a deep tree.
    if (!json_util::NestsDeeperThan(payload_json, kMaxJsonDepth)) {
      all_claims_ = nlohmann::json::parse(payload_json, nullptr,
                                          /*allow_exceptions=*/false);
    }
    if (!all_claims_.is_object()) all_claims_ = nlohmann::json::object();
  });
  return all_claims_;
}

}  // namespace internal

VerifiedToken::VerifiedToken(std::shared_ptr<const internal::TokenData> data)
    : data_(std::move(data)) {}

const std::string& VerifiedToken::issuer() const {
  return data_->claims.issuer;
}
const std::string& VerifiedToken::subject() const {
  return data_->claims.subject;
}
const std::vector<std::string>& VerifiedToken::audience() const {
  return data_->claims.audience;
}
const std::string& VerifiedToken::client_id() const {
  return data_->claims.client_id;
}
const std::string& VerifiedToken::token_use() const {
  return data_->claims.token_use;
}
const std::string& VerifiedToken::username() const {
  return data_->claims.username;
}
const std::vector<std::string>& VerifiedToken::scopes() const {
  return data_->claims.scopes;
}
const std::vector<std::string>& VerifiedToken::groups() const {
  return data_->claims.groups;
}
const std::string& VerifiedToken::nonce() const { return data_->claims.nonce; }
const std::string& VerifiedToken::authorized_party() const {
  return data_->claims.authorized_party;
}
const std::string& VerifiedToken::token_id() const {
  return data_->claims.token_id;
}
absl::Time VerifiedToken::expires_at() const {
  return data_->claims.expires_at.value_or(absl::InfiniteFuture());
}
std::optional<absl::Time> VerifiedToken::issued_at() const {
  return data_->claims.issued_at;
}
std::optional<absl::Time> VerifiedToken::not_before() const {
  return data_->claims.not_before;
}
std::optional<absl::Time> VerifiedToken::auth_time() const {
  return data_->claims.auth_time;
}
Algorithm VerifiedToken::algorithm() const { return data_->algorithm; }
const std::string& VerifiedToken::key_id() const { return data_->key_id; }
const std::string& VerifiedToken::provider_name() const {
  return data_->provider_name;
}
const nlohmann::json& VerifiedToken::claims() const {
  return data_->AllClaims();
}
std::string VerifiedToken::payload_json() const { return data_->PayloadJson(); }

}  // namespace authgate
