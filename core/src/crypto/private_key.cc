// OpenSSL 3 deprecates RSA, EC_KEY and ECDSA_do_sign, which are the API
// BoringSSL offers; this file uses the subset both share, so the deprecation
// warnings (fatal under -Werror) are silenced before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/private_key.h"

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "crypto/openssl_util.h"

namespace authgate::internal {
namespace {

absl::Status Failure(absl::StatusCode code, absl::string_view message) {
  ERR_clear_error();
  ErrorReason reason = code == absl::StatusCode::kInternal
                           ? ErrorReason::kInternal
                           : ErrorReason::kInvalidArgument;
  return MakeError(code, reason, message);
}

absl::Status InvalidArgument(absl::string_view message) {
  return Failure(absl::StatusCode::kInvalidArgument, message);
}

absl::Status Internal(absl::string_view message) {
  return Failure(absl::StatusCode::kInternal, message);
}

struct CurveSpec {
  Curve curve;
  int nid;
  size_t field_bytes;
  const char* jwk_name;
};

constexpr CurveSpec kCurves[] = {
    {Curve::kP256, NID_X9_62_prime256v1, 32, "P-256"},
    {Curve::kP384, NID_secp384r1, 48, "P-384"},
    {Curve::kP521, NID_secp521r1, 66, "P-521"},
};

const CurveSpec* FindCurve(Curve curve) {
  for (const CurveSpec& spec : kCurves) {
    if (spec.curve == curve) return &spec;
  }
  return nullptr;
}

const CurveSpec* FindCurveByNid(int nid) {
  for (const CurveSpec& spec : kCurves) {
    if (spec.nid == nid) return &spec;
  }
  return nullptr;
}

// Big-endian bytes of `bn`, left-padded with zeros to `width` (0: minimal).
std::string BignumBytes(const BIGNUM* bn, size_t width) {
  size_t size = static_cast<size_t>(BN_num_bytes(bn));
  if (width < size) width = size;
  std::string out(width, '\0');
  BN_bn2bin(bn, reinterpret_cast<uint8_t*>(out.data()) + (width - size));
  return out;
}

}  // namespace

struct PrivateKey::State {
  // RSA, EC and Ed25519 keys.
  std::unique_ptr<EVP_PKEY, EvpPkeyDeleter> pkey;
  const CurveSpec* curve_spec = nullptr;
  // HMAC shared secret.
  std::string secret;
};

PrivateKey::PrivateKey(KeyType type, Curve curve, std::unique_ptr<State> state)
    : type_(type), curve_(curve), state_(std::move(state)) {}

PrivateKey::~PrivateKey() = default;

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::GenerateRsa(int bits) {
  // Small keys are allowed so tests can check that verifiers reject them.
  if (bits < 1024 || bits > 16384) {
    return InvalidArgument("rsa key size must be 1024 to 16384 bits");
  }
  std::unique_ptr<RSA, RsaDeleter> rsa(RSA_new());
  std::unique_ptr<BIGNUM, BignumDeleter> e(BN_new());
  if (rsa == nullptr || e == nullptr || BN_set_word(e.get(), RSA_F4) != 1 ||
      RSA_generate_key_ex(rsa.get(), bits, e.get(), nullptr) != 1) {
    return Internal("rsa key generation failed");
  }
  auto state = std::make_unique<State>();
  state->pkey.reset(EVP_PKEY_new());
  if (state->pkey == nullptr ||
      EVP_PKEY_assign_RSA(state->pkey.get(), rsa.get()) != 1) {
    return Internal("rsa key generation failed");
  }
  rsa.release();
  return std::unique_ptr<PrivateKey>(
      new PrivateKey(KeyType::kRsa, Curve::kNone, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::FromPem(
    absl::string_view pem) {
  if (pem.size() > INT_MAX) return InvalidArgument("pem too large");
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Internal("out of memory");
  auto state = std::make_unique<State>();
  state->pkey.reset(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (state->pkey == nullptr) {
    return InvalidArgument("pem does not hold a private key");
  }
  switch (EVP_PKEY_id(state->pkey.get())) {
    case EVP_PKEY_RSA:
      ERR_clear_error();
      return std::unique_ptr<PrivateKey>(
          new PrivateKey(KeyType::kRsa, Curve::kNone, std::move(state)));
    case EVP_PKEY_EC: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(state->pkey.get());
      const CurveSpec* spec =
          ec == nullptr
              ? nullptr
              : FindCurveByNid(EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)));
      if (spec == nullptr) return InvalidArgument("unsupported ec curve");
      state->curve_spec = spec;
      ERR_clear_error();
      Curve curve = spec->curve;
      return std::unique_ptr<PrivateKey>(
          new PrivateKey(KeyType::kEc, curve, std::move(state)));
    }
    case EVP_PKEY_ED25519:
      ERR_clear_error();
      return std::unique_ptr<PrivateKey>(
          new PrivateKey(KeyType::kOkp, Curve::kEd25519, std::move(state)));
    default:
      return InvalidArgument("unsupported private key type");
  }
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::GenerateEc(
    Curve curve) {
  const CurveSpec* spec = FindCurve(curve);
  if (spec == nullptr) return InvalidArgument("unsupported ec curve");
  std::unique_ptr<EC_KEY, EcKeyDeleter> key(
      EC_KEY_new_by_curve_name(spec->nid));
  if (key == nullptr || EC_KEY_generate_key(key.get()) != 1) {
    return Internal("ec key generation failed");
  }
  auto state = std::make_unique<State>();
  state->pkey.reset(EVP_PKEY_new());
  if (state->pkey == nullptr ||
      EVP_PKEY_assign_EC_KEY(state->pkey.get(), key.get()) != 1) {
    return Internal("ec key generation failed");
  }
  key.release();
  state->curve_spec = spec;
  return std::unique_ptr<PrivateKey>(
      new PrivateKey(KeyType::kEc, curve, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::GenerateEd25519() {
  // RFC 8032 section 5.1.5: the private key is 32 random octets.
  absl::StatusOr<std::string> seed = RandomBytes(32);
  if (!seed.ok()) return seed.status();
  return FromEd25519Seed(*seed);
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::FromEd25519Seed(
    absl::string_view seed) {
  if (seed.size() != 32)
    return InvalidArgument("ed25519 seed must be 32 bytes");
  auto state = std::make_unique<State>();
  state->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                 Bytes(seed), seed.size()));
  if (state->pkey == nullptr) return Internal("cannot build ed25519 key");
  return std::unique_ptr<PrivateKey>(
      new PrivateKey(KeyType::kOkp, Curve::kEd25519, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::FromHmacSecret(
    absl::string_view secret) {
  // Any length is accepted so tests can mint tokens with short secrets.
  if (secret.size() > INT_MAX) return InvalidArgument("hmac secret too long");
  auto state = std::make_unique<State>();
  state->secret = std::string(secret);
  return std::unique_ptr<PrivateKey>(
      new PrivateKey(KeyType::kOct, Curve::kNone, std::move(state)));
}

absl::StatusOr<std::string> PrivateKey::Sign(
    Algorithm alg, absl::string_view signing_input) const {
  KeyType needed = KeyTypeForAlgorithm(alg);
  if (needed != type_) {
    return InvalidArgument("algorithm needs a different key type");
  }
  const EVP_MD* md = DigestFor(alg);
  switch (type_) {
    case KeyType::kRsa:
    case KeyType::kOkp: {
      std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx(EVP_MD_CTX_new());
      EVP_PKEY_CTX* pctx = nullptr;
      // RFC 8037 section 3.1: EdDSA takes the message itself, no digest.
      const EVP_MD* sign_md = type_ == KeyType::kOkp ? nullptr : md;
      if (ctx == nullptr ||
          EVP_DigestSignInit(ctx.get(), &pctx, sign_md, nullptr,
                             state_->pkey.get()) != 1) {
        return Internal("cannot initialise signing");
      }
      if (alg == Algorithm::kPs256 || alg == Algorithm::kPs384 ||
          alg == Algorithm::kPs512) {
        // RFC 7518 section 3.5: MGF1 with the same hash, salt as long as
        // the hash output.
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(
                pctx, static_cast<int>(EVP_MD_size(md))) != 1) {
          return Internal("cannot configure rsa-pss");
        }
      }
      size_t size = 0;
      if (EVP_DigestSign(ctx.get(), nullptr, &size, Bytes(signing_input),
                         signing_input.size()) != 1) {
        return Internal("signing failed");
      }
      std::string signature(size, '\0');
      if (EVP_DigestSign(ctx.get(),
                         reinterpret_cast<uint8_t*>(signature.data()), &size,
                         Bytes(signing_input), signing_input.size()) != 1) {
        return Internal("signing failed");
      }
      signature.resize(size);
      return signature;
    }
    case KeyType::kEc: {
      // Any ES* hash is allowed with any curve (tests build mismatches); the
      // JOSE form pads R and S to the key's field size (RFC 7518 section 3.4).
      std::string digest = HashForAlgorithm(alg, signing_input);
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(state_->pkey.get());
      if (ec == nullptr) return Internal("not an ec key");
      std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
          ECDSA_do_sign(Bytes(digest), digest.size(), const_cast<EC_KEY*>(ec)));
      if (sig == nullptr) return Internal("ecdsa signing failed");
      const BIGNUM* r = nullptr;
      const BIGNUM* s = nullptr;
      ECDSA_SIG_get0(sig.get(), &r, &s);
      size_t width = state_->curve_spec->field_bytes;
      return BignumBytes(r, width) + BignumBytes(s, width);
    }
    case KeyType::kOct: {
      uint8_t mac[EVP_MAX_MD_SIZE];
      unsigned int mac_size = 0;
      if (HMAC(md, state_->secret.data(),
               static_cast<int>(state_->secret.size()), Bytes(signing_input),
               signing_input.size(), mac, &mac_size) == nullptr) {
        return Internal("hmac failed");
      }
      return std::string(reinterpret_cast<const char*>(mac), mac_size);
    }
  }
  return Internal("unknown key type");
}

std::map<std::string, std::string> PrivateKey::PublicJwkMembers() const {
  std::map<std::string, std::string> members;
  members["kty"] = std::string(KeyTypeName(type_));
  switch (type_) {
    case KeyType::kRsa: {
      const RSA* rsa = EVP_PKEY_get0_RSA(state_->pkey.get());
      const BIGNUM* n = nullptr;
      const BIGNUM* e = nullptr;
      if (rsa != nullptr) RSA_get0_key(rsa, &n, &e, nullptr);
      if (n == nullptr || e == nullptr) break;
      // RFC 7518 section 6.3.1: minimal big-endian octets.
      members["n"] = Base64UrlEncode(BignumBytes(n, 0));
      members["e"] = Base64UrlEncode(BignumBytes(e, 0));
      break;
    }
    case KeyType::kEc: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(state_->pkey.get());
      std::unique_ptr<BIGNUM, BignumDeleter> x(BN_new());
      std::unique_ptr<BIGNUM, BignumDeleter> y(BN_new());
      if (ec == nullptr || x == nullptr || y == nullptr ||
          EC_POINT_get_affine_coordinates_GFp(EC_KEY_get0_group(ec),
                                              EC_KEY_get0_public_key(ec),
                                              x.get(), y.get(), nullptr) != 1) {
        ERR_clear_error();
        break;
      }
      // RFC 7518 sections 6.2.1.2-3: coordinates padded to the field size.
      size_t width = state_->curve_spec->field_bytes;
      members["crv"] = state_->curve_spec->jwk_name;
      members["x"] = Base64UrlEncode(BignumBytes(x.get(), width));
      members["y"] = Base64UrlEncode(BignumBytes(y.get(), width));
      break;
    }
    case KeyType::kOkp: {
      uint8_t raw[32];
      size_t size = sizeof(raw);
      if (EVP_PKEY_get_raw_public_key(state_->pkey.get(), raw, &size) != 1) {
        ERR_clear_error();
        break;
      }
      members["crv"] = "Ed25519";
      members["x"] = Base64UrlEncode(
          absl::string_view(reinterpret_cast<const char*>(raw), size));
      break;
    }
    case KeyType::kOct:
      members["k"] = Base64UrlEncode(state_->secret);
      break;
  }
  return members;
}

}  // namespace authgate::internal
