// authgate: verify and inspect tokens from the command line.
//
//   authgate verify --jwks=jwks.json --issuer=https://cognito-idp...
//       --client-id=abc --token-use=access TOKEN    (or the token on stdin)
//   authgate inspect TOKEN
//
// Prints one JSON document. `verify` exits 0 only for a valid token.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "flag_spelling.h"
#include "provider_commands.h"

ABSL_FLAG(std::string, jwks, "", "JWKS file holding the provider's keys");
ABSL_FLAG(std::string, jwks_uri, "",
          "URL of the provider's JWKS (fetched live; overrides discovery)");
ABSL_FLAG(bool, discover, false,
          "find the JWKS through {issuer}/.well-known/openid-configuration");
ABSL_FLAG(std::vector<std::string>, issuer, {},
          "trusted issuer(s), comma separated (required for verify)");
ABSL_FLAG(std::vector<std::string>, client_id, {},
          "accepted audience / Cognito client_id values, comma separated");
ABSL_FLAG(bool, any_audience, false, "accept any audience (not recommended)");
ABSL_FLAG(std::string, token_use, "",
          "required Cognito token_use: id or access");
ABSL_FLAG(std::vector<std::string>, token_type, {},
          "accepted JOSE header typ values, e.g. at+jwt (default: any)");
ABSL_FLAG(std::vector<std::string>, scope, {}, "required scopes");
ABSL_FLAG(bool, any_scope, false, "one of --scope suffices (default: all)");
ABSL_FLAG(std::vector<std::string>, group, {}, "required cognito:groups");
ABSL_FLAG(bool, all_groups, false, "all of --group are needed (default: any)");

namespace authgate {
namespace {

constexpr char kUsage[] =
    "authgate verify|inspect [flags] [TOKEN] | discover ISSUER | login ...\n"
    "  verify   check a token's signature and claims; exit 0 only if valid\n"
    "  inspect  decode a token WITHOUT verifying it\n"
    "  discover fetch and check an issuer's discovery document\n"
    "  login    sign in through the provider and print the tokens' claims\n"
    "The token is read from stdin when not given.";

std::string ReadToken(const std::vector<char*>& args) {
  std::string token;
  if (args.size() > 2) {
    token = args[2];
  } else {
    token.assign(std::istreambuf_iterator<char>(std::cin),
                 std::istreambuf_iterator<char>());
  }
  absl::string_view view = absl::StripAsciiWhitespace(token);
  // Accept a pasted Authorization header value too.
  if (absl::StartsWithIgnoreCase(view, "Bearer ")) view.remove_prefix(7);
  return std::string(absl::StripAsciiWhitespace(view));
}

nlohmann::json ErrorJson(const absl::Status& status) {
  return {{"valid", false},
          {"code", absl::StatusCodeToString(status.code())},
          {"reason", std::string(ErrorReasonName(GetErrorReason(status)))},
          {"message", std::string(status.message())}};
}

int Fail(const absl::Status& status) {
  std::cout << ErrorJson(status).dump(2) << std::endl;
  return 1;
}

absl::StatusOr<std::shared_ptr<KeySource>> MakeKeySource() {
  const std::string jwks = absl::GetFlag(FLAGS_jwks);
  if (!jwks.empty()) {
    absl::StatusOr<std::shared_ptr<StaticKeySource>> source =
        StaticKeySource::FromJwksFile(jwks);
    if (!source.ok()) return source.status();
    return std::shared_ptr<KeySource>(*std::move(source));
  }
  std::vector<std::string> issuers = absl::GetFlag(FLAGS_issuer);
  absl::StatusOr<std::shared_ptr<JwksCache>> live = tools::MakeLiveKeySource(
      absl::GetFlag(FLAGS_jwks_uri),
      absl::GetFlag(FLAGS_discover) && !issuers.empty() ? issuers[0] : "");
  if (!live.ok()) return live.status();
  return std::shared_ptr<KeySource>(*std::move(live));
}

int Verify(const std::string& token) {
  ProviderPolicy policy;
  policy.name = "cli";
  policy.issuers = absl::GetFlag(FLAGS_issuer);
  policy.audiences = absl::GetFlag(FLAGS_client_id);
  policy.allow_any_audience = absl::GetFlag(FLAGS_any_audience);
  policy.token_types = absl::GetFlag(FLAGS_token_type);
  absl::StatusOr<std::shared_ptr<KeySource>> keys = MakeKeySource();
  if (!keys.ok()) return Fail(keys.status());
  policy.keys = *std::move(keys);
  VerifierOptions options;
  options.providers.push_back(std::move(policy));
  options.cache_max_entries = 0;
  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(std::move(options));
  if (!verifier.ok()) return Fail(verifier.status());

  VerifyOptions call;
  if (std::string use = absl::GetFlag(FLAGS_token_use); !use.empty()) {
    call.token_uses = {use};
  }
  call.scopes = absl::GetFlag(FLAGS_scope);
  call.scope_match = absl::GetFlag(FLAGS_any_scope) ? Match::kAny : Match::kAll;
  call.groups = absl::GetFlag(FLAGS_group);
  call.group_match =
      absl::GetFlag(FLAGS_all_groups) ? Match::kAll : Match::kAny;
  absl::StatusOr<VerifiedToken> verified = (*verifier)->Verify(token, call);
  if (!verified.ok()) return Fail(verified.status());
  nlohmann::json out = {
      {"valid", true},
      {"issuer", verified->issuer()},
      {"subject", verified->subject()},
      {"token_use", verified->token_use()},
      {"key_id", verified->key_id()},
      {"alg", std::string(AlgorithmName(verified->algorithm()))},
      {"claims", verified->claims()}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}

int Inspect(const std::string& token) {
  absl::StatusOr<UnverifiedToken> decoded = DecodeUnverified(token);
  if (!decoded.ok()) return Fail(decoded.status());
  nlohmann::json out = {
      {"warning", "UNVERIFIED: signature and claims were not checked"},
      {"fingerprint", TokenFingerprint(token)},
      {"header", decoded->header},
      {"claims", decoded->claims}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // Provider commands parse their own arguments.
  if (argc >= 2 &&
      (std::string(argv[1]) == "discover" || std::string(argv[1]) == "login")) {
    std::vector<std::string> rest(argv + 2, argv + argc);
    return std::string(argv[1]) == "discover"
               ? tools::RunDiscover(rest, std::cout, std::cerr)
               : tools::RunLogin(rest, std::cout, std::cerr);
  }
  // abseil flag names use underscores; --client-id works as well.
  std::vector<std::string> respelled(argv, argv + argc);
  for (size_t i = 1; i < respelled.size() && respelled[i] != "--"; ++i) {
    respelled[i] = tools::RespellFlag(respelled[i], '_');
  }
  std::vector<char*> respelled_argv;
  for (std::string& arg : respelled) respelled_argv.push_back(arg.data());
  std::vector<char*> args = absl::ParseCommandLine(
      static_cast<int>(respelled_argv.size()), respelled_argv.data());
  if (args.size() < 2) {
    std::cerr << kUsage << std::endl;
    return 2;
  }
  std::string command = args[1];
  if (command == "verify" || command == "inspect") {
    std::string token = ReadToken(args);
    if (command == "inspect") return Inspect(token);
    if (absl::GetFlag(FLAGS_issuer).empty()) {
      std::cerr << "verify needs --issuer" << std::endl;
      return 2;
    }
    return Verify(token);
  }
  std::cerr << "unknown command " << command << "\n" << kUsage << std::endl;
  return 2;
}

}  // namespace
}  // namespace authgate

int main(int argc, char** argv) { return authgate::Main(argc, argv); }
