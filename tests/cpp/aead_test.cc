// Tests for AES-256-GCM sealing (core/src/crypto/aead.h), built against
// OpenSSL 3 (aead_test) and Debian's BoringSSL (crypto_boringssl_test).
#include "crypto/aead.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate::internal {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// The GCM specification's test cases (McGrew and Viega, "The Galois/Counter
// Mode of Operation", appendix B, the vectors NIST's CAVP GCM files repeat).
struct Vector {
  const char* key;
  const char* nonce;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};
constexpr Vector kVectors[] = {
    // Test case 13: empty plaintext, zero key and IV.
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    // Test case 14: one zero block.
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    // Test case 16: partial last block and additional data.
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AeadTest, KnownAnswerVectorsSealAndOpen) {
  for (const Vector& v : kVectors) {
    std::string expected = Hex(v.nonce) + Hex(v.ciphertext) + Hex(v.tag);
    absl::StatusOr<std::string> sealed = Aes256GcmSealWithNonce(
        Hex(v.key), Hex(v.nonce), Hex(v.plaintext), Hex(v.aad));
    ASSERT_THAT(sealed, IsOk());
    EXPECT_EQ(absl::BytesToHexString(*sealed),
              absl::BytesToHexString(expected));
    absl::StatusOr<std::string> opened =
        Aes256GcmOpen(Hex(v.key), expected, Hex(v.aad));
    ASSERT_THAT(opened, IsOk());
    EXPECT_EQ(*opened, Hex(v.plaintext));
  }
}

class AeadRoundTripTest : public ::testing::Test {
 protected:
  const std::string key_ = std::string(32, '\x42');
  const std::string plaintext_ = "the session: three tokens and a name";
  const std::string aad_ = "session:_authgate";
};

TEST_F(AeadRoundTripTest, SealsWithAFreshNonceEachTime) {
  absl::StatusOr<std::string> a = Aes256GcmSeal(key_, plaintext_, aad_);
  absl::StatusOr<std::string> b = Aes256GcmSeal(key_, plaintext_, aad_);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->size(), plaintext_.size() + kAes256GcmOverhead);
  EXPECT_NE(a->substr(0, kAes256GcmNonceBytes),
            b->substr(0, kAes256GcmNonceBytes));
  EXPECT_EQ(a->find(plaintext_), std::string::npos);
  EXPECT_EQ(Aes256GcmOpen(key_, *a, aad_).value(), plaintext_);
  EXPECT_EQ(Aes256GcmOpen(key_, *b, aad_).value(), plaintext_);
}

TEST_F(AeadRoundTripTest, EmptyPlaintextAndEmptyAad) {
  absl::StatusOr<std::string> sealed = Aes256GcmSeal(key_, "", "");
  ASSERT_THAT(sealed, IsOk());
  EXPECT_EQ(sealed->size(), kAes256GcmOverhead);
  EXPECT_EQ(Aes256GcmOpen(key_, *sealed, "").value(), "");
  EXPECT_THAT(Aes256GcmOpen(key_, *sealed, "x"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

// Flips one bit in every byte in turn: nonce, ciphertext and tag bytes all
// make the value fail to authenticate.
TEST_F(AeadRoundTripTest, EveryTamperedByteIsRefused) {
  std::string sealed = Aes256GcmSeal(key_, plaintext_, aad_).value();
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (char mask : {'\x01', '\x80'}) {
      std::string tampered = sealed;
      tampered[i] ^= mask;
      EXPECT_THAT(Aes256GcmOpen(key_, tampered, aad_),
                  StatusIs(absl::StatusCode::kUnauthenticated,
                           ErrorReason::kSessionInvalid))
          << "byte " << i;
    }
  }
}

TEST_F(AeadRoundTripTest, TruncatedExtendedAndShortInputsAreRefused) {
  std::string sealed = Aes256GcmSeal(key_, plaintext_, aad_).value();
  for (size_t size = 0; size < sealed.size(); ++size) {
    EXPECT_THAT(Aes256GcmOpen(key_, sealed.substr(0, size), aad_),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         ErrorReason::kSessionInvalid))
        << "size " << size;
  }
  EXPECT_THAT(Aes256GcmOpen(key_, sealed + "x", aad_),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

TEST_F(AeadRoundTripTest, WrongAadIsRefused) {
  std::string sealed = Aes256GcmSeal(key_, plaintext_, aad_).value();
  for (absl::string_view other :
       {"", "flow:_authgate", "session:_authgat", "session:_authgatex"}) {
    EXPECT_THAT(Aes256GcmOpen(key_, sealed, other),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         ErrorReason::kSessionInvalid))
        << other;
  }
}

TEST_F(AeadRoundTripTest, WrongKeyIsRefused) {
  std::string sealed = Aes256GcmSeal(key_, plaintext_, aad_).value();
  std::string other = key_;
  other[31] ^= 1;
  EXPECT_THAT(Aes256GcmOpen(other, sealed, aad_),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

TEST_F(AeadRoundTripTest, KeysOfTheWrongSizeAreInvalidArguments) {
  for (size_t size : {0, 16, 31, 33}) {
    std::string key(size, 'k');
    EXPECT_THAT(Aes256GcmSeal(key, plaintext_, aad_),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ErrorReason::kInvalidArgument));
    EXPECT_THAT(Aes256GcmOpen(key, std::string(64, 'x'), aad_),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ErrorReason::kInvalidArgument));
  }
  EXPECT_THAT(Aes256GcmSealWithNonce(key_, "short", plaintext_, aad_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("state-1", "state-1"));
  EXPECT_FALSE(ConstantTimeEquals("state-1", "state-2"));
  EXPECT_FALSE(ConstantTimeEquals("state", "state-1"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

}  // namespace
}  // namespace authgate::internal
