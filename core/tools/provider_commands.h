// What the `authgate` tool's provider sub-commands do once cli.cc has parsed
// their flags: `authgate discover`, `authgate login`, and the key source
// behind `authgate verify` for a provider with live keys. Each returns the
// result document or a status; cli.cc prints both in the tool's one JSON
// shape.
//
//   DiscoverOptions options;
//   options.issuer = "https://idp.example.com";
//   absl::StatusOr<nlohmann::json> endpoints = Discover(options);
#ifndef AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_
#define AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/key_source.h"
#include "authgate/provider_spec.h"
#include "authgate/verified_token.h"

namespace authgate::tools {

struct DiscoverOptions {
  std::string issuer;
  // PEM bundle to trust instead of the system store.
  std::string ca_file;
  bool allow_insecure_http = false;
  absl::Duration timeout = absl::Seconds(5);
};

// Fetches and checks {issuer}/.well-known/openid-configuration and returns
// its endpoints. Errors: those of FetchProviderMetadata
// (provider_unavailable, provider_timeout, provider_response_invalid,
// discovery_mismatch, ...).
absl::StatusOr<nlohmann::json> Discover(const DiscoverOptions& options);

struct LoginOptions {
  // The provider as a ProviderSpec JSON object (flags and provider file);
  // Login adds the loopback redirect_uri before parsing it.
  nlohmann::json provider;
  // Names the object in ParseProviderSpec's messages.
  std::string provider_path = "flags";
  std::string ca_file;
  // Callback port on 127.0.0.1; 0 picks a free one.
  int port = 0;
  // Host of the redirect URI: Cognito accepts http only for "localhost";
  // RFC 8252 prefers "127.0.0.1".
  std::string redirect_host = "localhost";
  absl::Duration timeout = absl::Minutes(5);
};

// Signs in with the provider's first client: writes the authorization URL
// to `prompt`, listens on 127.0.0.1 for
// http://{redirect_host}:{port}/callback (that URI must be registered),
// checks state, exchanges the code with PKCE and returns the ID and access
// tokens' verification results (never the tokens). Errors: config_invalid
// from ParseProviderSpec or for a provider without a client, and those of
// OAuthClient::Create, CodeFromAuthorizationResponse and ExchangeCode;
// kDeadlineExceeded provider_timeout when no callback comes in time.
absl::StatusOr<nlohmann::json> Login(const LoginOptions& options,
                                     std::ostream& prompt);

// The keys of a parsed provider: MakeStaticKeys for jwks_file / jwks_inline,
// else the JwksCache of an OAuthClient made from the spec (discovery or
// jwks_uri, the spec's cache options and allow_insecure_http), warmed up.
// Errors: those of MakeStaticKeys, MakeProviderConfig, OAuthClient::Create
// and JwksCache::WarmUp.
absl::StatusOr<std::shared_ptr<KeySource>> MakeKeySource(
    const ProviderSpec& spec, const std::string& ca_file);

// A verified token as the tool prints it: valid, provider, issuer, subject,
// token_use, key_id, alg, claims.
nlohmann::json VerifiedTokenJson(const VerifiedToken& token);

// A failure as the tool prints it: {"valid": false, "code", "reason",
// "message"}; an OAuth error and its description join the message.
nlohmann::json ErrorJson(const absl::Status& status);

}  // namespace authgate::tools

#endif  // AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_
