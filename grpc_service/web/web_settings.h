// WebSettings: the "web" section of authgate-server's configuration, the
// browser face (docs/web.md). Plain data: server_config.cc reads and
// validates it, web_face.cc runs with it; no dependency on the HTTP library.
#ifndef AUTHGATE_GRPC_SERVICE_WEB_WEB_SETTINGS_H_
#define AUTHGATE_GRPC_SERVICE_WEB_WEB_SETTINGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpc_service/session/session_settings.h"

namespace authgate::service {

struct WebSettings {
  // "host:port" of the HTTP listener ("127.0.0.1:0" picks a free port).
  // Empty: the browser face is off.
  std::string listen;
  std::string prefix = "/oauth2";
  // Empty: the only provider / the provider's first client.
  std::string provider;
  std::string client_id;
  // The callback URL registered at the provider; empty: the client's
  // redirect_uri.
  std::string redirect_url;
  // logout_uri / post_logout_redirect_uri registered at the provider; empty:
  // local sign-out only.
  std::string sign_out_url;
  std::string default_return_url = "/";
  std::vector<std::string> allowed_redirect_domains;
  // web.cookie: the session and sign-in cookies' attributes (same_site as
  // sent, "Lax", "Strict" or "None"); web.cookie.secret_file: the key ring
  // (SessionKeys::FromFile), required when the face is on.
  CookieSettings cookie;
  std::string cookie_secret_file;
  absl::Duration session_lifetime = absl::Hours(168);
  absl::Duration refresh_margin = absl::Seconds(60);
  // web.session_store: "cookie" or "redis"; with "redis", where it is.
  std::string session_store = "cookie";
  RedisSettings redis;
  bool userinfo = false;
  bool pass_access_token = false;
  // civetweb serves each open connection on one thread while it is kept
  // alive (idle ones are let go after 500 ms), so this bounds the proxy's
  // concurrent keep-alive connections: a connection beyond it waits.
  size_t threads = 64;

  bool enabled() const { return !listen.empty(); }
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_WEB_SETTINGS_H_
