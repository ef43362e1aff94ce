#include "grpc_service/proto_conversion.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace authgate::service {
namespace {

using ::testing::ElementsAre;

// Only GetUserInfo, which forwards the token to the provider, strips.
TEST(ProtoConversionTest, StripsBearerSchemeCaseInsensitively) {
  EXPECT_EQ(StripBearer("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(StripBearer("  bEaReR \t abc.def.ghi  "), "abc.def.ghi");
  EXPECT_EQ(StripBearer("abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(StripBearer("Bearer"), "");
  EXPECT_EQ(StripBearer("Bearer   "), "");
  // Another scheme is left alone and then fails verification.
  EXPECT_EQ(StripBearer("Basic dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(StripBearer("Bearerabc"), "Bearerabc");
}

// RFC 6750 section 2.1: "Bearer" in any case, one space, the token as is.
TEST(ProtoConversionTest, ReadsBearerCredentialsExactly) {
  EXPECT_EQ(BearerCredentials("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(BearerCredentials("bEaReR abc.def.ghi"), "abc.def.ghi");
  // Nothing is trimmed: the core then calls these tokens malformed.
  EXPECT_EQ(BearerCredentials("Bearer  abc.def.ghi"), " abc.def.ghi");
  EXPECT_EQ(BearerCredentials("Bearer abc.def.ghi\n"), "abc.def.ghi\n");
  EXPECT_EQ(BearerCredentials("Bearer "), "");
  // Not the Bearer scheme: no bearer token at all.
  EXPECT_EQ(BearerCredentials("Bearer"), std::nullopt);
  EXPECT_EQ(BearerCredentials("Bearer\tabc"), std::nullopt);
  EXPECT_EQ(BearerCredentials(" Bearer abc"), std::nullopt);
  EXPECT_EQ(BearerCredentials("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(BearerCredentials(""), std::nullopt);
}

TEST(ProtoConversionTest, MapsMatchModesWithDefaults) {
  EXPECT_EQ(ToMatch(v1::MATCH_MODE_UNSPECIFIED, Match::kAny), Match::kAny);
  EXPECT_EQ(ToMatch(v1::MATCH_MODE_UNSPECIFIED, Match::kAll), Match::kAll);
  EXPECT_EQ(ToMatch(v1::MATCH_MODE_ALL, Match::kAny), Match::kAll);
  EXPECT_EQ(ToMatch(v1::MATCH_MODE_ANY, Match::kAll), Match::kAny);
}

TEST(ProtoConversionTest, CopiesValidateRequestIntoVerifyOptions) {
  v1::ValidateTokenRequest request;
  request.set_provider("cognito");
  request.add_token_uses("access");
  request.add_required_scopes("orders/read");
  request.add_required_groups("admins");
  request.set_group_match(v1::MATCH_MODE_ALL);
  request.set_nonce("n-1");

  VerifyOptions options = ToVerifyOptions(request);

  EXPECT_EQ(options.provider, "cognito");
  EXPECT_THAT(options.token_uses, ElementsAre("access"));
  EXPECT_THAT(options.scopes, ElementsAre("orders/read"));
  EXPECT_EQ(options.scope_match, Match::kAll);
  EXPECT_THAT(options.groups, ElementsAre("admins"));
  EXPECT_EQ(options.group_match, Match::kAll);
  EXPECT_EQ(options.nonce, "n-1");
}

TEST(ProtoConversionTest, ConvertsTimestampsWithNanos) {
  google::protobuf::Timestamp ts;
  ToTimestamp(absl::FromUnixMillis(1700000000123), &ts);
  EXPECT_EQ(ts.seconds(), 1700000000);
  EXPECT_EQ(ts.nanos(), 123000000);
}

// The fast simdjson path must give exactly what the nlohmann path gives.
TEST(ProtoConversionTest, JsonTextAndJsonTreeGiveTheSameStruct) {
  const std::string text = R"({
    "sub": "u-1", "exp": 1700000000, "big": 18446744073709551615,
    "neg": -5, "ratio": 0.25, "ok": true, "none": null,
    "cognito:groups": ["a", "b"], "nested": {"x": [1, {"y": "z"}]},
    "unicode": "caf\u00e9"})";
  google::protobuf::Struct from_text;
  google::protobuf::Struct from_tree;

  ASSERT_TRUE(JsonTextToStruct(text, &from_text));
  JsonToStruct(nlohmann::json::parse(text), &from_tree);

  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(from_text, from_tree))
      << from_text.DebugString() << "\nvs\n"
      << from_tree.DebugString();
  EXPECT_EQ(from_text.fields().at("unicode").string_value(), "caf\xc3\xa9");
  EXPECT_EQ(from_text.fields().at("exp").number_value(), 1700000000.0);
}

// The hand-written wire encoding must parse back to the same Struct.
TEST(ProtoConversionTest, StructBytesParseToTheSameStruct) {
  const std::string text = R"({
    "sub": "u-1", "exp": 1700000000, "zero": 0, "no": false, "empty": "",
    "big": 18446744073709551615, "neg": -5, "ratio": 0.25, "none": null,
    "list": [], "obj": {}, "groups": ["a", "b"],
    "nested": {"x": [1, {"y": "z"}, [true, null]]}, "": "empty key",
    "long": ")" + std::string(300, 'x') +
                           R"(", "deep": {"list": [{"text": ")" +
                           std::string(200, 'y') + R"("}]}})";
  std::optional<std::string> bytes = JsonTextToStructBytes(text);
  ASSERT_TRUE(bytes.has_value());
  google::protobuf::Struct parsed;
  ASSERT_TRUE(parsed.ParseFromString(*bytes));
  google::protobuf::Struct expected;
  JsonToStruct(nlohmann::json::parse(text), &expected);

  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
      << parsed.DebugString() << "\nvs\n"
      << expected.DebugString();
  EXPECT_FALSE(JsonTextToStructBytes("[1]").has_value());
  EXPECT_FALSE(JsonTextToStructBytes("{").has_value());
}

// A response carrying claims as unknown-field bytes serializes exactly like
// one with the Struct set.
TEST(ProtoConversionTest, PreEncodedClaimsMatchASetStructOnTheWire) {
  const std::string text = R"({"sub": "u-1", "exp": 1700000000})";
  v1::ValidateTokenResponse pre_encoded;
  pre_encoded.mutable_principal()->set_subject("u-1");
  pre_encoded.GetReflection()
      ->MutableUnknownFields(&pre_encoded)
      ->AddLengthDelimited(v1::ValidateTokenResponse::kClaimsFieldNumber,
                           *JsonTextToStructBytes(text));
  v1::ValidateTokenResponse built;
  built.mutable_principal()->set_subject("u-1");
  JsonToStruct(nlohmann::json::parse(text), built.mutable_claims());

  v1::ValidateTokenResponse a, b;
  ASSERT_TRUE(a.ParseFromString(pre_encoded.SerializeAsString()));
  ASSERT_TRUE(b.ParseFromString(built.SerializeAsString()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a, b));
  EXPECT_EQ(a.claims().fields().at("sub").string_value(), "u-1");
}

TEST(ProtoConversionTest, RejectsNonObjectJsonText) {
  google::protobuf::Struct out;
  (*out.mutable_fields())["stale"].set_bool_value(true);
  EXPECT_FALSE(JsonTextToStruct("[1, 2]", &out));
  EXPECT_FALSE(JsonTextToStruct("{broken", &out));
  EXPECT_TRUE(out.fields().empty());
}

TEST(ProtoConversionTest, SplitsScopesOnSpaces) {
  EXPECT_THAT(SplitScopes(" openid  email profile "),
              ElementsAre("openid", "email", "profile"));
  EXPECT_TRUE(SplitScopes("").empty());
}

}  // namespace
}  // namespace authgate::service
