#include "grpc_service/session/redis_session_store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "grpc_service/session/redis_url.h"

#include "authgate/config_object.h"
#include "authgate/status.h"
#include "base64url.h"
#include "crypto/digest.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace authgate::service {
namespace {

constexpr char kSessionKeyPrefix[] = "authgate:session:";
constexpr char kUserKeyPrefix[] = "authgate:user:";
constexpr size_t kTicketBytes = 32;
// Unpadded base64url of kTicketBytes.
constexpr size_t kTicketChars = (kTicketBytes * 4 + 2) / 3;
// A session's Redis lifetime: its own, at least 1 s (PX 0 is an error) and
// at most a year (an unbounded session must still leave Redis some day).
constexpr absl::Duration kMinTtl = absl::Seconds(1);
constexpr absl::Duration kMaxTtl = absl::Hours(24 * 366);

// SET the sealed session (XX when it updates one, so a session ended
// elsewhere during a refresh is not brought back), add its key to the user's
// set and keep the set at least as long as its longest session. Atomic, one
// round trip. KEYS: session, user set. ARGV: value, ttl ms, "XX" or "".
constexpr char kSaveScript[] = R"lua(
local ok
if ARGV[3] == 'XX' then
  ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX')
else
  ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
if not ok then return 0 end
redis.call('SADD', KEYS[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
)lua";

// KEYS: session, user set (may be absent: a value no key opens).
constexpr char kDeleteScript[] = R"lua(
redis.call('DEL', KEYS[1])
if KEYS[2] then redis.call('SREM', KEYS[2], KEYS[1]) end
return 1
)lua";

// KEYS: user set. Every session it names, then the set.
constexpr char kDeleteAllScript[] = R"lua(
local members = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members
)lua";

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

absl::Status Unavailable(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable,
                   ErrorReason::kSessionStoreUnavailable,
                   absl::StrCat("session store: ", what));
}

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

std::string SessionKey(absl::string_view ticket) {
  return absl::StrCat(kSessionKeyPrefix, Hex(internal::Sha256(ticket)));
}

std::string UserKey(absl::string_view provider, absl::string_view subject) {
  std::string id = absl::StrCat(provider, absl::string_view("\0", 1), subject);
  return absl::StrCat(kUserKeyPrefix, Hex(internal::Sha256(id)));
}

// Only a value Save() could have made is a ticket; anything else is refused
// before Redis sees it.
bool IsTicket(absl::string_view value) {
  if (value.size() != kTicketChars) return false;
  char raw[internal::Base64UrlDecodedSize(kTicketChars)];
  std::optional<size_t> size = internal::Base64UrlDecodeInto(value, raw);
  return size.has_value() && *size == kTicketBytes;
}

// hiredis 0.14 writes with write(2), so a peer that closed its socket raises
// SIGPIPE, whose default action ends the process. Block it on this thread
// for one command and swallow a SIGPIPE the command raised (the EPIPE error
// is reported as a failed command instead).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~SigpipeGuard() {
    if (!blocked_) return;
    if (!was_pending_) {
      timespec zero = {0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
};

// A failed command: why (safe to show; hiredis' errstr is strerror text or a
// fixed phrase, never a command's arguments) and whether a fresh connection
// may succeed where a pooled one failed (the server closed it: a restart).
struct CommandError {
  absl::Status status;
  bool io = false;  // the connection is unusable (else an error reply)
  bool stale_connection = false;
};

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(RedisEndpoint endpoint, std::string username,
                    std::string password, absl::Duration timeout,
                    size_t connections, std::shared_ptr<const SessionKeys> keys,
                    std::shared_ptr<const Clock> clock)
      : endpoint_(std::move(endpoint)),
        username_(std::move(username)),
        password_(std::move(password)),
        timeout_(timeout),
        max_connections_(std::max<size_t>(1, connections)),
        keys_(std::move(keys)),
        clock_(std::move(clock)),
        where_(endpoint_.socket_path.empty()
                   ? absl::StrCat(endpoint_.host, ":", endpoint_.port)
                   : endpoint_.socket_path) {}

  ~RedisSessionStore() override {
    absl::MutexLock lock(&mu_);
    for (redisContext* c : idle_) redisFree(c);
  }

  absl::StatusOr<std::string> Save(const Session& session,
                                   absl::string_view previous) override {
    bool update = IsTicket(previous);
    std::string ticket;
    if (update) {
      ticket = std::string(previous);
    } else {
      absl::StatusOr<std::string> random = internal::RandomBytes(kTicketBytes);
      if (!random.ok()) return random.status();
      ticket = internal::Base64UrlEncode(*random);
    }
    std::string key = SessionKey(ticket);
    // The purpose is the Redis key, so a value copied to another key (or
    // another ticket) does not open.
    absl::StatusOr<std::string> sealed =
        keys_->Seal(key, SerializeSession(session));
    if (!sealed.ok()) return sealed.status();
    absl::Duration ttl =
        std::clamp(session.expires_at - clock_->Now(), kMinTtl, kMaxTtl);
    std::string ttl_ms = absl::StrCat(absl::ToInt64Milliseconds(ttl));
    std::string user_key = UserKey(session.provider, session.user.subject);
    absl::StatusOr<Reply> reply = Run({"EVAL", kSaveScript, "2", key, user_key,
                                       *sealed, ttl_ms, update ? "XX" : ""});
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER) {
      return Unavailable("unexpected reply to a save");
    }
    if ((*reply)->integer == 0) {
      return MakeError(absl::StatusCode::kUnauthenticated,
                       ErrorReason::kSessionMissing,
                       "the session ended while it was being updated");
    }
    return ticket;
  }

  absl::StatusOr<Session> Load(absl::string_view cookie_value) override {
    if (!IsTicket(cookie_value)) return NotATicket();
    std::string key = SessionKey(cookie_value);
    absl::StatusOr<Reply> reply = Run({"GET", key});
    if (!reply.ok()) return reply.status();
    if ((*reply)->type == REDIS_REPLY_NIL) return Missing();
    if ((*reply)->type != REDIS_REPLY_STRING) {
      return Unavailable("unexpected reply to GET");
    }
    return OpenSession(*keys_, key,
                       absl::string_view((*reply)->str, (*reply)->len),
                       clock_->Now());
  }

  absl::Status Delete(absl::string_view cookie_value) override {
    // Not a ticket: nothing of ours to end.
    if (!IsTicket(cookie_value)) return absl::OkStatus();
    std::string key = SessionKey(cookie_value);
    absl::StatusOr<Reply> reply = Run({"GET", key});
    if (!reply.ok()) return reply.status();
    if ((*reply)->type == REDIS_REPLY_NIL) return absl::OkStatus();
    std::optional<std::string> user_key;
    if ((*reply)->type == REDIS_REPLY_STRING) {
      // A value no key opens (retired key) is still deleted, without its
      // user set entry (which expires with the set).
      absl::StatusOr<std::string> plain =
          keys_->Open(key, absl::string_view((*reply)->str, (*reply)->len));
      if (plain.ok()) {
        absl::StatusOr<Session> session = ParseSession(*plain);
        if (session.ok()) {
          user_key = UserKey(session->provider, session->user.subject);
        }
      }
    }
    absl::StatusOr<Reply> deleted =
        user_key.has_value() ? Run({"EVAL", kDeleteScript, "2", key, *user_key})
                             : Run({"EVAL", kDeleteScript, "1", key});
    return deleted.status();
  }

  absl::Status DeleteAllFor(absl::string_view provider,
                            absl::string_view subject) override {
    return Run({"EVAL", kDeleteAllScript, "1", UserKey(provider, subject)})
        .status();
  }

  absl::Status Ping() override {
    absl::StatusOr<Reply> reply = Run({"PING"});
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_STATUS) {
      return Unavailable("unexpected reply to PING");
    }
    return absl::OkStatus();
  }

  absl::string_view kind() const override { return "redis"; }

 private:
  static absl::Status NotATicket() {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kSessionInvalid,
                     "session cookie is not a session ticket");
  }
  static absl::Status Missing() {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kSessionMissing, "no such session");
  }

  // One command on a pooled connection; a connection the server closed (a
  // Redis restart leaves every pooled one so) is dropped, the other idle
  // ones with it, and the command tried once more on a fresh connection.
  absl::StatusOr<Reply> Run(std::initializer_list<absl::string_view> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (absl::string_view arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      absl::StatusOr<redisContext*> context = Acquire(reused);
      if (!context.ok()) return context.status();
      CommandError error;
      absl::StatusOr<Reply> reply = Command(*context, argv, lengths, error);
      if (reply.ok()) {
        Release(*context, /*healthy=*/true);
        return reply;
      }
      if (!error.io) {
        Release(*context, /*healthy=*/true);
        return error.status;
      }
      Release(*context, /*healthy=*/false);
      DropIdle();
      if (!(error.stale_connection && reused && attempt == 0)) {
        return error.status;
      }
    }
  }

  // Runs one command. Fails with an error reply (the connection stays
  // usable) or an I/O error (error.io: the connection must be dropped).
  absl::StatusOr<Reply> Command(redisContext* c,
                                const std::vector<const char*>& argv,
                                const std::vector<size_t>& lengths,
                                CommandError& error) {
    redisReply* raw;
    int saved_errno = 0;
    {
      SigpipeGuard guard;
      errno = 0;
      raw = static_cast<redisReply*>(redisCommandArgv(
          c, static_cast<int>(argv.size()),
          const_cast<const char**>(argv.data()), lengths.data()));
      saved_errno = errno;
    }
    if (raw == nullptr) {
      error.io = true;
      error.stale_connection =
          c->err == REDIS_ERR_EOF ||
          (c->err == REDIS_ERR_IO &&
           (saved_errno == ECONNRESET || saved_errno == EPIPE));
      error.status = IoError(c, saved_errno);
      return error.status;
    }
    Reply reply(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
      // An error reply leaves the protocol in step: the connection stays.
      error.status = ErrorReply(*reply);
      return error.status;
    }
    return reply;
  }

  absl::Status IoError(const redisContext* c, int saved_errno) const {
    if (c->err == REDIS_ERR_IO &&
        (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
      return Unavailable(absl::StrCat("redis at ", where_,
                                      " did not answer within ",
                                      absl::FormatDuration(timeout_)));
    }
    return Unavailable(absl::StrCat("redis at ", where_, ": ", c->errstr));
  }

  // Redis' own error text ("WRONGPASS invalid username-password pair",
  // "OOM command not allowed ...") names no argument; only its first word
  // (the error code) is passed on, to stay short.
  absl::Status ErrorReply(const redisReply& reply) const {
    absl::string_view text(reply.str, reply.len);
    absl::string_view code = text.substr(0, text.find(' '));
    return Unavailable(absl::StrCat("redis at ", where_, " refused a command (",
                                    code.substr(0, 32), ")"));
  }

  absl::StatusOr<redisContext*> Acquire(bool& reused) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < max_connections_;
      };
      if (!mu_.AwaitWithTimeout(absl::Condition(&available), timeout_)) {
        return Unavailable(absl::StrCat("all ", max_connections_,
                                        " connections to redis busy for ",
                                        absl::FormatDuration(timeout_)));
      }
      if (!idle_.empty()) {
        redisContext* c = idle_.back();
        idle_.pop_back();
        reused = true;
        return c;
      }
      ++open_;
    }
    reused = false;
    absl::StatusOr<redisContext*> c = Connect();
    if (!c.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
    }
    return c;
  }

  void Release(redisContext* c, bool healthy) ABSL_LOCKS_EXCLUDED(mu_) {
    if (!healthy) redisFree(c);
    absl::MutexLock lock(&mu_);
    if (healthy) {
      idle_.push_back(c);
    } else {
      --open_;
    }
  }

  // After one connection failed the others were likely cut by the same
  // event (a restart, a failover); reconnecting them now spares each a
  // failed request later.
  void DropIdle() ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<redisContext*> stale;
    {
      absl::MutexLock lock(&mu_);
      stale.swap(idle_);
      open_ -= stale.size();
    }
    for (redisContext* c : stale) redisFree(c);
  }

  absl::StatusOr<redisContext*> Connect() {
    timeval tv = absl::ToTimeval(timeout_);
    redisContext* c =
        endpoint_.socket_path.empty()
            ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                      tv)
            : redisConnectUnixWithTimeout(endpoint_.socket_path.c_str(), tv);
    if (c == nullptr) return Unavailable("cannot allocate a redis connection");
    if (c->err != 0) {
      absl::Status status = Unavailable(
          absl::StrCat("cannot connect to redis at ", where_, ": ", c->errstr));
      redisFree(c);
      return status;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
      redisFree(c);
      return Unavailable("cannot set the redis timeout");
    }
    if (endpoint_.socket_path.empty()) redisEnableKeepAlive(c);
    absl::Status ready = Prepare(c);
    if (!ready.ok()) {
      redisFree(c);
      return ready;
    }
    return c;
  }

  // AUTH and SELECT on a new connection.
  absl::Status Prepare(redisContext* c) {
    CommandError error;
    if (!password_.empty()) {
      std::vector<const char*> argv = {"AUTH"};
      std::vector<size_t> lengths = {4};
      if (!username_.empty()) {
        argv.push_back(username_.data());
        lengths.push_back(username_.size());
      }
      argv.push_back(password_.data());
      lengths.push_back(password_.size());
      absl::StatusOr<Reply> reply = Command(c, argv, lengths, error);
      if (!reply.ok()) {
        // Never the password; an I/O failure keeps its own message.
        if (error.io) return reply.status();
        return Unavailable(absl::StrCat("redis at ", where_,
                                        " refused the password (AUTH failed)"));
      }
    }
    if (endpoint_.db != 0) {
      std::string db = absl::StrCat(endpoint_.db);
      absl::StatusOr<Reply> reply =
          Command(c, {"SELECT", db.c_str()}, {6, db.size()}, error);
      if (!reply.ok()) return reply.status();
    }
    return absl::OkStatus();
  }

  const RedisEndpoint endpoint_;
  const std::string username_;
  const std::string password_;
  const absl::Duration timeout_;
  const size_t max_connections_;
  const std::shared_ptr<const SessionKeys> keys_;
  const std::shared_ptr<const Clock> clock_;
  const std::string where_;  // host:port or socket path, for messages

  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;  // idle and in use
};

std::string PasswordFileField(absl::string_view field) {
  absl::string_view parent = field;
  if (absl::ConsumeSuffix(&parent, ".url")) {
    return absl::StrCat(parent, ".password_file");
  }
  return absl::StrCat(field, ".password_file");
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionStore>> MakeRedisSessionStore(
    absl::string_view field, const RedisSettings& settings,
    std::shared_ptr<const SessionKeys> keys,
    std::shared_ptr<const Clock> clock) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(field, settings.url);
  if (!endpoint.ok()) return endpoint.status();
  std::string password = endpoint->password;
  if (!settings.password_file.empty()) {
    absl::StatusOr<std::string> text =
        ReadConfigFile(PasswordFileField(field), settings.password_file);
    if (!text.ok()) return text.status();
    password = std::string(absl::StripAsciiWhitespace(*text));
    if (password.empty()) {
      return ConfigFieldError(
          PasswordFileField(field),
          absl::StrCat(QuoteConfigText(settings.password_file), " is empty"));
    }
  }
  if (settings.timeout <= absl::ZeroDuration()) {
    return ConfigFieldError(field, "the redis timeout must be positive");
  }
  std::string username = endpoint->username;
  return std::unique_ptr<SessionStore>(std::make_unique<RedisSessionStore>(
      *std::move(endpoint), std::move(username), std::move(password),
      settings.timeout, settings.connections, std::move(keys),
      std::move(clock)));
}

}  // namespace authgate::service
