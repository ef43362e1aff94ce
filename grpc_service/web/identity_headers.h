// The identity a browser-face verdict hands to an upstream (nginx
// auth_request, Envoy ext_authz): built in one place from a session or from
// a verified bearer token, so /oauth2/auth, /oauth2/userinfo and ext_authz
// say the same thing about the same user.
#ifndef AUTHGATE_GRPC_SERVICE_WEB_IDENTITY_HEADERS_H_
#define AUTHGATE_GRPC_SERVICE_WEB_IDENTITY_HEADERS_H_

#include <string>
#include <utility>
#include <vector>

#include "grpc_service/session/session.h"
#include "nlohmann/json_fwd.hpp"

#include "authgate/verified_token.h"

namespace authgate::service {

struct Identity {
  std::string subject;
  std::string username;  // the provider's username claim; may be empty
  std::string email;
  bool email_verified = false;
  std::string name;
  std::vector<std::string> groups;
  std::string provider;
};

// The user of a verified ID (or access) token: subject(), username(),
// groups() by the provider's claim names, plus "email", "email_verified"
// (a boolean, or Cognito's "true" string) and "name".
SessionUser UserFromToken(const VerifiedToken& token);

Identity IdentityOf(const Session& session);
Identity IdentityOf(const VerifiedToken& token);

// X-Auth-Request-User (username, else sub), -Email, -Groups (comma-joined),
// -Preferred-Username, -Sub, and -Access-Token when `access_token` is not
// empty; values with control characters replaced by spaces. Empty values
// are left out.
std::vector<std::pair<std::string, std::string>> IdentityHeaders(
    const Identity& identity, const std::string& access_token = "");

// /oauth2/userinfo's body: {"sub","username","email","email_verified",
// "name","groups","provider"}.
nlohmann::json IdentityJson(const Identity& identity);

// `value` with bytes illegal in a header value (controls, DEL) replaced.
std::string HeaderSafe(const std::string& value);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_IDENTITY_HEADERS_H_
