// JsonApi against a real in-process gRPC server running a small fake
// AuthService (the adapter's unit test; the real service is exercised end to
// end by tests/web). The fake's errors go through the real ToGrpcStatus, so
// the trailing metadata is what the server sends.
#include "grpc_service/json_api/json_api.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc_service/status_conversion.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "authgate/v1/auth_service.grpc.pb.h"

namespace authgate::service {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// token "ok..." answers with a principal echoing the request; "fail:N:reason"
// fails with gRPC code N and that reason; "oauth" fails like a provider
// refusal; "slow" answers after 500 ms.
class FakeAuthService final : public v1::AuthService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ValidateToken(
      grpc::CallbackServerContext* context,
      const v1::ValidateTokenRequest* request,
      v1::ValidateTokenResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::string_view token = request->token();
    if (absl::StartsWith(token, "fail:")) {
      std::vector<std::string> parts = absl::StrSplit(token, ':');
      int code = 0;
      EXPECT_TRUE(absl::SimpleAtoi(parts.at(1), &code));
      absl::Status status = MakeError(
          static_cast<absl::StatusCode>(code),
          ErrorReasonFromName(parts.at(2)).value_or(ErrorReason::kInternal),
          "refused by the fake");
      reactor->Finish(ToGrpcStatus(status, context));
      return reactor;
    }
    if (token == "oauth") {
      absl::Status status =
          MakeError(absl::StatusCode::kUnauthenticated,
                    ErrorReason::kOAuthInvalidGrant, "the provider refused");
      SetOAuthError(status, "invalid_grant", "code already used");
      reactor->Finish(ToGrpcStatus(status, context));
      return reactor;
    }
    if (token == "slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    v1::Principal* principal = response->mutable_principal();
    principal->set_subject(request->token());
    principal->set_provider(request->provider());
    for (const std::string& scope : request->required_scopes()) {
      principal->add_scopes(scope);
    }
    principal->set_token_use(v1::MatchMode_Name(request->scope_match()));
    principal->mutable_expires_at()->set_seconds(1893456000);  // 2030-01-01
    auto& fields = *response->mutable_claims()->mutable_fields();
    fields["sub"].set_string_value(request->token());
    fields["n"].set_number_value(1.5);
    auto& nested = *fields["nested"].mutable_struct_value()->mutable_fields();
    auto* list = nested["a"].mutable_list_value();
    list->add_values()->set_bool_value(true);
    list->add_values()->set_null_value(google::protobuf::NULL_VALUE);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* RefreshToken(
      grpc::CallbackServerContext* context,
      const v1::RefreshTokenRequest* request,
      v1::RefreshTokenResponse* response) override {
    v1::TokenSet* tokens = response->mutable_tokens();
    tokens->set_access_token("at-" + request->refresh_token());
    tokens->set_expires_in_seconds(int64_t{1} << 40);
    tokens->set_refresh_token_rotated(true);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class JsonApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new FakeAuthService;
    grpc::ServerBuilder builder;
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  JsonApi api_{server_->InProcessChannel(grpc::ChannelArguments())};

  static nlohmann::json Json(const JsonApiReply& reply) {
    return nlohmann::json::parse(reply.body);
  }

  // An error reply: status, body {"code","message","reason"} and header.
  static void ExpectError(const JsonApiReply& reply, int http_status,
                          int grpc_code, absl::string_view reason) {
    EXPECT_EQ(reply.http_status, http_status) << reply.body;
    nlohmann::json body = Json(reply);
    EXPECT_EQ(body.at("code"), grpc_code) << reply.body;
    EXPECT_EQ(body.at("reason"), std::string(reason)) << reply.body;
    EXPECT_TRUE(body.at("message").is_string()) << reply.body;
    EXPECT_THAT(reply.headers,
                Contains(Pair("authgate-error-reason", std::string(reason))));
  }

  static FakeAuthService* service_;
  static grpc::Server* server_;
};

FakeAuthService* JsonApiTest::service_ = nullptr;
grpc::Server* JsonApiTest::server_ = nullptr;

TEST_F(JsonApiTest, ValidateTokenRoundTrip) {
  // Both the lowerCamelCase and the proto field name are accepted; enums by
  // name.
  JsonApiReply reply = api_.Call("ValidateToken",
                                 R"({"token": "ok-1", "provider": "cognito",
                                     "requiredScopes": ["a", "b"],
                                     "scope_match": "MATCH_MODE_ANY"})",
                                 absl::Seconds(5));
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  EXPECT_TRUE(reply.headers.empty());
  nlohmann::json body = Json(reply);
  EXPECT_EQ(body, nlohmann::json::parse(R"({
    "principal": {"subject": "ok-1", "provider": "cognito",
                  "scopes": ["a", "b"], "tokenUse": "MATCH_MODE_ANY",
                  "expiresAt": "2030-01-01T00:00:00Z"},
    "claims": {"sub": "ok-1", "n": 1.5, "nested": {"a": [true, null]}}
  })"))
      << reply.body;
}

TEST_F(JsonApiTest, Int64IsAStringBothWays) {
  JsonApiReply reply =
      api_.Call("RefreshToken", R"({"refreshToken": "rt"})", absl::Seconds(5));
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  nlohmann::json body = Json(reply);
  EXPECT_EQ(body.at("tokens").at("expiresInSeconds"), "1099511627776");
  EXPECT_EQ(body.at("tokens").at("accessToken"), "at-rt");
  EXPECT_EQ(body.at("tokens").at("refreshTokenRotated"), true);
}

TEST_F(JsonApiTest, EmptyBodyIsTheEmptyMessage) {
  JsonApiReply reply = api_.Call("ValidateToken", "", absl::Seconds(5));
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  EXPECT_EQ(Json(reply).at("principal").at("tokenUse"),
            "MATCH_MODE_UNSPECIFIED");
}

struct CodeCase {
  int grpc_code;
  int http_status;
  const char* reason;
};

class JsonApiCodeTest : public JsonApiTest,
                        public ::testing::WithParamInterface<CodeCase> {};

TEST_P(JsonApiCodeTest, MapsCodeToStatusWithReason) {
  const CodeCase& c = GetParam();
  JsonApiReply reply =
      api_.Call("ValidateToken",
                nlohmann::json{{"token", "fail:" + std::to_string(c.grpc_code) +
                                             ":" + c.reason}}
                    .dump(),
                absl::Seconds(5));
  ExpectError(reply, c.http_status, c.grpc_code, c.reason);
  EXPECT_EQ(Json(reply).at("message"), "refused by the fake");
  EXPECT_FALSE(Json(reply).contains("oauth_error"));
}

INSTANTIATE_TEST_SUITE_P(
    Codes, JsonApiCodeTest,
    ::testing::Values(
        CodeCase{1, 499, "internal"}, CodeCase{2, 500, "internal"},
        CodeCase{3, 400, "invalid_argument"},
        CodeCase{4, 504, "provider_timeout"},
        CodeCase{5, 404, "invalid_argument"}, CodeCase{6, 500, "internal"},
        CodeCase{7, 403, "scope_missing"}, CodeCase{8, 429, "internal"},
        CodeCase{9, 400, "config_invalid"}, CodeCase{10, 500, "internal"},
        CodeCase{11, 400, "invalid_argument"}, CodeCase{12, 501, "internal"},
        CodeCase{13, 500, "internal"},
        CodeCase{14, 503, "provider_unavailable"},
        CodeCase{15, 500, "internal"}, CodeCase{16, 401, "token_expired"}));

TEST(HttpStatusFromGrpcCodeTest, OkAndOutOfRange) {
  EXPECT_EQ(HttpStatusFromGrpcCode(0), 200);
  EXPECT_EQ(HttpStatusFromGrpcCode(99), 500);
  EXPECT_EQ(HttpStatusFromGrpcCode(-1), 500);
}

TEST_F(JsonApiTest, OAuthErrorPassedThrough) {
  JsonApiReply reply =
      api_.Call("ValidateToken", R"({"token": "oauth"})", absl::Seconds(5));
  ExpectError(reply, 401, 16, "oauth_invalid_grant");
  nlohmann::json body = Json(reply);
  EXPECT_EQ(body.at("oauth_error"), "invalid_grant");
  EXPECT_EQ(body.at("oauth_error_description"), "code already used");
  EXPECT_EQ(body.at("message"), "the provider refused");
}

TEST_F(JsonApiTest, UnimplementedRpc) {
  JsonApiReply reply = api_.Call("GetProviderMetadata", "{}", absl::Seconds(5));
  // No reason from the server (gRPC answered for the fake): "unspecified".
  ExpectError(reply, 501, 12, "unspecified");
}

TEST_F(JsonApiTest, MalformedJsonQuotesNoInput) {
  const char* kBodies[] = {
      R"({"token": "eyJsecret)",                      // unterminated string
      R"(eyJsecret)",                                 // not JSON
      R"({"token": "x"} eyJsecret)",                  // trailing bytes
      R"({"token": "\uZZZZeyJsecret"})",              // bad escape
      R"({"token": 12345678})",                       // wrong type
      R"({"scopeMatch": "eyJsecret"})",               // unknown enum value
      R"({"requiredScopes": [{"a": "eyJsecret"}]})",  // not a string
      R"(["eyJsecret"])",                             // not an object
  };
  for (const char* body : kBodies) {
    JsonApiReply reply = api_.Call("ValidateToken", body, absl::Seconds(5));
    ExpectError(reply, 400, 3, "invalid_argument");
    EXPECT_THAT(reply.body, Not(HasSubstr("eyJ"))) << body;
    EXPECT_THAT(reply.body, Not(HasSubstr("12345678"))) << body;
    EXPECT_THAT(Json(reply).at("message").get<std::string>(),
                HasSubstr("request body is not a JSON ValidateTokenRequest"));
  }
}

TEST_F(JsonApiTest, BadValueNamesTheField) {
  JsonApiReply reply =
      api_.Call("ValidateToken", R"({"scopeMatch": "nope"})", absl::Seconds(5));
  ExpectError(reply, 400, 3, "invalid_argument");
  EXPECT_EQ(Json(reply).at("message"),
            "request body is not a JSON ValidateTokenRequest: bad value of "
            "field scope_match");
}

TEST_F(JsonApiTest, UnknownFieldRefused) {
  JsonApiReply reply = api_.Call(
      "ValidateToken", R"({"token": "ok", "requiredScope": ["admin"]})",
      absl::Seconds(5));
  ExpectError(reply, 400, 3, "invalid_argument");
  EXPECT_EQ(Json(reply).at("message"),
            "request body is not a JSON ValidateTokenRequest: unknown field "
            "\"requiredScope\"");
}

TEST_F(JsonApiTest, UnknownRpc) {
  for (absl::string_view rpc : {"Validate", "", "validatetoken", "Check",
                                "ValidateToken/x", "\n<script>"}) {
    JsonApiReply reply = api_.Call(rpc, "{}", absl::Seconds(5));
    ExpectError(reply, 404, 3, "invalid_argument");
    EXPECT_THAT(reply.body, Not(HasSubstr("<script>")));
    EXPECT_THAT(Json(reply).at("message").get<std::string>(),
                HasSubstr("ValidateToken, ExchangeCode, RefreshToken"));
  }
}

TEST_F(JsonApiTest, OversizeBody) {
  std::string body =
      R"({"token": ")" + std::string(kMaxJsonApiBodyBytes, 'a') + R"("})";
  JsonApiReply reply = api_.Call("ValidateToken", body, absl::Seconds(5));
  ExpectError(reply, 413, 3, "invalid_argument");
  // Exactly the limit is read (and here answered).
  std::string at_limit =
      R"({"token": ")" + std::string(kMaxJsonApiBodyBytes - 13, 'a') + R"("})";
  ASSERT_EQ(at_limit.size(), kMaxJsonApiBodyBytes);
  EXPECT_EQ(api_.Call("ValidateToken", at_limit, absl::Seconds(5)).http_status,
            200);
}

TEST_F(JsonApiTest, Deadline) {
  absl::Time start = absl::Now();
  JsonApiReply reply = api_.Call("ValidateToken", R"({"token": "slow"})",
                                 absl::Milliseconds(50));
  absl::Duration took = absl::Now() - start;
  ExpectError(reply, 504, 4, "unspecified");
  EXPECT_LT(took, absl::Milliseconds(400));
}

TEST_F(JsonApiTest, ConcurrentCalls) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i, &statuses] {
      for (int n = 0; n < 50; ++n) {
        JsonApiReply reply = api_.Call(
            "ValidateToken",
            nlohmann::json{{"token", "ok-" + std::to_string(i)}}.dump(),
            absl::Seconds(5));
        if (reply.http_status != 200 ||
            Json(reply).at("principal").at("subject") !=
                "ok-" + std::to_string(i)) {
          statuses[i] = reply.http_status;
          return;
        }
      }
      statuses[i] = 200;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(statuses, ::testing::Each(200));
}

}  // namespace
}  // namespace authgate::service
