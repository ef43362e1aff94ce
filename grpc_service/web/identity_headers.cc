#include "grpc_service/web/identity_headers.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace authgate::service {
namespace {

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

std::string HeaderSafe(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u != 0x7f ? c : ' ');
  }
  return out;
}

SessionUser UserFromToken(const VerifiedToken& token) {
  SessionUser user;
  user.subject = token.subject();
  user.username = token.username();
  user.groups = token.groups();
  const nlohmann::json& claims = token.claims();
  if (claims.is_object()) {
    user.email = StringClaim(claims, "email");
    user.name = StringClaim(claims, "name");
    if (user.username.empty()) {
      user.username = StringClaim(claims, "preferred_username");
    }
    auto it = claims.find("email_verified");
    if (it != claims.end()) {
      // Cognito sends the string "true" in ID tokens.
      user.email_verified =
          (it->is_boolean() && it->get<bool>()) ||
          (it->is_string() && it->get<std::string>() == "true");
    }
  }
  return user;
}

Identity IdentityOf(const Session& session) {
  Identity identity;
  identity.subject = session.user.subject;
  identity.username = session.user.username;
  identity.email = session.user.email;
  identity.email_verified = session.user.email_verified;
  identity.name = session.user.name;
  identity.groups = session.user.groups;
  identity.provider = session.provider;
  return identity;
}

Identity IdentityOf(const VerifiedToken& token) {
  SessionUser user = UserFromToken(token);
  Identity identity;
  identity.subject = std::move(user.subject);
  identity.username = std::move(user.username);
  identity.email = std::move(user.email);
  identity.email_verified = user.email_verified;
  identity.name = std::move(user.name);
  identity.groups = std::move(user.groups);
  identity.provider = token.provider_name();
  return identity;
}

std::vector<std::pair<std::string, std::string>> IdentityHeaders(
    const Identity& identity, const std::string& access_token) {
  std::vector<std::pair<std::string, std::string>> headers;
  auto add = [&headers](const char* name, const std::string& value) {
    if (!value.empty()) headers.emplace_back(name, HeaderSafe(value));
  };
  add("X-Auth-Request-User",
      identity.username.empty() ? identity.subject : identity.username);
  add("X-Auth-Request-Email", identity.email);
  add("X-Auth-Request-Groups", absl::StrJoin(identity.groups, ","));
  add("X-Auth-Request-Preferred-Username", identity.username);
  add("X-Auth-Request-Sub", identity.subject);
  add("X-Auth-Request-Access-Token", access_token);
  return headers;
}

nlohmann::json IdentityJson(const Identity& identity) {
  return {{"sub", identity.subject},
          {"username", identity.username},
          {"email", identity.email},
          {"email_verified", identity.email_verified},
          {"name", identity.name},
          {"groups", identity.groups},
          {"provider", identity.provider}};
}

}  // namespace authgate::service
