// RedisSessionStore: sessions kept in Redis (hiredis), for several
// authgate-server replicas sharing one set of sessions.
//
// The cookie holds only a ticket: 256 random bits, base64url. Redis keeps
//   authgate:session:{hex SHA-256(ticket)}  the session sealed with the
//                                           key ring (purpose: that key),
//                                           expiring with the session
//   authgate:user:{hex SHA-256(provider \0 subject)}  a set of the user's
//                                           session keys, for DeleteAllFor
// so neither a Redis dump nor its keys reveal a ticket or a token.
//
// Every command runs under the configured timeout on a small pool of
// connections, re-established on failure; an unreachable or failing Redis
// is kUnavailable session_store_unavailable (never a fallback to allow).
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"

#include "authgate/clock.h"

namespace authgate::service {

struct RedisSettings {
  // "redis://[:password@]host:port[/db]" or "unix:///path/redis.sock".
  std::string url = "redis://127.0.0.1:6379/0";
  // A file holding the password (AUTH); re-read when it changes is not
  // needed: connections authenticate when (re)established. Empty: none,
  // or the password in the URL.
  std::string password_file;
  absl::Duration timeout = absl::Milliseconds(500);
  size_t connections = 8;
};

// Connects lazily (the first command); an unreachable Redis at start is not
// an error, only each command's. Errors: kInvalidArgument config_invalid
// for a malformed URL (naming `field`, never the password).
absl::StatusOr<std::unique_ptr<SessionStore>> MakeRedisSessionStore(
    absl::string_view field, const RedisSettings& settings,
    std::shared_ptr<const SessionKeys> keys,
    std::shared_ptr<const Clock> clock = SystemClock());

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_
