// SessionStore: where browser sessions live. The session cookie holds what
// Save() returns: the sealed session itself (CookieSessionStore, the
// default: no server state) or an opaque random ticket naming the session
// in a shared store (RedisSessionStore, for fleets: every replica reads the
// same sessions, and a deleted one is refused everywhere at once). Further
// stores implement this interface.
//
// Thread-safe: one store serves every request.
//
//   std::unique_ptr<SessionStore> store = MakeCookieSessionStore(keys);
//   std::string cookie_value = store->Save(session, "").value();
//   absl::StatusOr<Session> back = store->Load(cookie_value);
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_SESSION_STORE_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_SESSION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc_service/session/session.h"
#include "grpc_service/session/session_keys.h"

#include "authgate/clock.h"

namespace authgate::service {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Stores `session` (kept until session.expires_at) and returns the
  // session cookie's value. `previous` is the cookie value the request
  // carried when this updates an existing session (after a refresh), else
  // empty: the Redis store then keeps the same ticket. Errors: kUnavailable
  // session_store_unavailable; those of SessionKeys::Seal.
  virtual absl::StatusOr<std::string> Save(const Session& session,
                                           absl::string_view previous) = 0;

  // The session a cookie value names. Errors: kUnauthenticated
  // session_missing (no such session: signed out, expired in the store),
  // session_invalid (the value is not one of ours: tampered, truncated,
  // swapped, sealed with a retired key), session_expired (past
  // expires_at); kUnavailable session_store_unavailable.
  virtual absl::StatusOr<Session> Load(absl::string_view cookie_value) = 0;

  // Ends the session the cookie value names (nothing to do for the cookie
  // store: the browser's cookie is cleared). Errors: session_store_unavailable.
  virtual absl::Status Delete(absl::string_view cookie_value) = 0;

  // Ends every session of `subject` at `provider` ("sign out everywhere").
  // Errors: kFailedPrecondition config_invalid for a store that cannot (the
  // cookie store keeps nothing); session_store_unavailable.
  virtual absl::Status DeleteAllFor(absl::string_view provider,
                                    absl::string_view subject) = 0;

  // OK when the store can be used now (Redis answers PING); the server's
  // readiness includes it.
  virtual absl::Status Ping() = 0;

  // "cookie" or "redis", for logs and metrics.
  virtual absl::string_view kind() const = 0;
};

// The default store: the session sealed with `keys` (purpose
// "session:" + cookie_name) is the cookie value. Load refuses a session
// past its expires_at by `clock` (session_expired); Delete is a no-op;
// DeleteAllFor is kFailedPrecondition config_invalid (a cookie cannot be
// revoked from the server: that needs the Redis store); Ping is OK.
std::unique_ptr<SessionStore> MakeCookieSessionStore(
    std::shared_ptr<const SessionKeys> keys, std::string cookie_name,
    std::shared_ptr<const Clock> clock = SystemClock());

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_SESSION_STORE_H_
