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
// `connections` connections, re-established on failure (a command that
// finds its pooled connection closed by a Redis restart is retried once on
// a fresh one); an unreachable, hanging or failing Redis is kUnavailable
// session_store_unavailable within about the timeout (never a fallback to
// allow). Save, Delete and DeleteAllFor are one atomic Lua script each
// (EVAL), so Redis 2.6 or later; no Redis Cluster (the user set and its
// sessions live in different slots).
//
// Beyond SessionStore's contract: a cookie value that is not a ticket is
// session_invalid for Load and a no-op for Delete, without contacting
// Redis; Save with a `previous` ticket whose session is gone (signed out
// everywhere during a refresh) does not bring it back and fails with
// kUnauthenticated session_missing.
//
//   RedisSettings redis;
//   redis.url = "redis://10.0.0.5:6379/0";
//   std::unique_ptr<SessionStore> store =
//       MakeRedisSessionStore("web.session_store.url", redis, keys).value();
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_settings.h"
#include "grpc_service/session/session_store.h"

#include "authgate/clock.h"

namespace authgate::service {

// Connects lazily (the first command); an unreachable Redis at start is not
// an error, only each command's. The password file is read here (trimmed;
// it overrides a password in the URL). Errors: kInvalidArgument
// config_invalid for a malformed URL (naming `field`, never the password),
// an unreadable or empty password file (naming `field` with ".url"
// replaced by ".password_file"), a timeout that is not positive.
absl::StatusOr<std::unique_ptr<SessionStore>> MakeRedisSessionStore(
    absl::string_view field, const RedisSettings& settings,
    std::shared_ptr<const SessionKeys> keys,
    std::shared_ptr<const Clock> clock = SystemClock());

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_REDIS_SESSION_STORE_H_
