// The settings of authgate's cookies and of the Redis session store: plain
// data, read once from the server configuration's "web" section
// (server_config.cc) and used by the cookie writer and the Redis store, so
// each is described here once.
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_SESSION_SETTINGS_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_SESSION_SETTINGS_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace authgate::service {

// The attributes of authgate's cookies (web.cookie in the server config).
struct CookieSettings {
  std::string name = "_authgate";
  std::string domain;  // empty: host-only
  std::string path = "/";
  bool secure = true;
  bool http_only = true;
  std::string same_site = "Lax";  // "Lax", "Strict" or "None", as sent
};

// Where the Redis session store connects (web.session_store).
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

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_SESSION_SETTINGS_H_
