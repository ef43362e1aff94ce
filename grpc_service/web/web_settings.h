// WebSettings: the "web" section of authgate-server's configuration, the
// browser face (docs/web.md). Plain data: server_config.cc reads and
// validates it, web_face.cc runs with it; no dependency on the HTTP library.
#ifndef AUTHGATE_GRPC_SERVICE_WEB_WEB_SETTINGS_H_
#define AUTHGATE_GRPC_SERVICE_WEB_WEB_SETTINGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace authgate::service {

struct WebCookieSettings {
  std::string name = "_authgate";
  std::string domain;  // empty: host-only
  std::string path = "/";
  bool secure = true;
  std::string same_site = "lax";  // lax | strict | none (none needs secure)
  // The key ring (SessionKeys::FromFile). Required when the face is on.
  std::string secret_file;
};

struct WebSessionStoreSettings {
  std::string type = "cookie";  // cookie | redis
  std::string url = "redis://127.0.0.1:6379/0";
  std::string password_file;
  absl::Duration timeout = absl::Milliseconds(500);
};

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
  WebCookieSettings cookie;
  absl::Duration session_lifetime = absl::Hours(168);
  absl::Duration refresh_margin = absl::Seconds(60);
  WebSessionStoreSettings session_store;
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
