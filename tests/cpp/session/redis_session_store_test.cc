// RedisSessionStore against a real redis-server started on loopback by the
// fixture (skipped only when /usr/bin/redis-server is absent), and the
// redis:// / unix:// URL parser.
#include "grpc_service/session/redis_session_store.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc_service/session/redis_url.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char** environ;

namespace authgate::service {
namespace {

using ::authgate::testing::FakeClock;
using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRedisServer[] = "/usr/bin/redis-server";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// One redis-server process: no persistence, loopback only.
class RedisServer {
 public:
  explicit RedisServer(std::string password = "", std::string unix_socket = "")
      : port_(unix_socket.empty() ? FreePort() : 0),
        password_(std::move(password)),
        unix_socket_(std::move(unix_socket)) {}
  ~RedisServer() { Stop(); }

  bool Start() {
    std::vector<std::string> args = {
        kRedisServer, "--port", std::to_string(port_), "--bind", "127.0.0.1",
        "--save",     "",       "--appendonly",        "no"};
    if (!password_.empty()) {
      args.insert(args.end(), {"--requirepass", password_});
    }
    if (!unix_socket_.empty()) {
      args.insert(args.end(), {"--unixsocket", unix_socket_});
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, kRedisServer, &actions, nullptr, argv.data(),
                         environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    for (int i = 0; i < 250; ++i) {
      if (Answers()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

  // A direct client for checks the store does not offer.
  redisContext* Admin() {
    redisContext* c = unix_socket_.empty()
                          ? redisConnect("127.0.0.1", port_)
                          : redisConnectUnix(unix_socket_.c_str());
    if (c != nullptr && c->err == 0 && !password_.empty()) {
      freeReplyObject(redisCommand(c, "AUTH %s", password_.c_str()));
    }
    return c;
  }

  int port() const { return port_; }
  std::string url() const {
    return absl::StrCat("redis://127.0.0.1:", port_, "/0");
  }

 private:
  bool Answers() {
    redisContext* c = Admin();
    bool ok = false;
    if (c != nullptr && c->err == 0) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = reply != nullptr && (reply->type == REDIS_REPLY_STATUS ||
                                reply->type == REDIS_REPLY_ERROR);
      if (reply != nullptr) freeReplyObject(reply);
    }
    if (c != nullptr) redisFree(c);
    return ok;
  }

  int port_;
  std::string password_;
  std::string unix_socket_;
  pid_t pid_ = 0;
};

struct AdminReply {
  explicit AdminReply(void* r) : reply(static_cast<redisReply*>(r)) {}
  ~AdminReply() {
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisReply* reply;
};

Session MakeSession(absl::Time now, std::string subject,
                    std::string provider = "cognito") {
  Session s;
  s.provider = std::move(provider);
  s.client_id = "client-1";
  s.user.subject = std::move(subject);
  s.user.username = "alice";
  s.user.email = "alice@example.com";
  s.user.groups = {"admins"};
  s.access_token = "eyJACCESS." + s.user.subject;
  s.id_token = "eyJIDTOKEN." + s.user.subject;
  s.refresh_token = "REFRESHSECRET-" + s.user.subject;
  s.access_expires_at = now + absl::Hours(1);
  s.created_at = now;
  s.expires_at = now + absl::Hours(2);
  return s;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

class RedisSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kRedisServer, X_OK) != 0) {
      GTEST_SKIP() << kRedisServer << " is not installed";
    }
    ASSERT_TRUE(server_.Start());
    store_ = MakeStore(server_.url());
  }

  std::unique_ptr<SessionStore> MakeStore(
      const std::string& url, const std::string& password_file = "") {
    RedisSettings settings;
    settings.url = url;
    settings.password_file = password_file;
    settings.timeout = kTimeout;
    settings.connections = 4;
    absl::StatusOr<std::unique_ptr<SessionStore>> store =
        MakeRedisSessionStore("web.session_store.url", settings, keys_, clock_);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  static constexpr absl::Duration kTimeout = absl::Milliseconds(300);
  const absl::Time now_ =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(now_);
  std::shared_ptr<const SessionKeys> keys_ = std::make_shared<SessionKeys>(
      SessionKeys::FromRawKeys({std::string(32, 'k')}).value());
  RedisServer server_;
  std::unique_ptr<SessionStore> store_;
};

TEST_F(RedisSessionStoreTest, SaveLoadRoundTrip) {
  Session s = MakeSession(now_, "alice-sub");
  absl::StatusOr<std::string> ticket = store_->Save(s, "");
  ASSERT_THAT(ticket, IsOk());
  EXPECT_THAT(*ticket, ::testing::MatchesRegex("[A-Za-z0-9_-]{43}"));
  absl::StatusOr<Session> back = store_->Load(*ticket);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->user.subject, "alice-sub");
  EXPECT_EQ(back->refresh_token, s.refresh_token);
  EXPECT_EQ(back->expires_at, s.expires_at);
  EXPECT_EQ(store_->kind(), "redis");
  EXPECT_THAT(store_->Ping(), IsOk());
  // Two sign-ins get two tickets.
  EXPECT_NE(store_->Save(s, "").value(), *ticket);
}

TEST_F(RedisSessionStoreTest, UpdateKeepsTheTicket) {
  Session s = MakeSession(now_, "alice-sub");
  std::string ticket = store_->Save(s, "").value();
  s.access_token = "eyJACCESS.refreshed";
  EXPECT_EQ(store_->Save(s, ticket).value(), ticket);
  EXPECT_EQ(store_->Load(ticket)->access_token, "eyJACCESS.refreshed");
  // A previous value that is no ticket starts a new session.
  std::string fresh = store_->Save(s, "not-a-ticket").value();
  EXPECT_NE(fresh, ticket);
}

// A session ended elsewhere (sign out everywhere) while a refresh was in
// flight is not brought back by the refresh's Save.
TEST_F(RedisSessionStoreTest, UpdateDoesNotResurrectADeletedSession) {
  Session s = MakeSession(now_, "alice-sub");
  std::string ticket = store_->Save(s, "").value();
  ASSERT_THAT(store_->DeleteAllFor("cognito", "alice-sub"), IsOk());
  EXPECT_THAT(store_->Save(s, ticket),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionMissing));
  EXPECT_THAT(store_->Load(ticket), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionMissing));
}

TEST_F(RedisSessionStoreTest, DeleteMakesLoadSessionMissing) {
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  ASSERT_THAT(store_->Delete(ticket), IsOk());
  EXPECT_THAT(store_->Load(ticket), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionMissing));
  EXPECT_THAT(store_->Delete(ticket), IsOk());  // twice is fine
  EXPECT_THAT(store_->Delete("garbage"), IsOk());
}

TEST_F(RedisSessionStoreTest, DeleteAllForEndsThatUsersSessionsOnly) {
  std::string a1 = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  std::string a2 = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  std::string b = store_->Save(MakeSession(now_, "bob-sub"), "").value();
  std::string a_other =
      store_->Save(MakeSession(now_, "alice-sub", "okta"), "").value();
  ASSERT_THAT(store_->DeleteAllFor("cognito", "alice-sub"), IsOk());
  for (const std::string& gone : {a1, a2}) {
    EXPECT_THAT(store_->Load(gone), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionMissing));
  }
  EXPECT_THAT(store_->Load(b), IsOk());
  EXPECT_THAT(store_->Load(a_other), IsOk());
  EXPECT_THAT(store_->DeleteAllFor("cognito", "nobody"), IsOk());
  // Only bob's and okta-alice's sessions and their two user sets remain.
  redisContext* admin = server_.Admin();
  AdminReply keys(redisCommand(admin, "KEYS *"));
  ASSERT_NE(keys.reply, nullptr);
  EXPECT_EQ(keys.reply->elements, 4u);
  redisFree(admin);
}

TEST_F(RedisSessionStoreTest, TtlFollowsExpiresAt) {
  Session s = MakeSession(now_, "alice-sub");  // expires in 2 h
  store_->Save(s, "").value();
  Session soon = MakeSession(now_, "bob-sub");
  soon.expires_at = now_ - absl::Seconds(5);  // already over: 1 s minimum
  store_->Save(soon, "").value();
  redisContext* admin = server_.Admin();
  AdminReply keys(redisCommand(admin, "KEYS authgate:*"));
  ASSERT_NE(keys.reply, nullptr);
  ASSERT_EQ(keys.reply->elements, 4u);
  int long_sessions = 0;
  int short_keys = 0;
  for (size_t i = 0; i < keys.reply->elements; ++i) {
    AdminReply ttl(redisCommand(admin, "PTTL %s", keys.reply->element[i]->str));
    ASSERT_EQ(ttl.reply->type, REDIS_REPLY_INTEGER);
    if (ttl.reply->integer > 7190 * 1000) {
      EXPECT_LE(ttl.reply->integer, 7200 * 1000);
      ++long_sessions;
    } else {
      EXPECT_GT(ttl.reply->integer, 0);
      EXPECT_LE(ttl.reply->integer, 1000);
      ++short_keys;
    }
  }
  // alice's session and set last 2 h; bob's session and set 1 s.
  EXPECT_EQ(long_sessions, 2);
  EXPECT_EQ(short_keys, 2);
  redisFree(admin);
}

TEST_F(RedisSessionStoreTest, PastExpiresAtIsSessionExpired) {
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  clock_->Advance(absl::Hours(2));
  EXPECT_THAT(store_->Load(ticket), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionExpired));
}

TEST_F(RedisSessionStoreTest, NothingSecretInRedis) {
  Session s = MakeSession(now_, "alice-sub");
  std::string ticket = store_->Save(s, "").value();
  redisContext* admin = server_.Admin();
  AdminReply keys(redisCommand(admin, "KEYS *"));
  ASSERT_EQ(keys.reply->elements, 2u);
  for (size_t i = 0; i < keys.reply->elements; ++i) {
    std::string key = keys.reply->element[i]->str;
    EXPECT_THAT(key, Not(HasSubstr(ticket)));
    EXPECT_THAT(key, Not(HasSubstr("alice")));
    AdminReply type(redisCommand(admin, "TYPE %s", key.c_str()));
    std::string contents;
    if (std::string(type.reply->str) == "string") {
      AdminReply value(redisCommand(admin, "GET %s", key.c_str()));
      contents.assign(value.reply->str, value.reply->len);
    } else {
      AdminReply members(redisCommand(admin, "SMEMBERS %s", key.c_str()));
      for (size_t j = 0; j < members.reply->elements; ++j) {
        contents += members.reply->element[j]->str;
      }
    }
    for (const std::string& secret :
         {s.access_token, s.id_token, s.refresh_token, ticket,
          std::string("eyJ"), std::string("REFRESHSECRET")}) {
      EXPECT_THAT(contents, Not(HasSubstr(secret))) << key;
    }
  }
  redisFree(admin);
}

TEST_F(RedisSessionStoreTest, UnknownTicketIsSessionMissing) {
  EXPECT_THAT(store_->Load(std::string(43, 'A')),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionMissing));
}

// Garbage is refused before Redis is asked: even with Redis down it is
// session_invalid, not session_store_unavailable.
TEST_F(RedisSessionStoreTest, GarbageIsSessionInvalidWithoutRedis) {
  server_.Stop();
  std::string sealed_cookie =
      keys_->Seal("session:_authgate", "{}").value();  // a cookie-store value
  for (const std::string& bad :
       {std::string(""), std::string("garbage"), std::string(42, 'A'),
        std::string(44, 'A'), std::string(43, '*'),
        std::string(42, 'A') + "B",  // non-canonical last character
        sealed_cookie}) {
    EXPECT_THAT(store_->Load(bad), StatusIs(absl::StatusCode::kUnauthenticated,
                                            ErrorReason::kSessionInvalid))
        << bad;
    EXPECT_THAT(store_->Delete(bad), IsOk());
  }
}

// A value moved to another session's key does not open there.
TEST_F(RedisSessionStoreTest, SwappedValueIsSessionInvalid) {
  std::string a = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  std::string b = store_->Save(MakeSession(now_, "bob-sub"), "").value();
  redisContext* admin = server_.Admin();
  AdminReply keys(redisCommand(admin, "KEYS authgate:session:*"));
  ASSERT_EQ(keys.reply->elements, 2u);
  std::string k0 = keys.reply->element[0]->str;
  std::string k1 = keys.reply->element[1]->str;
  AdminReply v0(redisCommand(admin, "GET %s", k0.c_str()));
  AdminReply set(redisCommand(admin, "SET %s %b KEEPTTL", k1.c_str(),
                              v0.reply->str, v0.reply->len));
  redisFree(admin);
  // One of the two tickets now names a value sealed for the other key.
  absl::StatusOr<Session> la = store_->Load(a);
  absl::StatusOr<Session> lb = store_->Load(b);
  EXPECT_NE(la.ok(), lb.ok());
  EXPECT_THAT(la.ok() ? lb.status() : la.status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionInvalid));
}

TEST_F(RedisSessionStoreTest, StoppedRedisIsUnavailableWithinTheTimeout) {
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  server_.Stop();
  absl::Time start = absl::Now();
  EXPECT_THAT(store_->Load(ticket),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(store_->Save(MakeSession(now_, "x"), ""),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(store_->Delete(ticket),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(store_->DeleteAllFor("cognito", "alice-sub"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(store_->Ping(), StatusIs(absl::StatusCode::kUnavailable,
                                       ErrorReason::kSessionStoreUnavailable));
  EXPECT_LT(absl::Now() - start, 5 * kTimeout);
}

// SIGSTOP: connections are accepted by the kernel but never answered; each
// command gives up after the timeout instead of hanging.
TEST_F(RedisSessionStoreTest, HangingRedisIsUnavailableWithinTheTimeout) {
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  server_.Pause();
  absl::Time start = absl::Now();
  absl::StatusOr<Session> loaded = store_->Load(ticket);
  absl::Duration took = absl::Now() - start;
  server_.Resume();
  EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kUnavailable,
                               ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("within"));
  EXPECT_GE(took, kTimeout - absl::Milliseconds(50));
  EXPECT_LT(took, kTimeout + absl::Seconds(1));
  // Resumed: the dropped connection is replaced.
  EXPECT_THAT(store_->Load(ticket), IsOk());
}

TEST_F(RedisSessionStoreTest, RestartedRedisWorksAgain) {
  // Fill the pool with idle connections first.
  for (int i = 0; i < 3; ++i) ASSERT_THAT(store_->Ping(), IsOk());
  server_.Stop();
  EXPECT_THAT(store_->Ping(), StatusIs(absl::StatusCode::kUnavailable,
                                       ErrorReason::kSessionStoreUnavailable));
  ASSERT_TRUE(server_.Start());  // same port, empty (no persistence)
  EXPECT_THAT(store_->Ping(), IsOk());
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  EXPECT_THAT(store_->Load(ticket), IsOk());
}

// Restarted while the pool held connections: the first command after the
// restart does not fail (its stale connection is retried once).
TEST_F(RedisSessionStoreTest, RestartBehindIdleConnectionsIsInvisible) {
  std::string ticket = store_->Save(MakeSession(now_, "alice-sub"), "").value();
  server_.Stop();
  ASSERT_TRUE(server_.Start());
  EXPECT_THAT(store_->Load(ticket), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionMissing));
}

TEST_F(RedisSessionStoreTest, UrlDatabaseIsSelected) {
  std::unique_ptr<SessionStore> db3 =
      MakeStore(absl::StrCat("redis://127.0.0.1:", server_.port(), "/3"));
  std::string ticket = db3->Save(MakeSession(now_, "alice-sub"), "").value();
  EXPECT_THAT(db3->Load(ticket), IsOk());
  EXPECT_THAT(store_->Load(ticket), StatusIs(absl::StatusCode::kUnauthenticated,
                                             ErrorReason::kSessionMissing));
  redisContext* admin = server_.Admin();
  AdminReply select(redisCommand(admin, "SELECT 3"));
  AdminReply size(redisCommand(admin, "DBSIZE"));
  EXPECT_EQ(size.reply->integer, 2);
  redisFree(admin);
}

class RedisPasswordTest : public RedisSessionStoreTest {
 protected:
  void SetUp() override {
    if (access(kRedisServer, X_OK) != 0) {
      GTEST_SKIP() << kRedisServer << " is not installed";
    }
    ASSERT_TRUE(protected_server_.Start());
  }
  RedisServer protected_server_{"s3cret-Redis-pw"};
};

TEST_F(RedisPasswordTest, PasswordFileAuthenticates) {
  std::string url =
      absl::StrCat("redis://127.0.0.1:", protected_server_.port());
  std::unique_ptr<SessionStore> store =
      MakeStore(url, WriteFile("redis_pw", "  s3cret-Redis-pw\n"));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Ping(), IsOk());
  std::string ticket = store->Save(MakeSession(now_, "alice-sub"), "").value();
  EXPECT_THAT(store->Load(ticket), IsOk());
  // The URL's password works too.
  std::unique_ptr<SessionStore> by_url = MakeStore(absl::StrCat(
      "redis://:s3cret-Redis-pw@127.0.0.1:", protected_server_.port()));
  EXPECT_THAT(by_url->Load(ticket), IsOk());
}

TEST_F(RedisPasswordTest, WrongOrMissingPasswordIsUnavailableNamingNoPassword) {
  std::string url =
      absl::StrCat("redis://127.0.0.1:", protected_server_.port());
  std::unique_ptr<SessionStore> wrong =
      MakeStore(url, WriteFile("redis_pw_wrong", "Wrong-Guess-pw\n"));
  absl::Status status = wrong->Ping();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(std::string(status.message()), HasSubstr("AUTH failed"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("Wrong-Guess-pw")));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cret")));

  std::unique_ptr<SessionStore> none = MakeStore(url);
  absl::StatusOr<Session> loaded = none->Load(std::string(43, 'A'));
  EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kUnavailable,
                               ErrorReason::kSessionStoreUnavailable));
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("NOAUTH"));
}

TEST(RedisSessionStoreConfigTest, BadSettingsAreConfigInvalid) {
  auto keys = std::make_shared<SessionKeys>(
      SessionKeys::FromRawKeys({std::string(32, 'k')}).value());
  RedisSettings settings;
  settings.url = "http://:hunter2@host";
  absl::StatusOr<std::unique_ptr<SessionStore>> store =
      MakeRedisSessionStore("web.session_store.url", settings, keys);
  EXPECT_THAT(store, StatusIs(absl::StatusCode::kInvalidArgument,
                              ErrorReason::kConfigInvalid));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("web.session_store.url"));
  EXPECT_THAT(std::string(store.status().message()), Not(HasSubstr("hunter2")));

  settings.url = "redis://127.0.0.1:6379";
  settings.password_file = ::testing::TempDir() + "/no-such-password-file";
  store = MakeRedisSessionStore("web.session_store.url", settings, keys);
  EXPECT_THAT(store, StatusIs(absl::StatusCode::kInvalidArgument,
                              ErrorReason::kConfigInvalid));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("web.session_store.password_file"));

  settings.password_file = WriteFile("redis_pw_empty", " \n");
  EXPECT_THAT(MakeRedisSessionStore("web.session_store.url", settings, keys),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));

  settings.password_file.clear();
  settings.timeout = absl::ZeroDuration();
  EXPECT_THAT(MakeRedisSessionStore("web.session_store.url", settings, keys),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

TEST_F(RedisSessionStoreTest, UnixSocket) {
  // Not under TempDir(): Bazel's is longer than a socket path may be (108).
  std::string path =
      absl::StrCat("/tmp/authgate-redis-test-", getpid(), ".sock");
  unlink(path.c_str());
  RedisServer socket_server("", path);
  ASSERT_TRUE(socket_server.Start());
  std::unique_ptr<SessionStore> store = MakeStore("unix://" + path);
  std::string ticket = store->Save(MakeSession(now_, "alice-sub"), "").value();
  EXPECT_THAT(store->Load(ticket), IsOk());
  socket_server.Stop();
  unlink(path.c_str());
}

TEST(ParseRedisUrlTest, AcceptedForms) {
  RedisEndpoint e = ParseRedisUrl("f", "redis://127.0.0.1:6379/0").value();
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);
  EXPECT_TRUE(e.password.empty());

  e = ParseRedisUrl("f", "redis://cache.internal").value();
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6379);

  e = ParseRedisUrl("f", "redis://:p%40ss%3Aw@[::1]:7000/15").value();
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.db, 15);
  EXPECT_EQ(e.password, "p@ss:w");
  EXPECT_TRUE(e.username.empty());

  e = ParseRedisUrl("f", "redis://authgate:pw@host:1/").value();
  EXPECT_EQ(e.username, "authgate");
  EXPECT_EQ(e.password, "pw");
  EXPECT_EQ(e.db, 0);

  e = ParseRedisUrl("f", "redis://onlypassword@host").value();
  EXPECT_EQ(e.password, "onlypassword");
  EXPECT_TRUE(e.username.empty());

  e = ParseRedisUrl("f", "unix:///run/redis/redis.sock").value();
  EXPECT_EQ(e.socket_path, "/run/redis/redis.sock");
  EXPECT_TRUE(e.host.empty());
  e = ParseRedisUrl("f", "unix:///run/redis.sock?db=2").value();
  EXPECT_EQ(e.socket_path, "/run/redis.sock");
  EXPECT_EQ(e.db, 2);
}

TEST(ParseRedisUrlTest, RefusedFormsNameTheFieldNeverThePassword) {
  for (const char* url : {"",
                          "127.0.0.1:6379",
                          "rediss://host",
                          "http://host",
                          "redis://",
                          "redis://:pw@",
                          "redis://host:",
                          "redis://host:0",
                          "redis://host:65536",
                          "redis://host:http",
                          "redis://host:+1",
                          "redis://host/x",
                          "redis://host/-1",
                          "redis://host/1?timeout=1",
                          "redis://::1:6379",
                          "redis://[::1",
                          "redis://[::1]x",
                          "redis://ho st",
                          "redis://:pw%zz@host",
                          "redis://:pw%4@host",
                          "unix://",
                          "unix://relative.sock",
                          "unix:///s.sock?db=x",
                          "unix:///s.sock?x=1"}) {
    absl::StatusOr<RedisEndpoint> e =
        ParseRedisUrl("web.session_store.url", url);
    EXPECT_THAT(e, StatusIs(absl::StatusCode::kInvalidArgument,
                            ErrorReason::kConfigInvalid))
        << url;
    EXPECT_THAT(std::string(e.status().message()),
                HasSubstr("web.session_store.url"));
    EXPECT_THAT(std::string(e.status().message()), Not(HasSubstr("pw")));
  }
}

}  // namespace
}  // namespace authgate::service
