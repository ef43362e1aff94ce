#include "authgate/jwk.h"

#include <utility>

#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "crypto/public_key.h"

namespace authgate {

Jwk::Jwk(std::string key_id, KeyType key_type,
         std::optional<Algorithm> algorithm, std::string thumbprint,
         std::unique_ptr<internal::PublicKey> public_key)
    : key_id_(std::move(key_id)),
      key_type_(key_type),
      algorithm_(algorithm),
      thumbprint_(std::move(thumbprint)),
      public_key_(std::move(public_key)) {}

Jwk::~Jwk() = default;

absl::StatusOr<std::shared_ptr<const Jwk>> Jwk::FromSharedSecret(
    std::string key_id, absl::string_view secret) {
  absl::StatusOr<std::unique_ptr<internal::PublicKey>> key =
      internal::PublicKey::FromHmacSecret(secret);
  if (!key.ok()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid,
                     "shared secret must be at least 32 bytes");
  }
  std::string thumbprint =
      internal::Base64UrlEncode(internal::Sha256((*key)->ThumbprintInput()));
  return std::shared_ptr<const Jwk>(new Jwk(std::move(key_id), KeyType::kOct,
                                            std::nullopt, std::move(thumbprint),
                                            *std::move(key)));
}

bool Jwk::CanVerify(Algorithm alg) const {
  // RFC 8725 section 3.1: a key is used only with the algorithm it was made
  // for; the JWK's own "alg", when present, pins it.
  if (algorithm_.has_value() && *algorithm_ != alg) return false;
  return public_key_->Fits(alg);
}

}  // namespace authgate
