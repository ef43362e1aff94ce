// Provider sub-commands of the `authgate` command-line tool, called by
// authgate_main.cc: `authgate discover`, `authgate login`, and the live key
// source behind `authgate verify --jwks-uri/--issuer`.
//
//   // in main(): args are the words after the sub-command name
//   if (command == "discover") return RunDiscover(args, std::cout, std::cerr);
#ifndef AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_
#define AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "authgate/jwks_cache.h"

namespace authgate::tools {

// `authgate discover ISSUER [--ca-file F] [--timeout-ms N]`: fetches and
// checks {ISSUER}/.well-known/openid-configuration, prints the endpoints as
// JSON. Exit 0 on success; 1 on a provider error (reason printed to `err`);
// 2 on bad usage.
int RunDiscover(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

// `authgate login --issuer I --client-id C [--client-secret S | env
// AUTHGATE_CLIENT_SECRET] [--auth-method basic|post|none] [--port P]
// [--scope S]... [--cognito-domain D] [--jwks-uri U] [--ca-file F]
// [--redirect-host localhost|127.0.0.1] [--timeout-s N]`: prints the
// authorization URL, listens on 127.0.0.1:P (P = 0 picks a free port) for
// http://{redirect-host}:P/callback (that redirect URI must be registered),
// checks state, exchanges the code with PKCE, and prints the ID and access
// tokens' claims (never the tokens). The secret is better given through the
// environment than argv. Exit codes as RunDiscover.
int RunLogin(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

// A warmed-up live key source for `authgate verify`: from `jwks_uri` when
// set, else from the discovery document of `issuer`. Errors: kInvalidArgument
// config_invalid when both are empty, and those of FetchProviderMetadata and
// JwksCache::WarmUp.
absl::StatusOr<std::shared_ptr<JwksCache>> MakeLiveKeySource(
    const std::string& jwks_uri, const std::string& issuer,
    const std::string& ca_file = "");

}  // namespace authgate::tools

#endif  // AUTHGATE_CORE_TOOLS_PROVIDER_COMMANDS_H_
