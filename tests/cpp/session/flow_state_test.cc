#include "grpc_service/session/flow_state.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate::service {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::MatchesRegex;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

class FlowStateTest : public ::testing::Test {
 protected:
  FlowStateTest() {
    flow_.state = "Zm9vYmFyc3RhdGUxMjM0NTY3ODkwYWJjZGVm";
    flow_.nonce = "nonce-value";
    flow_.code_verifier = "verifier-abcdefghijklmnopqrstuvwxyz0123456789";
    flow_.redirect_uri = "https://app.example.com/oauth2/callback";
    flow_.return_url = "/dashboard?tab=1";
    flow_.provider = "cognito";
    flow_.client_id = "client-1";
    flow_.expires_at = kNow + kFlowLifetime;
    name_ = FlowCookieName("_authgate", flow_.state);
  }
  SessionKeys keys_ = SessionKeys::FromRawKeys({std::string(32, 'k')}).value();
  FlowState flow_;
  std::string name_;
};

TEST_F(FlowStateTest, CookieNameIsPerStateAndStable) {
  EXPECT_THAT(name_, MatchesRegex("_authgate_csrf_[A-Za-z0-9_-]{12}"));
  EXPECT_EQ(FlowCookieName("_authgate", flow_.state), name_);
  EXPECT_NE(FlowCookieName("_authgate", "another state"), name_);
  EXPECT_EQ(name_.find(flow_.state), std::string::npos);
}

TEST_F(FlowStateTest, RoundTrip) {
  std::string sealed = SealFlowState(keys_, name_, flow_).value();
  EXPECT_EQ(sealed.find(flow_.code_verifier), std::string::npos);
  absl::StatusOr<FlowState> back =
      OpenFlowState(keys_, name_, sealed, kNow + absl::Minutes(9));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->state, flow_.state);
  EXPECT_EQ(back->nonce, flow_.nonce);
  EXPECT_EQ(back->code_verifier, flow_.code_verifier);
  EXPECT_EQ(back->redirect_uri, flow_.redirect_uri);
  EXPECT_EQ(back->return_url, flow_.return_url);
  EXPECT_EQ(back->provider, flow_.provider);
  EXPECT_EQ(back->client_id, flow_.client_id);
  EXPECT_EQ(back->expires_at, flow_.expires_at);
  EXPECT_TRUE(FlowStateMatches(*back, flow_.state));
}

TEST_F(FlowStateTest, ExpiredFlowIsStateMismatch) {
  std::string sealed = SealFlowState(keys_, name_, flow_).value();
  EXPECT_THAT(OpenFlowState(keys_, name_, sealed, flow_.expires_at),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kStateMismatch));
}

// A flow cookie opened under another cookie's name (another sign-in's
// state), tampered, sealed with another key or a session value: invalid.
TEST_F(FlowStateTest, ForeignValuesAreSessionInvalid) {
  std::string sealed = SealFlowState(keys_, name_, flow_).value();
  std::string other_name = FlowCookieName("_authgate", "other");
  EXPECT_THAT(OpenFlowState(keys_, other_name, sealed, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  std::string tampered = sealed;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_THAT(OpenFlowState(keys_, name_, tampered, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  SessionKeys other = SessionKeys::FromRawKeys({std::string(32, 'o')}).value();
  EXPECT_THAT(OpenFlowState(other, name_, sealed, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  std::string as_session = keys_.Seal("session:_authgate", "{}").value();
  EXPECT_THAT(OpenFlowState(keys_, name_, as_session, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  // Sealed for this name but not a flow state.
  for (const char* plain : {"{}", "[]", "not json",
                            "{\"state\":1,\"nonce\":\"\",\"cv\":\"\","
                            "\"redirect_uri\":\"\",\"rd\":\"\",\"prov\":\"\","
                            "\"cid\":\"\",\"exp\":1}"}) {
    std::string value = keys_.Seal("flow:" + name_, plain).value();
    EXPECT_THAT(OpenFlowState(keys_, name_, value, kNow),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         ErrorReason::kSessionInvalid))
        << plain;
  }
}

TEST_F(FlowStateTest, StatesCompareExactly) {
  EXPECT_TRUE(FlowStateMatches(flow_, flow_.state));
  EXPECT_FALSE(FlowStateMatches(flow_, flow_.state + "x"));
  EXPECT_FALSE(FlowStateMatches(flow_, flow_.state.substr(1)));
  EXPECT_FALSE(FlowStateMatches(flow_, ""));
  FlowState empty;
  EXPECT_FALSE(FlowStateMatches(empty, ""));
}

}  // namespace
}  // namespace authgate::service
