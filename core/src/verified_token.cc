#include "authgate/verified_token.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "authgate/token_verifier.h"
#include "base64url.h"
#include "compact_jws.h"
#include "json_util.h"
#include "token_data.h"

namespace authgate {
namespace internal {

std::string TokenData::PayloadJson() const {
  absl::StatusOr<CompactJws> jws = SplitCompactJws(token, token.size());
  if (!jws.ok()) return "";
  return Base64UrlDecode(jws->payload).value_or("");
}

namespace {

// A heap block of `bytes` as glibc's malloc hands it out: an 8-byte header,
// rounded up to 16 bytes, at least 32.
size_t BlockBytes(size_t bytes) {
  return std::max<size_t>(32, (bytes + 8 + 15) / 16 * 16);
}

// A string's own heap block, none while it fits in the object (SSO).
size_t StringHeap(const std::string& s) {
  return s.capacity() > std::string().capacity() ? BlockBytes(s.capacity() + 1)
                                                 : 0;
}

size_t VectorHeap(const std::vector<std::string>& v) {
  if (v.capacity() == 0) return 0;
  size_t bytes = BlockBytes(v.capacity() * sizeof(std::string));
  for (const std::string& s : v) bytes += StringHeap(s);
  return bytes;
}

}  // namespace

size_t TokenData::HeapBytes() const {
  // make_shared's control block sits beside the object, in one block.
  size_t bytes = BlockBytes(sizeof(TokenData) + 2 * sizeof(void*));
  for (const std::string* s :
       {&claims.issuer, &claims.subject, &claims.client_id, &claims.token_use,
        &claims.username, &claims.nonce, &claims.authorized_party,
        &claims.token_id, &claims.at_hash, &key_id, &key_thumbprint,
        &provider_name, &token}) {
    bytes += StringHeap(*s);
  }
  return bytes + VectorHeap(claims.audience) + VectorHeap(claims.scopes) +
         VectorHeap(claims.groups);
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
