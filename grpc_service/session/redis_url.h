// RedisEndpoint: where RedisSessionStore connects, parsed from the
// web.session_store.url setting. Small on purpose: Debian ships no URL
// library the project uses, and only these two forms are accepted:
//
//   redis://[[user]:password@]host[:port][/db]   host: name, IPv4 or [IPv6]
//   unix:///path/to/redis.sock[?db=N]
//
// (rediss:// would need hiredis' TLS library, which is not used.)
//
//   absl::StatusOr<RedisEndpoint> e = ParseRedisUrl("web.session_store.url",
//                                                    "redis://127.0.0.1:6379/0");
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_REDIS_URL_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_REDIS_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate::service {

struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string socket_path;  // set for unix://
  int db = 0;
  std::string username;  // ACL user (Redis 6+); empty: the default user
  std::string password;  // percent-decoded; empty: no AUTH from the URL
};

// Errors: kInvalidArgument config_invalid "field: ..." naming what is
// wrong, never the URL itself (it may hold a password).
absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view field,
                                            absl::string_view url);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_REDIS_URL_H_
