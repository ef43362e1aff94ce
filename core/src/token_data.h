// TokenData: what a verified token holds, shared immutably by VerifiedToken
// copies and the verified-token cache.
#ifndef AUTHGATE_SRC_TOKEN_DATA_H_
#define AUTHGATE_SRC_TOKEN_DATA_H_

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"

namespace authgate::internal {

struct TokenClaims {
  std::string issuer;
  std::string subject;
  std::vector<std::string> audience;
  std::string client_id;
  std::string token_use;
  std::string username;
  std::vector<std::string> scopes;
  std::vector<std::string> groups;
  std::string nonce;
  std::string authorized_party;
  std::string token_id;
  std::string at_hash;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> issued_at;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> auth_time;
};

struct TokenData {
  TokenClaims claims;
  Algorithm algorithm = Algorithm::kRs256;
  std::string key_id;
  std::string key_thumbprint;
  std::string provider_name;
  std::string payload_json;

  // Full claim set, parsed on first use (most callers never need it).
  const nlohmann::json& AllClaims() const {
    std::call_once(all_claims_once_, [this] {
      all_claims_ = nlohmann::json::parse(payload_json, nullptr,
                                          /*allow_exceptions=*/false);
      if (!all_claims_.is_object()) all_claims_ = nlohmann::json::object();
    });
    return all_claims_;
  }

 private:
  mutable std::once_flag all_claims_once_;
  mutable nlohmann::json all_claims_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_TOKEN_DATA_H_
