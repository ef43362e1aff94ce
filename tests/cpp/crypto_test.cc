// Tests for the crypto module (PublicKey, PrivateKey, digests) and the
// TokenMinter built on it. The same file is compiled against OpenSSL 3
// (crypto_test) and Debian's BoringSSL (crypto_boringssl_test).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"
#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"
#include "crypto/private_key.h"
#include "crypto/public_key.h"
#include "testing/status_matchers.h"
#include "testing/token_minter.h"

namespace authgate {

// Readable parameter names in gtest output ("ES256" instead of raw bytes).
static void PrintTo(Algorithm alg, std::ostream* os) {
  *os << AlgorithmName(alg);
}

namespace internal {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::authgate::testing::TokenMinter;
using ::testing::SizeIs;

// ---------------------------------------------------------------------------
// Published test vectors. RFC 7515 appendix A (JWS examples) and RFC 8037
// appendix A (Ed25519), as printed there, joined onto single lines.

// RFC 7515 A.1: HS256. The JWK "k" and the complete JWS.
constexpr absl::string_view kA1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUu"
    "TwjAzZr1Z9CAow";
constexpr absl::string_view kA1SigningInput =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr absl::string_view kA1Signature =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// The payload shared by A.2 and A.3.
#define AUTHGATE_RFC7515_PAYLOAD                                     \
  "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
  "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

// RFC 7515 A.2: RS256 with the RSA key given there as a JWK.
constexpr absl::string_view kA2Modulus =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr absl::string_view kA2Exponent = "AQAB";
constexpr absl::string_view kA2SigningInput =
    "eyJhbGciOiJSUzI1NiJ9." AUTHGATE_RFC7515_PAYLOAD;
constexpr absl::string_view kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";
// The A.2 private JWK (n, e, d, p, q, dp, dq, qi) as a PKCS#1 PEM, built with
// `openssl asn1parse -genconf`; it reproduces kA2Signature exactly.
constexpr absl::string_view kA2PrivateKeyPem =
    R"(-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd/wWJcyQoTbji9k0
l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL+yRT+SFd2lZS+pC
gNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb/7OMg0LOL+bSf63kpaSHSX
ndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uD
Zlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxXFvUK+DWNmoudF8NAco9/h9iaGNj8
q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQIDAQABAoIBABKucaRpzQorw35S
bEUAVx8dYXUdZOlJcHtiWQ+dC6V8ljxAHj/PLyzTveyI5QO/xkObCyjIL303l2cf
UhPu2MFaJdjVzqACXuOrLot/eSFvxjvqVidTtAZExqFRJ9mylUVAoLvhowVWmC1O
n95fZCXxTUtxNEG1Xcc7m0rtzJKs45J+N/V9DP1edYH6USyPSWGp6wuA+KgHRnKK
Vf9GRx80JQY7nVNkL17eHoTWEwga+lwi0FEoW9Y7lDtWXYmKBWhUE+U8PGxlJf8f
40493HDw1WRQ/aSLoS4QTp3rn7gYgeHEvfJdkkf0UMhlknlo53M09EFPdadQ4TlU
bjqKc50CgYEA4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH/5IB3jw3bcxGn6QLvnE
tfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw/Py5PJdTJNPY8cQn7ouZ2KKDcmnPG
BY5t7yLc1QlQ5xHdwW1VhvKn+nXqhJTBgIPgtldC+KDV5z+y2XDwGUcCgYEAuQPE
fgmVtjL0Uyyx88GZFF1fOunH3+7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYs
p1ZSe7zFYHj7C6ul7TjeLQeZD/YwD66t62wDmpe/HlB+TnBA+njbglfIsRLtXlnD
zQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdcCgYAHAp9XcCSrn8wVkMVkKdb7
DOX4IKjzdahm+ctDAJN4O/y7OW5FKebvUjdAIt2GuoTZ71iTG+7F0F+lP88jtjP4
U4qe7VHoewl4MKOfXZKTe+YCS1XbNvfgwJ3Ltyl1OH9hWvu2yza7q+d5PCsDzqtm
27kxuvULVeya+TEdAB1ijQKBgQCH/3r6YrVH/uCWGy6bzV1nGNOdjKc9tmkfOJmN
54dxdixdpozCQ6U4OxZrsj3FcOhHBsqAHvX2uuYjagqvo3cOj1TRqNocX40omfCC
Mx3bD1yPPf/6TI2XECva/ggqEY2mYzmIiA5LVVmc5nrybr+lssFKneeyxN2Wq93S
0iJMdQKBgCGHewxzoa1r8ZMD0LETNrToK423K377UCYqXfg5XMclbrjPbEC3YI1Z
NqMtuhdBJqUnBi6tjKMF+34Xf0CUN8ncuXGO2CAYvO8PdyCixHX52ybaDjy1FtCE
6yUXjoKNXKvUm7MWGsAYH6f4IegOetN5NvmUMFStCSkh7ixZLkN1
-----END RSA PRIVATE KEY-----
)";

// RFC 7515 A.3: ES256.
constexpr absl::string_view kA3X =
    "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr absl::string_view kA3Y =
    "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr absl::string_view kA3SigningInput =
    "eyJhbGciOiJFUzI1NiJ9." AUTHGATE_RFC7515_PAYLOAD;
constexpr absl::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";
// The A.3 private JWK (d, x, y) as a SEC 1 PEM, built the same way.
constexpr absl::string_view kA3PrivateKeyPem = R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSyoAoGCCqGSM49
AwEHoUQDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72b
focs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END EC PRIVATE KEY-----
)";

// RFC 7515 A.4: ES512 over the payload "Payload".
constexpr absl::string_view kA4X =
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_"
    "NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk";
constexpr absl::string_view kA4Y =
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl"
    "y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2";
constexpr absl::string_view kA4SigningInput = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA";
constexpr absl::string_view kA4Signature =
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// RFC 8037 A.1 (key), A.3 (thumbprint), A.4 (signing) and A.5 (validation).
constexpr absl::string_view kEd25519Seed =
    "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr absl::string_view kEd25519X =
    "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr absl::string_view kEd25519Thumbprint =
    "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr absl::string_view kEd25519SigningInput =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr absl::string_view kEd25519Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
    "hVsPt9g7sVvpAr_MuM0KAg";

// RFC 7638 section 3.1: the example RSA key and its SHA-256 thumbprint.
constexpr absl::string_view kRfc7638Modulus =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbf"
    "AAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj"
    "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
    "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
    "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lF"
    "d2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
    "nqDKgw";
constexpr absl::string_view kRfc7638Thumbprint =
    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// RSASSA-PSS signatures over kPssSigningInput by the A.2 key, made with
// `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt
// rsa_pss_saltlen:N [-sigopt rsa_mgf1_md:sha1]`. Only the first follows
// RFC 7518 section 3.5 (salt = hash length, MGF1 with the same hash).
constexpr absl::string_view kPssSigningInput =
    "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJqb2UifQ";
constexpr absl::string_view kPssSalt32 =
    "heR4J4-_nHIN5bCCAiVaB-hN6njpu6ShsHEnwF2MGhVZuRkXs9Mg7Uoh0MTt1hOv9Q8XQrJ5_D"
    "TapDghItty1_FazEx_udJn8ZkzNwEItcP7zUFI9rLNstLXUupubFFRO7zWPEI8xPyOsbEyBK_o"
    "fmSnvxbPoiBEjBe4VSFt2GeIb89JlswzfVX26ffxYAtfTt4QG4xkEaOBLm_0xaI0vwEy-LEhjh"
    "u7siQ0MbcQIVAy1bqaPBfcOGBlKZ1bXWxArr8cORljqLmB_2lV5BJCALIP5VP-O5DH8K4xxdEG"
    "0oameHkB0wlWetAecmlWa9St3tX56PSslXAeYh5iNIJpWQ";
constexpr absl::string_view kPssSalt20 =
    "YlBnAbrCAAT5sCULTX0IQ5LufSSCv05QWtUHwYpDCmJJ9lIT5j4Nm_EqPx7W7ohvzhz044nEJA"
    "Oh1Vmz8DmP0klF2DTyknh5M7te0PGxGrqRF0laLIPXcMSxyXkVU5OjK-55gKxsKjsk4xt_q0KU"
    "AdeNQ6GWhHPBgwNk1-yjXyKZk-cFyu0FMc57fgKbgrzOaoSQN7q5Ayho30-ateeaOouN1MH-3v"
    "gVmfXPhGcZwHDx8qapgb_WZrGFMwwRqbTN8rIymobkZJNq-qwucbBiGGsGjEzzMld5mfFyadqC"
    "5XJVgOBGM8Dbr8YnxjtmZeEHo8hSaco5d7OtJO1nFj13pA";
constexpr absl::string_view kPssSalt0 =
    "nkiV_OxhNq38otV9gpuXZJmlIxjYSHAAcQLHLN6uq-uPBuxQUfmFl3jAfle8Dn_7YMTm4_06nj"
    "lXKid--3Vu4sFMyYwYqMkv8QL1QxvK415IkTkoWxkAcxUvlkRi5I_Nn0b8rDWvskQXHLSFd8WU"
    "HQoRcRTuyK9bEZHUcqYFlX24_H1BvZmYpJaED1CSZFJ4rpYHRueDmUKj8H28OniGMjBLORDZwW"
    "S4Fat64fSNCvzTqg409yRgDdRrJN2cfSVrwSZh566YJkmJnMI8ulGUn26LqprIlBeudvTa9qqu"
    "G6RQ_fBI25lgwqHC7Lnh1P4RrrSsZUYDJ_nDIFVOra09DQ";
constexpr absl::string_view kPssSaltMax =
    "LFryQC340Kp66u7r-sQW1VI9jfMBbIYOdXlh-lJhgGh7dD7bt0Px0DGNEAbTHGSZFldndYj_J4"
    "hqU5NyyjPj0KLXLYBpUmtLOSlIF7coqE3O5jg3qdefJ7ZSCTnCQpnyVDEwoB1uj3BwY3I2uL16"
    "VKR1R6HLJ-18k_S6OIwaKa-Hc4xEcmTm0z782wgrv02KvYJ89Y52GO0AinyD5o6wxHtGcJjQw4"
    "KYjej0oMVBmuR1Ox2b9EI06fnvMZ66vx7VurSJU82Os2lslz-rt_kmw1R13rSw6qUAdiS653gn"
    "SJqT8MViT_u0_sIVlYiFQP7F6--guiLeyDVxfEPiSFYzDw";
constexpr absl::string_view kPssMgf1Sha1 =
    "iSAPK7IhRhnQTSKaddqhRh1Od7E2MMFl55sMgvo-q6XAg_fGYrlqRIg13xrYPLqZom4yuuANZs"
    "RoNJn9S2WnlBv0BTnIQzd_1-mpEIHFcfiJQoZ7Vq2wg4h23YfL4IEHXayafQkguC9R7atxMkIr"
    "YKZUH3N-LvMD3p79gB9CEX3vejpquwQ7D-68rmwE0dN8FyA1p5wl0shsIHDC--WCHuuo0-a4MJ"
    "R9i9j35HZ-GIOL-7XkU03GGrOCJD2wf9w00TKZ45xymto6tZUgzk1dtTc7sjTVyk6lBGHLlFfs"
    "Ny7o9h0HEx3qIHe4cntruD2VkFyMzz15r6MduNIoAdtSXA";

// ---------------------------------------------------------------------------
// Helpers.

std::string B64(absl::string_view encoded) {
  std::optional<std::string> decoded = Base64UrlDecode(encoded);
  EXPECT_TRUE(decoded.has_value()) << encoded;
  return decoded.value_or("");
}

std::string Hex(absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0f]);
  }
  return out;
}

std::string Unhex(absl::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string FlipBit(std::string bytes, size_t index, int bit = 0) {
  bytes[index] = static_cast<char>(bytes[index] ^ (1 << bit));
  return bytes;
}

// ASN.1 DER ECDSA-Sig-Value (SEQUENCE of INTEGER r, INTEGER s) for a JOSE
// r||s signature: the form RFC 7518 section 3.4 says is not a JWS signature.
std::string ToDer(absl::string_view jose) {
  auto integer = [](absl::string_view half) {
    while (half.size() > 1 && half[0] == '\0') half.remove_prefix(1);
    std::string body(half);
    if (static_cast<uint8_t>(body[0]) & 0x80) body.insert(0, 1, '\0');
    return std::string{'\x02', static_cast<char>(body.size())} + body;
  };
  std::string body = integer(jose.substr(0, jose.size() / 2)) +
                     integer(jose.substr(jose.size() / 2));
  std::string der{'\x30'};
  if (body.size() >= 0x80) der.push_back('\x81');
  der.push_back(static_cast<char>(body.size()));
  return der + body;
}

Curve CurveFromName(absl::string_view name) {
  if (name == "P-256") return Curve::kP256;
  if (name == "P-384") return Curve::kP384;
  if (name == "P-521") return Curve::kP521;
  return Curve::kNone;
}

// The verification key for `jwk` (public members with base64url values), as
// a JWKS consumer would build it.
absl::StatusOr<std::unique_ptr<PublicKey>> PublicKeyFromJwk(
    const std::map<std::string, std::string>& jwk) {
  auto get = [&jwk](const std::string& name) {
    auto it = jwk.find(name);
    return it == jwk.end() ? std::string() : B64(it->second);
  };
  const std::string& kty = jwk.at("kty");
  if (kty == "RSA") return PublicKey::FromRsa(get("n"), get("e"));
  if (kty == "EC") {
    return PublicKey::FromEcPoint(CurveFromName(jwk.at("crv")), get("x"),
                                  get("y"));
  }
  if (kty == "OKP") return PublicKey::FromEd25519(get("x"));
  return PublicKey::FromHmacSecret(get("k"));
}

std::unique_ptr<PublicKey> PublicKeyFor(const PrivateKey& key) {
  absl::StatusOr<std::unique_ptr<PublicKey>> public_key =
      PublicKeyFromJwk(key.PublicJwkMembers());
  EXPECT_THAT(public_key, IsOk());
  return public_key.ok() ? std::move(*public_key) : nullptr;
}

std::string Sign(const PrivateKey& key, Algorithm alg,
                 absl::string_view input) {
  absl::StatusOr<std::string> signature = key.Sign(alg, input);
  EXPECT_THAT(signature, IsOk());
  return signature.value_or("");
}

const std::string& HmacSecret64() {
  static const std::string* secret = new std::string(
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  return *secret;
}

std::unique_ptr<PrivateKey> LoadA2Key() {
  absl::StatusOr<std::unique_ptr<PrivateKey>> key =
      PrivateKey::FromPem(kA2PrivateKeyPem);
  EXPECT_THAT(key, IsOk());
  return key.ok() ? std::move(*key) : nullptr;
}

// Signing keys for each algorithm, made once per process. `other` selects a
// second, independent key of the same kind. RSA uses the RFC 7515 A.2 key
// (and one generated key) so the tests stay fast.
const PrivateKey& SigningKeyFor(Algorithm alg, bool other = false) {
  static auto* keys =
      new std::map<std::pair<int, bool>, std::unique_ptr<PrivateKey>>;
  int kind = static_cast<int>(KeyTypeForAlgorithm(alg)) * 10;
  if (alg == Algorithm::kEs384) kind += 1;
  if (alg == Algorithm::kEs512) kind += 2;
  std::unique_ptr<PrivateKey>& slot = (*keys)[{kind, other}];
  if (slot == nullptr) {
    absl::StatusOr<std::unique_ptr<PrivateKey>> key;
    switch (KeyTypeForAlgorithm(alg)) {
      case KeyType::kRsa:
        key = other ? PrivateKey::GenerateRsa(2048)
                    : PrivateKey::FromPem(kA2PrivateKeyPem);
        break;
      case KeyType::kEc:
        key = PrivateKey::GenerateEc(alg == Algorithm::kEs256   ? Curve::kP256
                                     : alg == Algorithm::kEs384 ? Curve::kP384
                                                                : Curve::kP521);
        break;
      case KeyType::kOkp:
        key = PrivateKey::GenerateEd25519();
        break;
      case KeyType::kOct: {
        std::string secret = HmacSecret64();
        if (other) secret[0] = 'X';
        key = PrivateKey::FromHmacSecret(secret);
        break;
      }
    }
    EXPECT_THAT(key, IsOk());
    slot = std::move(*key);
  }
  return *slot;
}

std::vector<Algorithm> AllAlgorithms() {
  std::vector<Algorithm> algs = AsymmetricAlgorithms();
  algs.push_back(Algorithm::kHs256);
  algs.push_back(Algorithm::kHs384);
  algs.push_back(Algorithm::kHs512);
  return algs;
}

auto SignatureInvalid() {
  return StatusIs(absl::StatusCode::kUnauthenticated,
                  ErrorReason::kSignatureInvalid);
}

auto JwksInvalid() {
  return StatusIs(absl::StatusCode::kInvalidArgument,
                  ErrorReason::kJwksInvalid);
}

constexpr absl::string_view kInput = "eyJhbGciOiJ0ZXN0In0.eyJzdWIiOiJ1MSJ9";

// ---------------------------------------------------------------------------
// Known-answer tests.

TEST(KnownAnswerTest, VerifiesRfc7515A1Hs256) {
  auto key = PublicKey::FromHmacSecret(B64(kA1Key));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kHs256, kA1SigningInput, B64(kA1Signature)),
      IsOk());
}

TEST(KnownAnswerTest, SignsRfc7515A1Hs256Exactly) {
  auto key = PrivateKey::FromHmacSecret(B64(kA1Key));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(Base64UrlEncode(Sign(**key, Algorithm::kHs256, kA1SigningInput)),
            kA1Signature);
}

TEST(KnownAnswerTest, VerifiesRfc7515A2Rs256) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->bits(), 2048);
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kRs256, kA2SigningInput, B64(kA2Signature)),
      IsOk());
}

// RSASSA-PKCS1-v1_5 is deterministic, so signing with the PEM form of the
// A.2 key must give the published signature byte for byte.
TEST(KnownAnswerTest, SignsRfc7515A2Rs256ExactlyFromPem) {
  std::unique_ptr<PrivateKey> key = LoadA2Key();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->type(), KeyType::kRsa);
  EXPECT_EQ(Base64UrlEncode(Sign(*key, Algorithm::kRs256, kA2SigningInput)),
            kA2Signature);
  std::map<std::string, std::string> jwk = key->PublicJwkMembers();
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["n"], kA2Modulus);
  EXPECT_EQ(jwk["e"], kA2Exponent);
}

TEST(KnownAnswerTest, VerifiesRfc7515A3Es256) {
  auto key = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->bits(), 256);
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kEs256, kA3SigningInput, B64(kA3Signature)),
      IsOk());
}

TEST(KnownAnswerTest, ReadsRfc7515A3EcKeyFromPemAndSigns) {
  auto key = PrivateKey::FromPem(kA3PrivateKeyPem);
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->type(), KeyType::kEc);
  EXPECT_EQ((*key)->curve(), Curve::kP256);
  std::map<std::string, std::string> jwk = (*key)->PublicJwkMembers();
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["x"], kA3X);
  EXPECT_EQ(jwk["y"], kA3Y);
  // ECDSA is randomised: check the fresh signature against the RFC's key.
  std::string signature = Sign(**key, Algorithm::kEs256, kA3SigningInput);
  EXPECT_THAT(signature, SizeIs(64));
  auto public_key = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  ASSERT_THAT(public_key, IsOk());
  EXPECT_THAT(
      (*public_key)->Verify(Algorithm::kEs256, kA3SigningInput, signature),
      IsOk());
}

TEST(KnownAnswerTest, VerifiesRfc7515A4Es512) {
  auto key = PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), B64(kA4Y));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->bits(), 521);
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kEs512, kA4SigningInput, B64(kA4Signature)),
      IsOk());
}

TEST(KnownAnswerTest, SignsRfc8037A4Ed25519Exactly) {
  auto key = PrivateKey::FromEd25519Seed(B64(kEd25519Seed));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->PublicJwkMembers()["x"], kEd25519X);
  EXPECT_EQ(
      Base64UrlEncode(Sign(**key, Algorithm::kEdDsa, kEd25519SigningInput)),
      kEd25519Signature);
}

TEST(KnownAnswerTest, VerifiesRfc8037A5Ed25519) {
  auto key = PublicKey::FromEd25519(B64(kEd25519X));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->curve(), Curve::kEd25519);
  EXPECT_THAT((*key)->Verify(Algorithm::kEdDsa, kEd25519SigningInput,
                             B64(kEd25519Signature)),
              IsOk());
}

TEST(KnownAnswerTest, ThumbprintMatchesRfc8037A3) {
  auto key = PublicKey::FromEd25519(B64(kEd25519X));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->ThumbprintInput(),
            absl::StrCat(R"({"crv":"Ed25519","kty":"OKP","x":")", kEd25519X,
                         R"("})"));
  EXPECT_EQ(Base64UrlEncode(Sha256((*key)->ThumbprintInput())),
            kEd25519Thumbprint);
}

TEST(KnownAnswerTest, ThumbprintMatchesRfc7638Section3) {
  auto key = PublicKey::FromRsa(B64(kRfc7638Modulus), B64("AQAB"));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ((*key)->ThumbprintInput(),
            absl::StrCat(R"({"e":"AQAB","kty":"RSA","n":")", kRfc7638Modulus,
                         R"("})"));
  EXPECT_EQ(Base64UrlEncode(Sha256((*key)->ThumbprintInput())),
            kRfc7638Thumbprint);
}

// FIPS 180-2 appendix B.1 ("abc") and the SHA-384/512 output sizes.
TEST(DigestTest, Sha256MatchesFips180Vector) {
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashForAlgorithm(Algorithm::kRs256, "abc"), Sha256("abc"));
  EXPECT_THAT(HashForAlgorithm(Algorithm::kEs384, "abc"), SizeIs(48));
  EXPECT_THAT(HashForAlgorithm(Algorithm::kHs512, "abc"), SizeIs(64));
  EXPECT_THAT(HashForAlgorithm(Algorithm::kEdDsa, "abc"), SizeIs(64));
}

TEST(DigestTest, RandomBytesAreFreshAndSized) {
  absl::StatusOr<std::string> a = RandomBytes(32);
  absl::StatusOr<std::string> b = RandomBytes(32);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_THAT(*a, SizeIs(32));
  EXPECT_NE(*a, *b);
  EXPECT_THAT(RandomBytes(0), IsOk());
}

// ---------------------------------------------------------------------------
// RSASSA-PSS parameters (RFC 7518 section 3.5).

TEST(PssTest, AcceptsSaltAsLongAsHash) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kPs256, kPssSigningInput, B64(kPssSalt32)),
      IsOk());
}

TEST(PssTest, RejectsOtherSaltLengths) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  for (absl::string_view signature : {kPssSalt20, kPssSalt0, kPssSaltMax}) {
    EXPECT_THAT(
        (*key)->Verify(Algorithm::kPs256, kPssSigningInput, B64(signature)),
        StatusIs(absl::StatusCode::kUnauthenticated,
                 ErrorReason::kSignatureInvalid));
  }
}

TEST(PssTest, RejectsMgf1WithAnotherHash) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kPs256, kPssSigningInput, B64(kPssMgf1Sha1)),
      StatusIs(absl::StatusCode::kUnauthenticated,
               ErrorReason::kSignatureInvalid));
}

TEST(PssTest, RejectsPssSignatureAsPkcs1AndViceVersa) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kRs256, kPssSigningInput, B64(kPssSalt32)),
      StatusIs(absl::StatusCode::kUnauthenticated,
               ErrorReason::kSignatureInvalid));
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kPs256, kA2SigningInput, B64(kA2Signature)),
      StatusIs(absl::StatusCode::kUnauthenticated,
               ErrorReason::kSignatureInvalid));
}

// ---------------------------------------------------------------------------
// Every algorithm: round trip, then break exactly one thing.

class AlgorithmTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  void SetUp() override {
    signer_ = &SigningKeyFor(alg());
    key_ = PublicKeyFor(*signer_);
    ASSERT_NE(key_, nullptr);
    signature_ = Sign(*signer_, alg(), kInput);
    ASSERT_FALSE(signature_.empty());
    ASSERT_THAT(key_->Verify(alg(), kInput, signature_), IsOk());
  }

  Algorithm alg() const { return GetParam(); }

  absl::Status Verify(absl::string_view signature) const {
    return key_->Verify(alg(), kInput, signature);
  }

  const PrivateKey* signer_ = nullptr;
  std::unique_ptr<PublicKey> key_;
  std::string signature_;
};

INSTANTIATE_TEST_SUITE_P(All, AlgorithmTest,
                         ::testing::ValuesIn(AllAlgorithms()),
                         [](const ::testing::TestParamInfo<Algorithm>& info) {
                           return std::string(AlgorithmName(info.param));
                         });

TEST_P(AlgorithmTest, KeyFitsItsAlgorithm) {
  EXPECT_TRUE(key_->Fits(alg()));
  EXPECT_EQ(key_->type(), KeyTypeForAlgorithm(alg()));
}

TEST_P(AlgorithmTest, VerifiesASecondSignature) {
  EXPECT_THAT(Verify(Sign(*signer_, alg(), kInput)), IsOk());
}

TEST_P(AlgorithmTest, RejectsEveryFlippedByte) {
  for (size_t i = 0; i < signature_.size(); ++i) {
    int bit = static_cast<int>(i % 8);
    EXPECT_THAT(Verify(FlipBit(signature_, i, bit)), SignatureInvalid())
        << "byte " << i;
  }
}

TEST_P(AlgorithmTest, RejectsModifiedSigningInput) {
  std::string input = FlipBit(std::string(kInput), kInput.size() - 1);
  EXPECT_THAT(key_->Verify(alg(), input, signature_), SignatureInvalid());
  EXPECT_THAT(key_->Verify(alg(), "", signature_), SignatureInvalid());
}

TEST_P(AlgorithmTest, RejectsTruncatedSignature) {
  EXPECT_THAT(Verify(signature_.substr(0, signature_.size() - 1)),
              SignatureInvalid());
  EXPECT_THAT(Verify(signature_.substr(0, signature_.size() / 2)),
              SignatureInvalid());
}

TEST_P(AlgorithmTest, RejectsExtendedSignature) {
  EXPECT_THAT(Verify(signature_ + std::string(1, '\0')), SignatureInvalid());
  EXPECT_THAT(Verify(std::string(1, '\0') + signature_), SignatureInvalid());
  EXPECT_THAT(Verify(signature_ + signature_), SignatureInvalid());
}

TEST_P(AlgorithmTest, RejectsEmptySignature) {
  EXPECT_THAT(Verify(""), SignatureInvalid());
}

TEST_P(AlgorithmTest, RejectsConstantSignatures) {
  EXPECT_THAT(Verify(std::string(signature_.size(), '\0')), SignatureInvalid());
  EXPECT_THAT(Verify(std::string(signature_.size(), '\xff')),
              SignatureInvalid());
}

TEST_P(AlgorithmTest, RejectsSignatureByAnotherKey) {
  const PrivateKey& other = SigningKeyFor(alg(), /*other=*/true);
  EXPECT_THAT(Verify(Sign(other, alg(), kInput)), SignatureInvalid());
}

// Verify must never crash and must answer signature_invalid for any bytes.
TEST_P(AlgorithmTest, RejectsRandomByteStrings) {
  std::mt19937 rng(static_cast<uint32_t>(alg()) + 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 2 * signature_.size() + 2);
  for (int i = 0; i < 200; ++i) {
    // Every fourth string has exactly the right length.
    std::string random(i % 4 == 0 ? signature_.size() : length(rng), '\0');
    for (char& c : random) c = static_cast<char>(byte(rng));
    EXPECT_THAT(Verify(random), SignatureInvalid());
  }
}

TEST_P(AlgorithmTest, ThumbprintInputIsCanonicalJwk) {
  nlohmann::json jwk = nlohmann::json::object();
  for (const auto& [name, value] : signer_->PublicJwkMembers()) {
    jwk[name] = value;
  }
  // nlohmann_json keeps object members sorted, so dump() is RFC 7638 form.
  EXPECT_EQ(key_->ThumbprintInput(), jwk.dump());
}

TEST_P(AlgorithmTest, RejectsAlgorithmsThatDoNotFitTheKey) {
  for (Algorithm other : AllAlgorithms()) {
    if (key_->Fits(other)) continue;
    EXPECT_THAT(key_->Verify(other, kInput, signature_),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         ErrorReason::kAlgNotAllowed))
        << AlgorithmName(other);
  }
}

// ---------------------------------------------------------------------------
// Which algorithms fit which key.

TEST(FitsTest, RsaKeyFitsExactlyRsAndPs) {
  auto key = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  ASSERT_THAT(key, IsOk());
  for (Algorithm alg : AllAlgorithms()) {
    EXPECT_EQ((*key)->Fits(alg), KeyTypeForAlgorithm(alg) == KeyType::kRsa)
        << AlgorithmName(alg);
  }
}

TEST(FitsTest, EcKeyFitsOnlyTheAlgorithmOfItsCurve) {
  auto p256 = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  auto p521 = PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), B64(kA4Y));
  ASSERT_THAT(p256, IsOk());
  ASSERT_THAT(p521, IsOk());
  for (Algorithm alg : AllAlgorithms()) {
    EXPECT_EQ((*p256)->Fits(alg), alg == Algorithm::kEs256)
        << AlgorithmName(alg);
    EXPECT_EQ((*p521)->Fits(alg), alg == Algorithm::kEs512)
        << AlgorithmName(alg);
  }
}

TEST(FitsTest, RejectsEs256SignatureOnP521Key) {
  auto key = PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), B64(kA4Y));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kEs256, kA3SigningInput, B64(kA3Signature)),
      StatusIs(absl::StatusCode::kUnauthenticated,
               ErrorReason::kAlgNotAllowed));
}

TEST(FitsTest, Ed25519KeyFitsOnlyEdDsa) {
  auto key = PublicKey::FromEd25519(B64(kEd25519X));
  ASSERT_THAT(key, IsOk());
  for (Algorithm alg : AllAlgorithms()) {
    EXPECT_EQ((*key)->Fits(alg), alg == Algorithm::kEdDsa)
        << AlgorithmName(alg);
  }
}

// RFC 7518 section 3.2: the secret must be at least the hash output size.
TEST(FitsTest, HmacSecretFitsOnlyHashesNoLongerThanItself) {
  auto s32 = PublicKey::FromHmacSecret(std::string(32, 'k'));
  auto s48 = PublicKey::FromHmacSecret(std::string(48, 'k'));
  auto s64 = PublicKey::FromHmacSecret(std::string(64, 'k'));
  ASSERT_THAT(s32, IsOk());
  ASSERT_THAT(s48, IsOk());
  ASSERT_THAT(s64, IsOk());
  EXPECT_TRUE((*s32)->Fits(Algorithm::kHs256));
  EXPECT_FALSE((*s32)->Fits(Algorithm::kHs384));
  EXPECT_FALSE((*s32)->Fits(Algorithm::kHs512));
  EXPECT_TRUE((*s48)->Fits(Algorithm::kHs384));
  EXPECT_FALSE((*s48)->Fits(Algorithm::kHs512));
  EXPECT_TRUE((*s64)->Fits(Algorithm::kHs512));
  EXPECT_FALSE((*s64)->Fits(Algorithm::kRs256));
  EXPECT_EQ((*s48)->bits(), 384);
}

TEST(FitsTest, VerifyRejectsHs512WithA32ByteSecret) {
  std::string secret(32, 'k');
  auto signer = PrivateKey::FromHmacSecret(secret);
  auto key = PublicKey::FromHmacSecret(secret);
  ASSERT_THAT(signer, IsOk());
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT((*key)->Verify(Algorithm::kHs512, kInput,
                             Sign(**signer, Algorithm::kHs512, kInput)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kAlgNotAllowed));
}

// ---------------------------------------------------------------------------
// ECDSA signature form (RFC 7518 section 3.4).

TEST(EcdsaTest, RejectsDerEncodedSignature) {
  auto key = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  ASSERT_THAT(key, IsOk());
  std::string der = ToDer(B64(kA3Signature));
  ASSERT_EQ(static_cast<uint8_t>(der[0]), 0x30);
  EXPECT_THAT((*key)->Verify(Algorithm::kEs256, kA3SigningInput, der),
              SignatureInvalid());
}

TEST(EcdsaTest, RejectsDerEncodedEs512Signature) {
  auto key = PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), B64(kA4Y));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT((*key)->Verify(Algorithm::kEs512, kA4SigningInput,
                             ToDer(B64(kA4Signature))),
              SignatureInvalid());
}

TEST(EcdsaTest, RejectsZeroAndOutOfRangeRAndS) {
  auto key = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  ASSERT_THAT(key, IsOk());
  std::string good = B64(kA3Signature);
  std::string zero(32, '\0');
  // The P-256 group order n (SEC 2 section 2.4.2).
  std::string order =
      Unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  for (const std::string& signature :
       {zero + good.substr(32), good.substr(0, 32) + zero, zero + zero,
        order + good.substr(32), good.substr(0, 32) + order}) {
    EXPECT_THAT((*key)->Verify(Algorithm::kEs256, kA3SigningInput, signature),
                SignatureInvalid());
  }
}

TEST(EcdsaTest, RejectsSwappedRAndS) {
  auto key = PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), B64(kA3Y));
  ASSERT_THAT(key, IsOk());
  std::string good = B64(kA3Signature);
  EXPECT_THAT((*key)->Verify(Algorithm::kEs256, kA3SigningInput,
                             good.substr(32) + good.substr(0, 32)),
              SignatureInvalid());
}

// ---------------------------------------------------------------------------
// Key construction rejections: kInvalidArgument / jwks_invalid.

// An odd number of exactly `bits` bits (not a real modulus: key construction
// does not test primality, it only bounds size and shape).
std::string OddNumberOfBits(int bits) {
  std::string bytes((bits + 7) / 8, '\x5a');
  int top_bits = bits % 8 == 0 ? 8 : bits % 8;
  bytes[0] = static_cast<char>(1 << (top_bits - 1));
  bytes.back() = '\x01';
  return bytes;
}

TEST(RsaKeyTest, RejectsGenerated1024BitModulus) {
  auto small = PrivateKey::GenerateRsa(1024);
  ASSERT_THAT(small, IsOk());
  EXPECT_THAT(PublicKeyFromJwk((*small)->PublicJwkMembers()), JwksInvalid());
}

TEST(RsaKeyTest, BoundsModulusSize) {
  std::string e = B64("AQAB");
  EXPECT_THAT(PublicKey::FromRsa(OddNumberOfBits(2047), e), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(OddNumberOfBits(2048), e), IsOk());
  EXPECT_THAT(PublicKey::FromRsa(OddNumberOfBits(8192), e), IsOk());
  EXPECT_THAT(PublicKey::FromRsa(OddNumberOfBits(8193), e), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa("", e), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(std::string(300, '\0'), e), JwksInvalid());
}

TEST(RsaKeyTest, RejectsEvenModulus) {
  std::string n = OddNumberOfBits(2048);
  n.back() = '\x02';
  EXPECT_THAT(PublicKey::FromRsa(n, B64("AQAB")), JwksInvalid());
}

TEST(RsaKeyTest, ChecksExponent) {
  std::string n = B64(kA2Modulus);
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("010000")), JwksInvalid());  // even
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("01")), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("02")), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(n, ""), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("0000")), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("0100000001")), JwksInvalid());
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("03")), IsOk());
  EXPECT_THAT(PublicKey::FromRsa(n, Unhex("ffffffff")), IsOk());
}

// RFC 7518 section 6.3.1 asks producers for minimal octets; a leading zero
// some libraries add is tolerated and does not change the thumbprint.
TEST(RsaKeyTest, ToleratesLeadingZerosWithoutChangingThumbprint) {
  auto plain = PublicKey::FromRsa(B64(kA2Modulus), B64(kA2Exponent));
  auto padded = PublicKey::FromRsa(std::string(1, '\0') + B64(kA2Modulus),
                                   Unhex("00010001"));
  ASSERT_THAT(plain, IsOk());
  ASSERT_THAT(padded, IsOk());
  EXPECT_EQ((*padded)->ThumbprintInput(), (*plain)->ThumbprintInput());
  EXPECT_THAT(
      (*padded)->Verify(Algorithm::kRs256, kA2SigningInput, B64(kA2Signature)),
      IsOk());
}

TEST(RsaKeyTest, ErrorMessagesCarryNoKeyMaterial) {
  absl::Status status =
      PublicKey::FromRsa(OddNumberOfBits(1024), B64("AQAB")).status();
  EXPECT_THAT(status, JwksInvalid());
  EXPECT_LE(status.message().size(), 64u);
  EXPECT_THAT(std::string(status.message()),
              ::testing::Not(::testing::HasSubstr("WlpaWl")));
}

TEST(EcKeyTest, RejectsPointOffTheCurve) {
  std::string y = B64(kA3Y);
  EXPECT_THAT(
      PublicKey::FromEcPoint(Curve::kP256, B64(kA3X), FlipBit(y, y.size() - 1)),
      JwksInvalid());
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP256, std::string(32, '\0'),
                                     std::string(32, '\0')),
              JwksInvalid());
  std::string y521 = B64(kA4Y);
  EXPECT_THAT(
      PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), FlipBit(y521, 40)),
      JwksInvalid());
}

TEST(EcKeyTest, RejectsCoordinatesOfTheWrongLength) {
  std::string x = B64(kA3X);
  std::string y = B64(kA3Y);
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP256, x.substr(1), y),
              JwksInvalid());
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP256, x, y.substr(1)),
              JwksInvalid());
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP256, std::string(1, '\0') + x, y),
              JwksInvalid());
  // A.4's P-521 coordinates are 66 bytes; P-256 wants 32.
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP256, B64(kA4X), B64(kA4Y)),
              JwksInvalid());
  // A P-256 point offered as P-384 has the wrong length too.
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP384, x, y), JwksInvalid());
  // P-521 without its leading zero byte.
  EXPECT_THAT(
      PublicKey::FromEcPoint(Curve::kP521, B64(kA4X), B64(kA4Y).substr(1)),
      JwksInvalid());
}

TEST(EcKeyTest, RejectsCoordinateNotBelowTheFieldPrime) {
  // For P-521 the top byte of a valid coordinate is 0 or 1.
  std::string x = B64(kA4X);
  x[0] = '\x02';
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kP521, x, B64(kA4Y)),
              JwksInvalid());
  EXPECT_THAT(
      PublicKey::FromEcPoint(Curve::kP256, std::string(32, '\xff'), B64(kA3Y)),
      JwksInvalid());
}

TEST(EcKeyTest, RejectsNonEcCurves) {
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kNone, B64(kA3X), B64(kA3Y)),
              JwksInvalid());
  EXPECT_THAT(PublicKey::FromEcPoint(Curve::kEd25519, B64(kA3X), B64(kA3Y)),
              JwksInvalid());
}

TEST(Ed25519KeyTest, RejectsWrongLength) {
  std::string x = B64(kEd25519X);
  EXPECT_THAT(PublicKey::FromEd25519(x.substr(1)), JwksInvalid());
  EXPECT_THAT(PublicKey::FromEd25519(x + "a"), JwksInvalid());
  EXPECT_THAT(PublicKey::FromEd25519(""), JwksInvalid());
}

TEST(HmacKeyTest, RejectsSecretShorterThan32Bytes) {
  EXPECT_THAT(PublicKey::FromHmacSecret(std::string(31, 'k')), JwksInvalid());
  EXPECT_THAT(PublicKey::FromHmacSecret(""), JwksInvalid());
  EXPECT_THAT(PublicKey::FromHmacSecret(std::string(32, 'k')), IsOk());
}

TEST(PrivateKeyTest, RejectsGarbagePem) {
  EXPECT_THAT(PrivateKey::FromPem("not a pem"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string truncated(kA2PrivateKeyPem.substr(0, 200));
  EXPECT_THAT(PrivateKey::FromPem(truncated),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PrivateKeyTest, RefusesAlgorithmOfAnotherKeyType) {
  const PrivateKey& ec = SigningKeyFor(Algorithm::kEs256);
  EXPECT_THAT(ec.Sign(Algorithm::kRs256, kInput),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A hash mismatch the library can do is allowed, for negative tests.
  EXPECT_THAT(ec.Sign(Algorithm::kEs384, kInput), IsOk());
}

TEST(PrivateKeyTest, GeneratesRsaKeysThatVerify) {
  const PrivateKey& key = SigningKeyFor(Algorithm::kRs256, /*other=*/true);
  std::unique_ptr<PublicKey> public_key = PublicKeyFor(key);
  ASSERT_NE(public_key, nullptr);
  EXPECT_EQ(public_key->bits(), 2048);
  EXPECT_THAT(public_key->Verify(Algorithm::kPs512, kInput,
                                 Sign(key, Algorithm::kPs512, kInput)),
              IsOk());
}

// ---------------------------------------------------------------------------
// Concurrency: one const key, many threads, good and bad signatures mixed
// (more threads than the RSA context pool has slots).

TEST(ConcurrencyTest, VerifiesOnOneKeyFromManyThreads) {
  struct Case {
    Algorithm alg;
    std::unique_ptr<PublicKey> key;
    std::string good;
    std::string bad;
  };
  std::vector<Case> cases;
  for (Algorithm alg : {Algorithm::kRs256, Algorithm::kPs384, Algorithm::kEs256,
                        Algorithm::kEdDsa, Algorithm::kHs256}) {
    const PrivateKey& signer = SigningKeyFor(alg);
    Case c{alg, PublicKeyFor(signer), Sign(signer, alg, kInput), ""};
    ASSERT_NE(c.key, nullptr);
    c.bad = FlipBit(c.good, c.good.size() / 2);
    cases.push_back(std::move(c));
  }
  constexpr int kThreads = 12;
  constexpr int kRounds = 40;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cases, &wrong, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (const Case& c : cases) {
          bool good = (round + t) % 3 != 0;
          absl::Status status =
              c.key->Verify(c.alg, kInput, good ? c.good : c.bad);
          bool expected =
              good ? status.ok()
                   : GetErrorReason(status) == ErrorReason::kSignatureInvalid;
          if (!expected) wrong.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---------------------------------------------------------------------------
// TokenMinter.

struct MintedToken {
  std::string header;
  std::string payload;
  std::string signing_input;
  std::string signature;
};

MintedToken Split(absl::string_view token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_THAT(parts, SizeIs(3)) << token;
  if (parts.size() != 3) return {};
  return {B64(parts[0]), B64(parts[1]), absl::StrCat(parts[0], ".", parts[1]),
          B64(parts[2])};
}

std::map<std::string, std::string> JwkMembers(const nlohmann::json& jwk) {
  std::map<std::string, std::string> members;
  for (const auto& [name, value] : jwk.items()) {
    if (name == "kty" || name == "crv" || name == "n" || name == "e" ||
        name == "x" || name == "y") {
      members[name] = value.get<std::string>();
    }
  }
  return members;
}

TEST(TokenMinterTest, MintedTokensVerifyWithTheirJwk) {
  TokenMinter minter;
  std::vector<Algorithm> algs = AsymmetricAlgorithms();
  for (Algorithm alg : algs) {
    minter.AddKey(absl::StrCat("kid-", AlgorithmName(alg)), alg);
  }
  nlohmann::json jwks = minter.Jwks();
  ASSERT_THAT(jwks["keys"], SizeIs(algs.size()));
  for (const nlohmann::json& jwk : jwks["keys"]) {
    std::string kid = jwk["kid"].get<std::string>();
    std::optional<Algorithm> alg =
        AlgorithmFromName(jwk["alg"].get<std::string>());
    ASSERT_TRUE(alg.has_value());
    EXPECT_EQ(kid, absl::StrCat("kid-", AlgorithmName(*alg)));
    EXPECT_EQ(jwk["use"], "sig");
    MintedToken token = Split(minter.Mint(kid, {{"sub", "u1"}}));
    EXPECT_EQ(nlohmann::json::parse(token.header),
              nlohmann::json({{"alg", std::string(AlgorithmName(*alg))},
                              {"kid", kid},
                              {"typ", "JWT"}}));
    EXPECT_EQ(token.payload, R"({"sub":"u1"})");
    auto key = PublicKeyFromJwk(JwkMembers(jwk));
    ASSERT_THAT(key, IsOk()) << kid;
    EXPECT_THAT((*key)->Verify(*alg, token.signing_input, token.signature),
                IsOk())
        << kid;
  }
}

TEST(TokenMinterTest, HmacKeysSignWithTheirSecretAndStayOutOfTheJwks) {
  TokenMinter minter;
  minter.AddKey("hs", Algorithm::kHs512, /*variant=*/3);
  EXPECT_THAT(minter.Jwks()["keys"], SizeIs(0));
  std::string secret = TokenMinter::HmacSecret(3);
  EXPECT_THAT(secret, SizeIs(64));
  EXPECT_NE(secret, TokenMinter::HmacSecret(0));
  auto key = PublicKey::FromHmacSecret(secret);
  ASSERT_THAT(key, IsOk());
  MintedToken token = Split(minter.Mint("hs", {{"sub", "u1"}}));
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kHs512, token.signing_input, token.signature),
      IsOk());
}

TEST(TokenMinterTest, SharesKeysPerKindAndVariant) {
  TokenMinter first;
  TokenMinter second;
  first.AddKey("a", Algorithm::kEs256);
  second.AddKey("b", Algorithm::kEs256);
  second.AddKey("c", Algorithm::kEs256, /*variant=*/1);
  nlohmann::json a = first.Jwks()["keys"][0];
  nlohmann::json b = second.Jwks()["keys"][0];
  nlohmann::json c = second.Jwks()["keys"][1];
  EXPECT_EQ(a["x"], b["x"]);
  EXPECT_NE(a["x"], c["x"]);
}

TEST(TokenMinterTest, MintWithHeaderKeepsTheHeaderAsGiven) {
  TokenMinter minter;
  minter.AddKey("k", Algorithm::kEs256);
  nlohmann::json header = {{"alg", "none"}, {"crit", {"exp"}}};
  MintedToken token =
      Split(minter.MintWithHeader("k", Algorithm::kEs256, header, {}));
  EXPECT_EQ(token.header, header.dump());
  EXPECT_THAT(token.signature, SizeIs(64));
}

TEST(TokenMinterTest, MintRawSignsArbitraryText) {
  TokenMinter minter;
  minter.AddKey("k", Algorithm::kEdDsa);
  MintedToken token =
      Split(minter.MintRaw("k", Algorithm::kEdDsa, "not json", "{\"a\":"));
  EXPECT_EQ(token.header, "not json");
  EXPECT_EQ(token.payload, "{\"a\":");
  auto key = PublicKeyFromJwk(JwkMembers(minter.Jwks()["keys"][0]));
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(
      (*key)->Verify(Algorithm::kEdDsa, token.signing_input, token.signature),
      IsOk());
}

}  // namespace
}  // namespace internal
}  // namespace authgate
