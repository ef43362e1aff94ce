// OpenSSL 3 deprecates RSA, EC_KEY and ECDSA_do_verify, which are the API
// BoringSSL offers; this file uses the subset both share, so the deprecation
// warnings (fatal under -Werror) are silenced before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/public_key.h"

#include <array>
#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "authgate/status.h"
#include "base64url.h"
#include "crypto/openssl_util.h"

namespace authgate::internal {
namespace {

std::unique_ptr<BIGNUM, BignumDeleter> ToBignum(absl::string_view bytes) {
  return std::unique_ptr<BIGNUM, BignumDeleter>(
      BN_bin2bn(Bytes(bytes), bytes.size(), nullptr));
}

absl::string_view StripLeadingZeros(absl::string_view bytes) {
  size_t first = 0;
  while (first < bytes.size() && bytes[first] == '\0') ++first;
  return bytes.substr(first);
}

// Every failure path clears OpenSSL's thread-local error queue, so a rejected
// key or signature never leaves errors behind for the next, unrelated call.
absl::Status KeyError(absl::string_view message) {
  ERR_clear_error();
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kJwksInvalid, message);
}

absl::Status SignatureInvalid() {
  ERR_clear_error();
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSignatureInvalid, "signature invalid");
}

absl::Status InternalError(absl::string_view message) {
  ERR_clear_error();
  return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                   message);
}

size_t DigestSize(Algorithm alg) {
  return static_cast<size_t>(EVP_MD_size(DigestFor(alg)));
}

// One-shot SHA-2 into `out` (at least SHA512_DIGEST_LENGTH bytes). The
// low-level one-shots skip OpenSSL 3's per-call digest fetch.
size_t HashInto(Algorithm alg, absl::string_view data, uint8_t* out) {
  switch (DigestSize(alg)) {
    case SHA384_DIGEST_LENGTH:
      SHA384(Bytes(data), data.size(), out);
      return SHA384_DIGEST_LENGTH;
    case SHA512_DIGEST_LENGTH:
      SHA512(Bytes(data), data.size(), out);
      return SHA512_DIGEST_LENGTH;
    default:
      SHA256(Bytes(data), data.size(), out);
      return SHA256_DIGEST_LENGTH;
  }
}

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPs256 || alg == Algorithm::kPs384 ||
         alg == Algorithm::kPs512;
}

// Index of an RS*/PS* algorithm in PublicKey::State::rsa_pools.
size_t RsaPoolIndex(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRs256:
      return 0;
    case Algorithm::kRs384:
      return 1;
    case Algorithm::kRs512:
      return 2;
    case Algorithm::kPs256:
      return 3;
    case Algorithm::kPs384:
      return 4;
    case Algorithm::kPs512:
      return 5;
    default:
      return 0;
  }
}
constexpr size_t kRsaAlgorithmCount = 6;

struct CurveSpec {
  Curve curve;
  int nid;
  size_t field_bytes;
  int field_bits;
  Algorithm alg;
  absl::string_view jwk_name;
};

// RFC 7518 section 3.4: ES256/ES384/ES512 pair each curve with one hash.
constexpr std::array<CurveSpec, 3> kCurves = {{
    {Curve::kP256, NID_X9_62_prime256v1, 32, 256, Algorithm::kEs256, "P-256"},
    {Curve::kP384, NID_secp384r1, 48, 384, Algorithm::kEs384, "P-384"},
    {Curve::kP521, NID_secp521r1, 66, 521, Algorithm::kEs512, "P-521"},
}};

const CurveSpec* FindCurve(Curve curve) {
  for (const CurveSpec& spec : kCurves) {
    if (spec.curve == curve) return &spec;
  }
  return nullptr;
}

// A few initialised EVP_PKEY_CTX objects for one (RSA key, alg). OpenSSL 3
// fetches the signature implementation again on every verify init, about 3 us
// of a 20 us RS256 check on the reference machine; reusing an initialised
// context skips that. A context is only ever used by one thread: Take()
// empties its slot, Return() fills a free slot or frees the context, so the
// pool needs no lock.
class VerifyContextPool {
 public:
  VerifyContextPool() {
    for (auto& slot : slots_) slot.store(nullptr, std::memory_order_relaxed);
  }
  VerifyContextPool(const VerifyContextPool&) = delete;
  VerifyContextPool& operator=(const VerifyContextPool&) = delete;
  ~VerifyContextPool() {
    for (auto& slot : slots_) EVP_PKEY_CTX_free(slot.load());
  }

  // An idle context, or nullptr when every slot is empty.
  EVP_PKEY_CTX* Take() {
    for (auto& slot : slots_) {
      if (slot.load(std::memory_order_relaxed) == nullptr) continue;
      EVP_PKEY_CTX* ctx = slot.exchange(nullptr, std::memory_order_acquire);
      if (ctx != nullptr) return ctx;
    }
    return nullptr;
  }

  void Return(EVP_PKEY_CTX* ctx) {
    for (auto& slot : slots_) {
      EVP_PKEY_CTX* expected = nullptr;
      if (slot.compare_exchange_strong(expected, ctx, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
    EVP_PKEY_CTX_free(ctx);
  }

 private:
  // Enough for the verifying threads of a typical server; more concurrent
  // callers still work, they just initialise a fresh context.
  static constexpr size_t kSlots = 8;
  std::array<std::atomic<EVP_PKEY_CTX*>, kSlots> slots_;
};

// A verify context for `alg` on RSA key `pkey`, or nullptr.
EVP_PKEY_CTX* NewRsaVerifyContext(EVP_PKEY* pkey, Algorithm alg) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
  if (ctx == nullptr) return nullptr;
  const EVP_MD* md = DigestFor(alg);
  bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
  if (ok && IsPss(alg)) {
    // RFC 7518 section 3.5: MGF1 with the same hash, and a salt exactly as
    // long as the hash output (an explicit length also makes OpenSSL and
    // BoringSSL reject any other salt length instead of recovering it).
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(
             ctx, static_cast<int>(EVP_MD_size(md))) == 1;
  } else if (ok) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  }
  if (!ok) {
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace

struct PublicKey::State {
  // RSA and Ed25519 keys.
  std::unique_ptr<EVP_PKEY, EvpPkeyDeleter> pkey;
  // EC keys: ECDSA_do_verify takes the EC_KEY and the (r, s) pair directly,
  // which skips a DER round trip and an EVP fetch per call.
  std::unique_ptr<EC_KEY, EcKeyDeleter> ec_key;
  const CurveSpec* curve_spec = nullptr;
  // HMAC shared secret.
  std::string secret;
  // RSA signature length k (RFC 8017 section 8.2.2).
  size_t modulus_bytes = 0;
  std::string thumbprint_input;
  std::array<VerifyContextPool, kRsaAlgorithmCount> rsa_pools;
};

PublicKey::PublicKey(KeyType type, Curve curve, int bits,
                     std::unique_ptr<State> state)
    : type_(type), curve_(curve), bits_(bits), state_(std::move(state)) {}

PublicKey::~PublicKey() = default;

absl::StatusOr<std::unique_ptr<PublicKey>> PublicKey::FromRsa(
    absl::string_view modulus, absl::string_view exponent) {
  // RFC 7518 section 6.3.1: n and e are unsigned big-endian integers. Leading
  // zero octets some libraries emit change neither value nor thumbprint.
  absl::string_view n_bytes = StripLeadingZeros(modulus);
  absl::string_view e_bytes = StripLeadingZeros(exponent);
  // RFC 7518 section 3.3: keys of 2048 bits or more MUST be used; the upper
  // bound caps the cost an attacker-supplied JWKS can impose per verify.
  if (n_bytes.size() * 8 < kMinRsaModulusBits ||
      n_bytes.size() > kMaxRsaModulusBits / 8) {
    return KeyError("rsa modulus must be 2048 to 8192 bits");
  }
  // RFC 8017 section 3.1: 3 <= e < n and e is coprime to lambda(n), which is
  // even, so e is odd. Like most verifiers we also cap e at 32 bits.
  if (e_bytes.empty() || e_bytes.size() > 4) {
    return KeyError("rsa exponent must be 1 to 4 bytes");
  }
  uint32_t e_value = 0;
  for (char c : e_bytes) e_value = e_value << 8 | static_cast<uint8_t>(c);
  if (e_value < 3 || e_value % 2 == 0) {
    return KeyError("rsa exponent must be odd and at least 3");
  }
  auto n = ToBignum(n_bytes);
  auto e = ToBignum(e_bytes);
  if (n == nullptr || e == nullptr) return InternalError("out of memory");
  int bits = BN_num_bits(n.get());
  if (bits < kMinRsaModulusBits || bits > kMaxRsaModulusBits) {
    return KeyError("rsa modulus must be 2048 to 8192 bits");
  }
  // RFC 8017 section 3.1: n is a product of odd primes, so it is odd.
  if (!BN_is_odd(n.get())) return KeyError("rsa modulus is even");

  std::unique_ptr<RSA, RsaDeleter> rsa(RSA_new());
  if (rsa == nullptr ||
      RSA_set0_key(rsa.get(), n.get(), e.get(), nullptr) != 1) {
    return InternalError("cannot build rsa key");
  }
  n.release();
  e.release();
  auto state = std::make_unique<State>();
  state->pkey.reset(EVP_PKEY_new());
  if (state->pkey == nullptr ||
      EVP_PKEY_assign_RSA(state->pkey.get(), rsa.get()) != 1) {
    return InternalError("cannot build rsa key");
  }
  rsa.release();
  state->modulus_bytes = static_cast<size_t>(bits + 7) / 8;
  // Build one context now: it surfaces a key the library refuses at JWKS
  // load time and, on OpenSSL 3, pays the one-off key export up front.
  EVP_PKEY_CTX* warm =
      NewRsaVerifyContext(state->pkey.get(), Algorithm::kRs256);
  if (warm == nullptr) return KeyError("rsa key rejected by crypto library");
  state->rsa_pools[RsaPoolIndex(Algorithm::kRs256)].Return(warm);
  // RFC 7638 section 3.2: members in lexicographic order, no whitespace.
  state->thumbprint_input =
      absl::StrCat(R"({"e":")", Base64UrlEncode(e_bytes), R"(","kty":"RSA",)",
                   R"("n":")", Base64UrlEncode(n_bytes), R"("})");
  return std::unique_ptr<PublicKey>(
      new PublicKey(KeyType::kRsa, Curve::kNone, bits, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PublicKey>> PublicKey::FromEcPoint(
    Curve curve, absl::string_view x, absl::string_view y) {
  const CurveSpec* spec = FindCurve(curve);
  if (spec == nullptr) return KeyError("unsupported ec curve");
  // RFC 7518 sections 6.2.1.2 and 6.2.1.3: each coordinate is exactly the
  // field size in octets, leading zeros included.
  if (x.size() != spec->field_bytes || y.size() != spec->field_bytes) {
    return KeyError("ec coordinate has the wrong length for its curve");
  }
  std::unique_ptr<EC_KEY, EcKeyDeleter> key(
      EC_KEY_new_by_curve_name(spec->nid));
  auto bx = ToBignum(x);
  auto by = ToBignum(y);
  if (key == nullptr || bx == nullptr || by == nullptr) {
    return InternalError("cannot build ec key");
  }
  // RFC 8725 section 3.4 and SEC 1 section 3.2.2.1: an off-curve point
  // enables invalid-curve attacks. This call rejects points off the curve
  // and coordinates not below the field prime.
  if (EC_KEY_set_public_key_affine_coordinates(key.get(), bx.get(), by.get()) !=
      1) {
    return KeyError("ec point is not on the curve");
  }
  auto state = std::make_unique<State>();
  state->ec_key = std::move(key);
  state->curve_spec = spec;
  // RFC 7638 section 3.2: members in lexicographic order, no whitespace.
  state->thumbprint_input = absl::StrCat(
      R"({"crv":")", spec->jwk_name, R"(","kty":"EC","x":")",
      Base64UrlEncode(x), R"(","y":")", Base64UrlEncode(y), R"("})");
  return std::unique_ptr<PublicKey>(
      new PublicKey(KeyType::kEc, curve, spec->field_bits, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PublicKey>> PublicKey::FromEd25519(
    absl::string_view x) {
  // RFC 8037 section 2: the public key is 32 octets for Ed25519.
  constexpr size_t kEd25519KeyBytes = 32;
  if (x.size() != kEd25519KeyBytes) {
    return KeyError("ed25519 public key must be 32 bytes");
  }
  auto state = std::make_unique<State>();
  state->pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                Bytes(x), x.size()));
  if (state->pkey == nullptr) return KeyError("invalid ed25519 public key");
  state->thumbprint_input = absl::StrCat(
      R"({"crv":"Ed25519","kty":"OKP","x":")", Base64UrlEncode(x), R"("})");
  return std::unique_ptr<PublicKey>(
      new PublicKey(KeyType::kOkp, Curve::kEd25519, 256, std::move(state)));
}

absl::StatusOr<std::unique_ptr<PublicKey>> PublicKey::FromHmacSecret(
    absl::string_view secret) {
  // RFC 7518 section 3.2: the key must be at least as long as the hash
  // output; kMinHmacSecretBytes is the HS256 floor, Fits() checks the rest.
  if (secret.size() < kMinHmacSecretBytes) {
    return KeyError("hmac secret must be at least 32 bytes");
  }
  // bits() and OpenSSL's HMAC() key length are ints.
  if (secret.size() > static_cast<size_t>(INT_MAX / 8)) {
    return KeyError("hmac secret too long");
  }
  auto state = std::make_unique<State>();
  state->secret = std::string(secret);
  state->thumbprint_input =
      absl::StrCat(R"({"k":")", Base64UrlEncode(secret), R"(","kty":"oct"})");
  int bits = static_cast<int>(secret.size() * 8);
  return std::unique_ptr<PublicKey>(
      new PublicKey(KeyType::kOct, Curve::kNone, bits, std::move(state)));
}

bool PublicKey::Fits(Algorithm alg) const {
  switch (type_) {
    case KeyType::kRsa:
      return KeyTypeForAlgorithm(alg) == KeyType::kRsa;
    case KeyType::kEc:
      return state_->curve_spec != nullptr && state_->curve_spec->alg == alg;
    case KeyType::kOkp:
      return curve_ == Curve::kEd25519 && alg == Algorithm::kEdDsa;
    case KeyType::kOct:
      // RFC 7518 section 3.2: a key of the same size as the hash output or
      // larger MUST be used.
      return KeyTypeForAlgorithm(alg) == KeyType::kOct &&
             state_->secret.size() >= DigestSize(alg);
  }
  return false;
}

absl::Status PublicKey::Verify(Algorithm alg, absl::string_view signing_input,
                               absl::string_view signature) const {
  // RFC 8725 section 3.1: the key, not the token header, decides which
  // algorithm may be used with it.
  if (!Fits(alg)) {
    return MakeError(
        absl::StatusCode::kUnauthenticated, ErrorReason::kAlgNotAllowed,
        absl::StrCat("alg ", AlgorithmName(alg), " cannot be used ",
                     "with this ", KeyTypeName(type_), " key"));
  }
  uint8_t digest[EVP_MAX_MD_SIZE];
  switch (type_) {
    case KeyType::kRsa: {
      // RFC 8017 sections 8.1.2 and 8.2.2, step 1: the signature is exactly
      // as long as the modulus.
      if (signature.size() != state_->modulus_bytes) return SignatureInvalid();
      size_t digest_size = HashInto(alg, signing_input, digest);
      VerifyContextPool& pool = state_->rsa_pools[RsaPoolIndex(alg)];
      EVP_PKEY_CTX* ctx = pool.Take();
      if (ctx == nullptr) ctx = NewRsaVerifyContext(state_->pkey.get(), alg);
      if (ctx == nullptr) return InternalError("cannot create rsa context");
      if (EVP_PKEY_verify(ctx, Bytes(signature), signature.size(), digest,
                          digest_size) == 1) {
        pool.Return(ctx);
        return absl::OkStatus();
      }
      // Failures are rare on the hot path; drop the context rather than
      // reason about what state a failed call may leave in it.
      EVP_PKEY_CTX_free(ctx);
      return SignatureInvalid();
    }
    case KeyType::kEc: {
      const size_t field_bytes = state_->curve_spec->field_bytes;
      // RFC 7518 section 3.4: the JWS signature is R || S, each exactly the
      // field size; an ASN.1 DER ECDSA-Sig-Value is not a JWS signature.
      if (signature.size() != 2 * field_bytes) return SignatureInvalid();
      size_t digest_size = HashInto(alg, signing_input, digest);
      std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
      auto r = ToBignum(signature.substr(0, field_bytes));
      auto s = ToBignum(signature.substr(field_bytes));
      if (sig == nullptr || r == nullptr || s == nullptr ||
          ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return InternalError("cannot build ecdsa signature");
      }
      r.release();
      s.release();
      // Returns 1 only for a valid signature; it also rejects r or s outside
      // [1, n-1] (SEC 1 section 4.1.4 step 1).
      if (ECDSA_do_verify(digest, digest_size, sig.get(),
                          state_->ec_key.get()) != 1) {
        return SignatureInvalid();
      }
      return absl::OkStatus();
    }
    case KeyType::kOkp: {
      // RFC 8032 section 5.1.7: an Ed25519 signature is 64 octets.
      constexpr size_t kEd25519SignatureBytes = 64;
      if (signature.size() != kEd25519SignatureBytes) {
        return SignatureInvalid();
      }
      std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx(EVP_MD_CTX_new());
      if (ctx == nullptr) return InternalError("cannot create ed25519 context");
      // RFC 8037 section 3.1: EdDSA signs the JWS signing input itself, with
      // no pre-hash, so the one-shot EVP_DigestVerify is required.
      if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                               state_->pkey.get()) != 1 ||
          EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                           Bytes(signing_input), signing_input.size()) != 1) {
        return SignatureInvalid();
      }
      return absl::OkStatus();
    }
    case KeyType::kOct: {
      unsigned int mac_size = 0;
      if (HMAC(DigestFor(alg), state_->secret.data(),
               static_cast<int>(state_->secret.size()), Bytes(signing_input),
               signing_input.size(), digest, &mac_size) == nullptr) {
        return InternalError("hmac failed");
      }
      // RFC 7518 section 3.2: compare the whole MAC, in constant time.
      if (signature.size() != mac_size ||
          CRYPTO_memcmp(digest, signature.data(), mac_size) != 0) {
        return SignatureInvalid();
      }
      return absl::OkStatus();
    }
  }
  return SignatureInvalid();
}

std::string PublicKey::ThumbprintInput() const {
  return state_->thumbprint_input;
}

}  // namespace authgate::internal
