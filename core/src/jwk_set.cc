#include "authgate/jwk_set.h"

#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

#include "authgate/config_object.h"
#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "crypto/public_key.h"
#include "json_util.h"

namespace authgate {
namespace {

using internal::Curve;
using internal::PublicKey;
using nlohmann::json;

absl::Status SetError(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kJwksInvalid, absl::StrCat("JWKS ", message));
}

// A key-level problem: the key is skipped with this reason.
struct Skip {
  std::string reason;
};

absl::StatusOr<std::string> DecodeMember(const json& jwk,
                                         absl::string_view name) {
  absl::StatusOr<std::string> text = internal::json_util::GetString(jwk, name);
  if (!text.ok()) return text.status();
  std::optional<std::string> bytes = internal::Base64UrlDecode(*text);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not base64url"));
  }
  return *std::move(bytes);
}

absl::StatusOr<std::unique_ptr<PublicKey>> ParseRsa(const json& jwk) {
  absl::StatusOr<std::string> n = DecodeMember(jwk, "n");
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = DecodeMember(jwk, "e");
  if (!e.ok()) return e.status();
  return PublicKey::FromRsa(*n, *e);
}

absl::StatusOr<std::unique_ptr<PublicKey>> ParseEc(const json& jwk) {
  absl::StatusOr<std::string> crv = internal::json_util::GetString(jwk, "crv");
  if (!crv.ok()) return crv.status();
  Curve curve;
  if (*crv == "P-256") {
    curve = Curve::kP256;
  } else if (*crv == "P-384") {
    curve = Curve::kP384;
  } else if (*crv == "P-521") {
    curve = Curve::kP521;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported EC curve ", internal::json_util::Printable(*crv, 16)));
  }
  absl::StatusOr<std::string> x = DecodeMember(jwk, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = DecodeMember(jwk, "y");
  if (!y.ok()) return y.status();
  return PublicKey::FromEcPoint(curve, *x, *y);
}

absl::StatusOr<std::unique_ptr<PublicKey>> ParseOkp(const json& jwk) {
  absl::StatusOr<std::string> crv = internal::json_util::GetString(jwk, "crv");
  if (!crv.ok()) return crv.status();
  // RFC 8037: only Ed25519 signs among the curves we support.
  if (*crv != "Ed25519") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported OKP curve ", internal::json_util::Printable(*crv, 16)));
  }
  absl::StatusOr<std::string> x = DecodeMember(jwk, "x");
  if (!x.ok()) return x.status();
  return PublicKey::FromEd25519(*x);
}

// Checks "use" and "key_ops" (RFC 7517 sections 4.2, 4.3).
absl::Status CheckIntendedUse(const json& jwk) {
  if (jwk.contains("use")) {
    absl::StatusOr<std::string> use =
        internal::json_util::GetString(jwk, "use");
    if (!use.ok()) return use.status();
    if (*use != "sig") return absl::InvalidArgumentError("\"use\" is not sig");
  }
  if (jwk.contains("key_ops")) {
    absl::StatusOr<std::vector<std::string>> ops =
        internal::json_util::GetStringArray(jwk, "key_ops");
    if (!ops.ok()) return ops.status();
    bool verify = false;
    for (const std::string& op : *ops) verify = verify || op == "verify";
    if (!verify) {
      return absl::InvalidArgumentError("\"key_ops\" does not allow verify");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const JwkSet>> JwkSet::Parse(
    absl::string_view text) {
  if (text.size() > kMaxJwksBytes) {
    return SetError(absl::StrCat("is larger than ", kMaxJwksBytes, " bytes"));
  }
  absl::StatusOr<json> doc = internal::json_util::ParseObject(text);
  if (!doc.ok()) return SetError("is not a JSON object");
  auto keys_it = doc->find("keys");
  if (keys_it == doc->end() || !keys_it->is_array()) {
    return SetError("has no \"keys\" array");
  }
  if (keys_it->size() > kMaxKeysPerSet) {
    return SetError(absl::StrCat("has more than ", kMaxKeysPerSet, " keys"));
  }

  std::shared_ptr<JwkSet> set(new JwkSet());
  for (const json& jwk : *keys_it) {
    std::string kid;
    auto skip = [&](absl::string_view reason) {
      set->skipped_.push_back(
          {internal::json_util::Printable(kid), std::string(reason)});
    };
    if (!jwk.is_object()) {
      skip("key is not a JSON object");
      continue;
    }
    if (jwk.contains("kid")) {
      absl::StatusOr<std::string> k =
          internal::json_util::GetString(jwk, "kid");
      if (!k.ok()) {
        skip("\"kid\" is not a string");
        continue;
      }
      kid = *std::move(k);
    }
    absl::StatusOr<std::string> kty =
        internal::json_util::GetString(jwk, "kty");
    if (!kty.ok()) {
      skip("\"kty\" is missing or not a string");
      continue;
    }
    if (absl::Status use = CheckIntendedUse(jwk); !use.ok()) {
      skip(use.message());
      continue;
    }
    std::optional<Algorithm> alg;
    if (jwk.contains("alg")) {
      absl::StatusOr<std::string> name =
          internal::json_util::GetString(jwk, "alg");
      if (!name.ok() || !(alg = AlgorithmFromName(*name)).has_value()) {
        skip("\"alg\" is not a supported signature algorithm");
        continue;
      }
    }
    absl::StatusOr<std::unique_ptr<PublicKey>> key;
    KeyType type;
    if (*kty == "RSA") {
      type = KeyType::kRsa;
      key = ParseRsa(jwk);
    } else if (*kty == "EC") {
      type = KeyType::kEc;
      key = ParseEc(jwk);
    } else if (*kty == "OKP") {
      type = KeyType::kOkp;
      key = ParseOkp(jwk);
    } else if (*kty == "oct") {
      // RFC 8725 section 3.2: a shared secret never comes from a key set.
      skip("symmetric keys are not accepted from a JWKS");
      continue;
    } else {
      skip(absl::StrCat("unsupported kty ",
                        internal::json_util::Printable(*kty, 16)));
      continue;
    }
    if (!key.ok()) {
      skip(key.status().message());
      continue;
    }
    if (alg.has_value() && !(*key)->Fits(*alg)) {
      skip(absl::StrCat("\"alg\" ", AlgorithmName(*alg),
                        " does not fit the key"));
      continue;
    }
    std::string thumbprint =
        internal::Base64UrlEncode(internal::Sha256((*key)->ThumbprintInput()));
    set->keys_.push_back(std::shared_ptr<const Jwk>(
        new Jwk(kid, type, alg, std::move(thumbprint), *std::move(key))));
  }
  return std::shared_ptr<const JwkSet>(std::move(set));
}

absl::StatusOr<std::shared_ptr<const JwkSet>> JwkSet::ParseFile(
    const std::string& path) {
  // The core's bounded reader: a FIFO, a device or a directory fails with
  // config_invalid instead of blocking or allocating.
  absl::StatusOr<std::string> text =
      ReadConfigFile("jwks_file", path, kMaxJwksBytes);
  if (!text.ok()) return text.status();
  return Parse(*text);
}

std::shared_ptr<const JwkSet> JwkSet::FromKeys(
    std::vector<std::shared_ptr<const Jwk>> keys) {
  std::shared_ptr<JwkSet> set(new JwkSet());
  set->keys_ = std::move(keys);
  return set;
}

const Jwk* JwkSet::Find(absl::string_view key_id, Algorithm alg) const {
  if (key_id.empty()) {
    // OIDC Core 10.1: without a kid only a set's sole key may be used (and
    // the key, not the token, must still decide the algorithm).
    if (keys_.size() != 1 || !keys_[0]->CanVerify(alg)) return nullptr;
    return keys_[0].get();
  }
  for (const auto& key : keys_) {
    if (key->key_id() == key_id && key->CanVerify(alg)) return key.get();
  }
  return nullptr;
}

bool JwkSet::HasKeyId(absl::string_view key_id) const {
  for (const auto& key : keys_) {
    if (key->key_id() == key_id) return true;
  }
  return false;
}

bool JwkSet::Contains(absl::string_view key_id,
                      absl::string_view thumbprint) const {
  for (const auto& key : keys_) {
    if (key->key_id() == key_id && key->thumbprint() == thumbprint) {
      return true;
    }
  }
  return false;
}

}  // namespace authgate
