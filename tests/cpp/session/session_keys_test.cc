#include "grpc_service/session/session_keys.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate::service {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

SessionKeys Keys(std::vector<std::string> raw) {
  return SessionKeys::FromRawKeys(std::move(raw)).value();
}

TEST(SessionKeysFromFileTest, ReadsStandardAndUrlSafeKeysSkippingComments) {
  std::string std_b64 = absl::Base64Escape(kKeyA);  // with '=' padding
  std::string url_b64 = absl::WebSafeBase64Escape(std::string(32, '\xfb'));
  ASSERT_NE(url_b64.find_first_of("-_"), std::string::npos);
  std::string path =
      WriteFile("keys_ok", absl::StrCat("# rotated 2026-12-01\n\n  ", std_b64,
                                        "  \r\n", url_b64, "\n"));
  absl::StatusOr<SessionKeys> keys =
      SessionKeys::FromFile("web.cookie.secret_file", path);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 2u);
  // The first key seals: a ring of kKeyA alone opens it.
  std::string sealed = keys->Seal("p", "x").value();
  EXPECT_EQ(Keys({kKeyA}).Open("p", sealed).value(), "x");
}

TEST(SessionKeysFromFileTest, BadLineIsNamedByNumberNeverByContent) {
  std::string secretish = absl::Base64Escape(std::string(31, 's'));
  std::string path =
      WriteFile("keys_bad",
                absl::StrCat(absl::Base64Escape(kKeyA), "\n", secretish, "\n"));
  absl::StatusOr<SessionKeys> keys =
      SessionKeys::FromFile("web.cookie.secret_file", path);
  EXPECT_THAT(keys, StatusIs(absl::StatusCode::kInvalidArgument,
                             ErrorReason::kConfigInvalid));
  std::string message(keys.status().message());
  EXPECT_THAT(message, HasSubstr("web.cookie.secret_file"));
  EXPECT_THAT(message, HasSubstr("line 2: not the base64 of 32 bytes"));
  EXPECT_THAT(message, Not(HasSubstr(secretish)));
  EXPECT_THAT(message, Not(HasSubstr(absl::Base64Escape(kKeyA))));
}

TEST(SessionKeysFromFileTest, FileWithoutKeysMissingFileAndNotBase64) {
  EXPECT_THAT(SessionKeys::FromFile("f", WriteFile("keys_empty", "# none\n\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(SessionKeys::FromFile("f", ::testing::TempDir() + "/absent"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(SessionKeys::FromFile(
                  "f", WriteFile("keys_junk", "not base64 at all!\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  // 48 bytes (openssl rand -base64 48) is not a 32-byte key.
  EXPECT_THAT(
      SessionKeys::FromFile(
          "f", WriteFile("keys_48", absl::Base64Escape(std::string(48, 'k')))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ErrorReason::kConfigInvalid));
}

TEST(SessionKeysFromRawKeysTest, RefusesEmptyRingsAndWrongSizes) {
  EXPECT_THAT(SessionKeys::FromRawKeys({}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(SessionKeys::FromRawKeys({kKeyA, std::string(16, 'k')}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

TEST(SessionKeysTest, SealIsBase64UrlAndRoundTrips) {
  SessionKeys keys = Keys({kKeyA});
  std::string plain = "{\"at\":\"eyJ...\"}";
  std::string sealed = keys.Seal("session:_authgate", plain).value();
  EXPECT_EQ(
      sealed.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_EQ(sealed.find("eyJ"), std::string::npos);
  EXPECT_NE(keys.Seal("session:_authgate", plain).value(), sealed);
  EXPECT_EQ(keys.Open("session:_authgate", sealed).value(), plain);
}

// Rotation: the new key seals, the old one still opens what it sealed, and
// a value sealed with a key dropped from the ring is session_invalid.
TEST(SessionKeysTest, RotationAndRetiredKeys) {
  std::string old_value = Keys({kKeyA}).Seal("p", "old").value();
  SessionKeys rotated = Keys({kKeyB, kKeyA});
  EXPECT_EQ(rotated.Open("p", old_value).value(), "old");
  std::string new_value = rotated.Seal("p", "new").value();
  EXPECT_EQ(Keys({kKeyB}).Open("p", new_value).value(), "new");
  EXPECT_THAT(Keys({kKeyA}).Open("p", new_value),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  EXPECT_THAT(Keys({kKeyB}).Open("p", old_value),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

TEST(SessionKeysTest, PurposeIsBound) {
  SessionKeys keys = Keys({kKeyA});
  std::string flow = keys.Seal("flow:_authgate_csrf_abc", "x").value();
  EXPECT_THAT(keys.Open("session:_authgate", flow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

TEST(SessionKeysTest, MalformedValuesAreSessionInvalid) {
  SessionKeys keys = Keys({kKeyA});
  std::string sealed = keys.Seal("p", "some plaintext").value();
  std::vector<std::string> bad = {
      "",
      "A",
      sealed.substr(0, sealed.size() - 1),              // truncated
      sealed + "A",                                     // extended
      sealed + "=",                                     // padded
      "*" + sealed.substr(1),                           // not base64url
      absl::WebSafeBase64Escape(std::string(27, 'x')),  // shorter than overhead
      std::string(2 << 20, 'A'),                        // beyond the bound
  };
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string swapped = sealed;
    swapped[i] = swapped[i] == 'A' ? 'B' : 'A';
    bad.push_back(swapped);
  }
  for (const std::string& value : bad) {
    EXPECT_THAT(keys.Open("p", value),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         ErrorReason::kSessionInvalid))
        << value.substr(0, 64);
  }
}

}  // namespace
}  // namespace authgate::service
