// The session's JSON form (session.h) and the cookie session store.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpc_service/session/session.h"
#include "grpc_service/session/session_store.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace authgate::service {
namespace {

using ::authgate::testing::FakeClock;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::ElementsAre;

Session MakeSession(absl::Time now) {
  Session s;
  s.provider = "cognito";
  s.client_id = "client-1";
  s.user.subject = "3f1c0a7e-sub";
  s.user.username = "alice";
  s.user.email = "alice@example.com";
  s.user.email_verified = true;
  s.user.name = "Alice \xc3\x89lise";
  s.user.groups = {"admins", "dev"};
  s.access_token = "eyJ.access.token";
  s.id_token = "eyJ.id.token";
  s.refresh_token = "refresh-token-secret";
  s.access_expires_at = now + absl::Hours(1);
  s.created_at = now;
  s.expires_at = now + absl::Hours(168);
  return s;
}

void ExpectSameSession(const Session& a, const Session& b) {
  EXPECT_EQ(a.provider, b.provider);
  EXPECT_EQ(a.client_id, b.client_id);
  EXPECT_EQ(a.user.subject, b.user.subject);
  EXPECT_EQ(a.user.username, b.user.username);
  EXPECT_EQ(a.user.email, b.user.email);
  EXPECT_EQ(a.user.email_verified, b.user.email_verified);
  EXPECT_EQ(a.user.name, b.user.name);
  EXPECT_EQ(a.user.groups, b.user.groups);
  EXPECT_EQ(a.access_token, b.access_token);
  EXPECT_EQ(a.id_token, b.id_token);
  EXPECT_EQ(a.refresh_token, b.refresh_token);
  EXPECT_EQ(a.access_expires_at, b.access_expires_at);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.expires_at, b.expires_at);
}

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

TEST(SessionJsonTest, RoundTripsWithUnixSeconds) {
  Session s = MakeSession(kNow);
  std::string text = SerializeSession(s);
  nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["exp"], 1700000000 + 168 * 3600);
  EXPECT_EQ(doc["iat"], 1700000000);
  absl::StatusOr<Session> back = ParseSession(text);
  ASSERT_THAT(back, IsOk());
  ExpectSameSession(*back, s);
}

// Provider text that is not UTF-8 is replaced, not a failure to save.
TEST(SessionJsonTest, InvalidUtf8IsReplaced) {
  Session s = MakeSession(kNow);
  s.user.name = "bad \xff byte";
  absl::StatusOr<Session> back = ParseSession(SerializeSession(s));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->user.name, "bad \xef\xbf\xbd byte");
}

TEST(SessionJsonTest, DefaultSessionRoundTrips) {
  Session s;
  absl::StatusOr<Session> back = ParseSession(SerializeSession(s));
  ASSERT_THAT(back, IsOk());
  ExpectSameSession(*back, s);
  EXPECT_EQ(back->expires_at, absl::InfinitePast());
}

// A session is ours: a missing, extra or mistyped member, another
// version or non-JSON is session_invalid, never a partial session.
TEST(SessionJsonTest, AnyDeviationIsSessionInvalid) {
  nlohmann::json good =
      nlohmann::json::parse(SerializeSession(MakeSession(kNow)));
  std::vector<std::string> bad = {"",
                                  "null",
                                  "[]",
                                  "{}",
                                  "{\"v\":1}",
                                  "not json",
                                  SerializeSession(MakeSession(kNow)) + "x"};
  for (const auto& item : good.items()) {
    nlohmann::json missing = good;
    missing.erase(item.key());
    bad.push_back(missing.dump());
    nlohmann::json mistyped = good;
    mistyped[item.key()] = nlohmann::json::object();
    bad.push_back(mistyped.dump());
  }
  nlohmann::json extra = good;
  extra["unknown"] = 1;
  bad.push_back(extra.dump());
  nlohmann::json version = good;
  version["v"] = 2;
  bad.push_back(version.dump());
  nlohmann::json group = good;
  group["groups"] = {"a", 1};
  bad.push_back(group.dump());
  std::string repeated = good.dump();
  repeated.insert(1, "\"sub\":\"mallory\",");
  bad.push_back(repeated);
  nlohmann::json float_time = good;
  float_time["exp"] = 1.5;
  bad.push_back(float_time.dump());
  for (const std::string& text : bad) {
    absl::StatusOr<Session> parsed = ParseSession(text);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kUnauthenticated,
                                 ErrorReason::kSessionInvalid))
        << text;
    EXPECT_EQ(parsed.status().message().find("refresh-token-secret"),
              absl::string_view::npos);
  }
}

class CookieSessionStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(kNow);
  std::shared_ptr<const SessionKeys> keys_ = std::make_shared<SessionKeys>(
      SessionKeys::FromRawKeys({std::string(32, 'k')}).value());
  std::unique_ptr<SessionStore> store_ =
      MakeCookieSessionStore(keys_, "_authgate", clock_);
};

TEST_F(CookieSessionStoreTest, SaveLoadRoundTripWithNoTokenInClear) {
  Session s = MakeSession(kNow);
  absl::StatusOr<std::string> value = store_->Save(s, "");
  ASSERT_THAT(value, IsOk());
  for (const std::string& secret :
       {s.access_token, s.id_token, s.refresh_token}) {
    EXPECT_EQ(value->find(secret), std::string::npos);
  }
  absl::StatusOr<Session> back = store_->Load(*value);
  ASSERT_THAT(back, IsOk());
  ExpectSameSession(*back, s);
  EXPECT_EQ(store_->kind(), "cookie");
  EXPECT_THAT(store_->Ping(), IsOk());
}

TEST_F(CookieSessionStoreTest, PastExpiresAtIsSessionExpired) {
  std::string value = store_->Save(MakeSession(kNow), "").value();
  clock_->Advance(absl::Hours(168) - absl::Seconds(1));
  EXPECT_THAT(store_->Load(value), IsOk());
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(store_->Load(value), StatusIs(absl::StatusCode::kUnauthenticated,
                                            ErrorReason::kSessionExpired));
}

// Tampered, truncated, another cookie name's value, a flow cookie, a
// retired key: session_invalid.
TEST_F(CookieSessionStoreTest, ForeignValuesAreSessionInvalid) {
  std::string value = store_->Save(MakeSession(kNow), "").value();
  std::string tampered = value;
  tampered[value.size() / 2] = tampered[value.size() / 2] == 'A' ? 'B' : 'A';
  auto other_name = MakeCookieSessionStore(keys_, "_other", clock_);
  auto retired = MakeCookieSessionStore(
      std::make_shared<SessionKeys>(
          SessionKeys::FromRawKeys({std::string(32, 'n')}).value()),
      "_authgate", clock_);
  for (const std::string& bad :
       {tampered, value.substr(0, value.size() - 10), std::string(""),
        std::string("garbage!"), keys_->Seal("flow:_authgate", "{}").value(),
        keys_->Seal("session:_authgate", "not a session").value()}) {
    EXPECT_THAT(store_->Load(bad), StatusIs(absl::StatusCode::kUnauthenticated,
                                            ErrorReason::kSessionInvalid))
        << bad.substr(0, 40);
  }
  EXPECT_THAT(other_name->Load(value),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
  EXPECT_THAT(retired->Load(value), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionInvalid));
}

TEST_F(CookieSessionStoreTest, DeleteIsANoOpAndDeleteAllForIsRefused) {
  std::string value = store_->Save(MakeSession(kNow), "").value();
  EXPECT_THAT(store_->Delete(value), IsOk());
  EXPECT_THAT(store_->Delete("garbage"), IsOk());
  absl::Status all = store_->DeleteAllFor("cognito", "3f1c0a7e-sub");
  EXPECT_THAT(all, StatusIs(absl::StatusCode::kFailedPrecondition,
                            ErrorReason::kConfigInvalid));
  EXPECT_THAT(
      std::string(all.message()),
      ::testing::StartsWith("the cookie session store keeps no sessions"));
}

// A refresh saves a new value (fresh nonce) that opens to the new tokens.
TEST_F(CookieSessionStoreTest, SaveAfterRefreshGivesANewValue) {
  Session s = MakeSession(kNow);
  std::string first = store_->Save(s, "").value();
  s.access_token = "eyJ.access.token.2";
  std::string second = store_->Save(s, first).value();
  EXPECT_NE(first, second);
  EXPECT_EQ(store_->Load(second)->access_token, "eyJ.access.token.2");
}

}  // namespace
}  // namespace authgate::service
