// Session: what authgate keeps about one signed-in browser between requests
// (the browser face, docs/web.md): whose session it is, the user's identity
// as the verified ID token (and userInfo) gave it, and the provider's tokens.
//
// It is serialised to JSON (nlohmann_json, the project's JSON library) and
// only ever leaves the process sealed (SessionKeys) or inside the session
// store; its tokens are secrets and never reach a log or a message.
//
//   Session session = ...;                       // after the code exchange
//   std::string plain = SerializeSession(session);
//   absl::StatusOr<Session> back = ParseSession(plain);
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_SESSION_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_SESSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc_service/session/session_keys.h"

namespace authgate::service {

// The signed-in user, from the verified ID token's claims (the provider
// kind's claim names: Cognito's cognito:username and cognito:groups, OIDC's
// preferred_username and groups), completed by userInfo when configured.
struct SessionUser {
  std::string subject;   // "sub"
  std::string username;  // empty when the token has none
  std::string email;
  bool email_verified = false;
  std::string name;
  std::vector<std::string> groups;
};

struct Session {
  // The configured provider and the OAuth client that signed the user in.
  std::string provider;
  std::string client_id;
  SessionUser user;
  // The provider's tokens (secrets). refresh_token may be empty (no
  // offline access granted); then the session ends with the access token.
  std::string access_token;
  std::string id_token;
  std::string refresh_token;
  // When the access token expires (now + expires_in at the exchange or the
  // last refresh); past it the session must be refreshed before use.
  absl::Time access_expires_at = absl::InfinitePast();
  // When the session was created, and when it ends whatever happens (the
  // configured session lifetime, Cognito's refresh-token validity).
  absl::Time created_at = absl::InfinitePast();
  absl::Time expires_at = absl::InfinitePast();
};

// One JSON object with short members (the cookie store sends them on every
// request): "v" (layout version, 1), "prov", "cid", "sub", "user", "email",
// "email_v", "name", "groups", "at", "idt", "rt", "at_exp", "iat", "exp";
// times as int64 Unix seconds (the infinite times as the int64 extremes, so
// a default Session round-trips). Text that is not UTF-8 is replaced (U+FFFD)
// rather than refused.
std::string SerializeSession(const Session& session);

// The inverse of SerializeSession. A session is ours, so nothing is
// tolerated: errors: kUnauthenticated session_invalid when `text` is not
// exactly such an object (a member missing, unknown, repeated or of
// another type, another version; the message names no value).
absl::StatusOr<Session> ParseSession(absl::string_view text);

// A session sealed with `keys` under `purpose` (what every store keeps),
// opened, parsed and refused from its expires_at on. Errors: those of
// SessionKeys::Open and ParseSession (session_invalid); kUnauthenticated
// session_expired.
absl::StatusOr<Session> OpenSession(const SessionKeys& keys,
                                    absl::string_view purpose,
                                    absl::string_view sealed, absl::Time now);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_SESSION_H_
