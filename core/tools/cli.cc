#include "cli.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/config_object.h"
#include "authgate/fixed_clock.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "authgate/version.h"
#include "provider_commands.h"

namespace authgate::tools {
namespace {

using nlohmann::json;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

// Invalid UTF-8 (in a claim, or echoed from a flag) is printed as U+FFFD
// instead of making dump() throw.
std::string Dump(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

absl::Status UsageError(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kInvalidArgument, message);
}

// Prints a failure that is not a verdict: one line of JSON on `err`.
int Fail(const absl::Status& status, std::ostream& err) {
  err << Dump(ErrorJson(status), -1) << std::endl;
  ErrorReason reason = GetErrorReason(status);
  return reason == ErrorReason::kConfigInvalid ||
                 reason == ErrorReason::kInvalidArgument
             ? kUsage
             : kFailed;
}

int PrintResult(const json& result, std::ostream& out) {
  out << Dump(result, 2) << std::endl;
  return kOk;
}

// "--client-id,--client_id": every hyphenated flag also takes the
// underscore spelling.
std::string Names(absl::string_view flag) {
  std::string names = absl::StrCat("--", flag);
  if (absl::StrContains(flag, '-')) {
    absl::StrAppend(&names, ",--", absl::StrReplaceAll(flag, {{"-", "_"}}));
  }
  return names;
}

// Help lists each flag once: the underscore spellings stay out of it.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt,
                               bool is_positional) const override {
    if (is_positional) return CLI::Formatter::make_option_name(opt, true);
    const std::vector<std::string>& longs = opt->get_lnames();
    std::vector<std::string> shown;
    for (const std::string& name : opt->get_snames()) {
      shown.push_back(absl::StrCat("-", name));
    }
    for (const std::string& name : longs) {
      std::string hyphenated = absl::StrReplaceAll(name, {{"_", "-"}});
      if (hyphenated != name &&
          std::find(longs.begin(), longs.end(), hyphenated) != longs.end()) {
        continue;
      }
      shown.push_back(absl::StrCat("--", name));
    }
    return CLI::detail::join(shown, ",");
  }
};

// The core's file reader; an unreadable file is a usage error here.
absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  absl::StatusOr<std::string> text = ReadConfigFile(flag, path);
  if (!text.ok()) return UsageError(text.status().message());
  return text;
}

// The provider description the flags give: a ProviderSpec JSON object, read
// by ParseProviderSpec like the server's config and Python's keywords. The
// CLI adds no default and no rule; it only maps each flag to its key.
class SpecFlags {
 public:
  // Flags every provider-describing command takes.
  void AddProvider(CLI::App& app) {
    Track(app.add_option(Names("provider-file"), provider_file_,
                         "provider spec JSON object (the server's "
                         "providers[i]); the flags below override its keys")
              ->type_name("FILE"));
    Track(app.add_option(Names("kind"), kind_, "oidc or cognito"));
    Track(app.add_option(Names("issuer"), issuers_,
                         "trusted issuer, exact; repeat for "
                         "additional_issuers")
              ->allow_extra_args(false)
              ->type_name("URL"));
    Track(app.add_option(Names("client-id"), client_ids_,
                         "client id (aud, Cognito client_id); repeat for "
                         "more clients")
              ->allow_extra_args(false)
              ->type_name("ID"));
    Track(app.add_option(Names("jwks-uri"), jwks_uri_,
                         "URL of the provider's JWKS (live keys)")
              ->type_name("URL"));
    Track(app.add_flag(Names("discover"), discover_,
                       "find the endpoints through "
                       "{issuer}/.well-known/openid-configuration"));
    Track(app.add_flag(Names("allow-insecure-http"), allow_insecure_http_,
                       "allow plain http:// provider URLs"));
  }

  // What the provider's tokens must satisfy, and static keys.
  void AddTokenRules(CLI::App& app) {
    Track(app.add_option(Names("audience"), audiences_,
                         "accepted audience besides the client ids; "
                         "repeatable")
              ->allow_extra_args(false));
    Track(app.add_flag(Names("any-audience"), any_audience_,
                       "accept any audience (allow_any_audience)"));
    Track(app.add_option(absl::StrCat(Names("jwks"), ",", Names("jwks-file")),
                         jwks_file_, "JWKS file holding the provider's keys")
              ->type_name("FILE"));
    Track(app.add_option(Names("algorithm"), algorithms_,
                         "accepted alg, e.g. RS256; repeatable (default: "
                         "every asymmetric one)")
              ->allow_extra_args(false)
              ->type_name("ALG"));
    Track(app.add_option(Names("clock-skew"), clock_skew_,
                         "tolerance for exp/nbf/iat, e.g. 30s")
              ->type_name("DURATION"));
    Track(app.add_option(Names("max-lifetime"), max_lifetime_,
                         "longest accepted exp - iat, e.g. 1h")
              ->type_name("DURATION"));
    Track(app.add_option(Names("require-claim"), required_claims_,
                         "claim that must equal a JSON value, e.g. "
                         "email_verified=true or tenant='\"acme\"'; "
                         "repeatable")
              ->allow_extra_args(false)
              ->type_name("NAME=JSON"));
    Track(app.add_option(Names("token-type"), token_types_,
                         "accepted JOSE header typ, e.g. at+jwt; repeatable")
              ->allow_extra_args(false)
              ->type_name("TYP"));
    Track(app.add_option(Names("groups-claim"), groups_claim_,
                         "claim holding the groups")
              ->type_name("CLAIM"));
    Track(app.add_option(Names("username-claim"), username_claim_,
                         "claim holding the user name")
              ->type_name("CLAIM"));
  }

  // The OAuth client's settings, for login.
  void AddClient(CLI::App& app) {
    Track(app.add_option(Names("client-secret"), client_secret_,
                         "better given as AUTHGATE_CLIENT_SECRET in the "
                         "environment")
              ->type_name("SECRET"));
    Track(app.add_option(Names("auth-method"), auth_method_,
                         "client_secret_basic (basic), client_secret_post "
                         "(post) or none")
              ->type_name("METHOD"));
    Track(
        app.add_option(Names("scope"), scopes_, "scope to ask for; repeatable")
            ->allow_extra_args(false));
    Track(app.add_option(
        absl::StrCat(Names("domain"), ",", Names("cognito-domain")), domain_,
        "Cognito hosted UI domain (prefix, host or origin)"));
  }

  // Whether any flag describing a provider was given.
  bool any() const {
    for (const CLI::Option* option : options_) {
      if (option->count() > 0) return true;
    }
    return false;
  }

  // The spec object: the provider file's, with each given flag's key set.
  // `path` receives the name ParseProviderSpec's messages use.
  absl::StatusOr<json> ToJson(std::string& path) const {
    json spec = json::object();
    path = "flags";
    if (!provider_file_.empty()) {
      absl::StatusOr<std::string> text =
          ReadFile("--provider-file", provider_file_);
      if (!text.ok()) return text.status();
      absl::StatusOr<json> parsed = ParseConfigJson(*text, provider_file_);
      if (!parsed.ok()) return parsed.status();
      spec = *std::move(parsed);
      path = provider_file_;
      // ParseProviderSpec says what is wrong with anything but an object.
      if (!spec.is_object()) return spec;
    }
    if (!kind_.empty()) spec["kind"] = kind_;
    if (!issuers_.empty()) {
      spec["issuer"] = issuers_.front();
      spec.erase("additional_issuers");
      if (issuers_.size() > 1) {
        spec["additional_issuers"] =
            std::vector<std::string>(issuers_.begin() + 1, issuers_.end());
      }
    }
    if (!client_ids_.empty()) {
      // The first is the top-level client (keeping the file's settings for
      // it); the rest replace the file's "clients".
      spec["client_id"] = client_ids_.front();
      spec.erase("clients");
      if (client_ids_.size() > 1) {
        json clients = json::array();
        for (size_t i = 1; i < client_ids_.size(); ++i) {
          clients.push_back({{"client_id", client_ids_[i]}});
        }
        spec["clients"] = std::move(clients);
      }
    }
    // A key source flag replaces the file's key source.
    if (!jwks_file_.empty() || !jwks_uri_.empty()) {
      for (const char* key : {"jwks_file", "jwks_uri", "jwks_inline"}) {
        spec.erase(key);
      }
    }
    SetIf(spec, "jwks_file", jwks_file_);
    SetIf(spec, "jwks_uri", jwks_uri_);
    if (discover_) spec["use_discovery"] = true;
    if (allow_insecure_http_) spec["allow_insecure_http"] = true;
    SetListIf(spec, "audiences", audiences_);
    if (any_audience_) spec["allow_any_audience"] = true;
    SetListIf(spec, "algorithms", algorithms_);
    SetIf(spec, "clock_skew", clock_skew_);
    SetIf(spec, "max_lifetime", max_lifetime_);
    for (const std::string& item : required_claims_) {
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        return UsageError(absl::StrCat("--require-claim takes NAME=JSON, not ",
                                       item.substr(0, 64)));
      }
      json value = json::parse(item.substr(eq + 1), nullptr,
                               /*allow_exceptions=*/false);
      if (value.is_discarded()) {
        return UsageError(absl::StrCat("--require-claim ", item.substr(0, eq),
                                       ": the value is not JSON (a string "
                                       "needs quotes: NAME='\"text\"')"));
      }
      // ParseProviderSpec reports a required_claims that is not an object.
      if (spec.contains("required_claims") &&
          !spec["required_claims"].is_object()) {
        break;
      }
      spec["required_claims"][item.substr(0, eq)] = std::move(value);
    }
    SetListIf(spec, "token_types", token_types_);
    SetIf(spec, "groups_claim", groups_claim_);
    SetIf(spec, "username_claim", username_claim_);
    if (!client_secret_.empty()) {
      spec.erase("client_secret_file");
      spec["client_secret"] = client_secret_;
    }
    SetIf(spec, "auth_method", auth_method_);
    SetListIf(spec, "scopes", scopes_);
    SetIf(spec, "domain", domain_);
    return spec;
  }

 private:
  void Track(CLI::Option* option) { options_.push_back(option); }
  static void SetIf(json& spec, const char* key, const std::string& value) {
    if (!value.empty()) spec[key] = value;
  }
  static void SetListIf(json& spec, const char* key,
                        const std::vector<std::string>& values) {
    if (!values.empty()) spec[key] = values;
  }

  std::vector<CLI::Option*> options_;
  std::string provider_file_, kind_, jwks_file_, jwks_uri_, clock_skew_,
      max_lifetime_, groups_claim_, username_claim_, client_secret_,
      auth_method_, domain_;
  std::vector<std::string> issuers_, client_ids_, audiences_, algorithms_,
      required_claims_, token_types_, scopes_;
  bool discover_ = false;
  bool allow_insecure_http_ = false;
  bool any_audience_ = false;
};

// Where the token comes from: the argument or --token-file byte for byte,
// else stdin without its one final newline.
class TokenFlags {
 public:
  void Add(CLI::App& app) {
    token_option_ = app.add_option(
        "token", token_,
        "the token, byte for byte (default: stdin, one final newline "
        "dropped)");
    app.add_option(Names("token-file"), token_file_,
                   "read the token from a file, byte for byte")
        ->type_name("FILE");
  }

  absl::StatusOr<std::string> Read(std::istream& in) const {
    if (token_option_->count() > 0) {
      if (!token_file_.empty()) {
        return UsageError("give the token or --token-file, not both");
      }
      return token_;
    }
    if (!token_file_.empty()) return ReadFile("--token-file", token_file_);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    // What `echo` and a terminal add, and nothing else: a token is compared
    // byte for byte.
    if (absl::EndsWith(text, "\r\n")) {
      text.resize(text.size() - 2);
    } else if (absl::EndsWith(text, "\n")) {
      text.resize(text.size() - 1);
    }
    return text;
  }

 private:
  std::string token_;
  std::string token_file_;
  CLI::Option* token_option_ = nullptr;
};

absl::StatusOr<absl::Time> ParseNow(const std::string& text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds)) {
    return absl::UnixEpoch() + absl::Seconds(seconds);
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  return UsageError(absl::StrCat("--now takes UNIX_SECONDS or RFC 3339 (",
                                 "2025-01-31T12:00:00Z), not ",
                                 text.substr(0, 40)));
}

class VerifyCommand {
 public:
  explicit VerifyCommand(CLI::App& parent) {
    app_ = parent.add_subcommand(
        "verify", "check a token's signature and claims; exit 0 only if valid");
    spec_.AddProvider(*app_);
    spec_.AddTokenRules(*app_);
    app_->add_option(Names("providers-file"), providers_file_,
                     "JSON array of provider spec objects: every provider at "
                     "once, routed by iss (no other provider flags)")
        ->type_name("FILE");
    app_->add_option(Names("ca-file"), ca_file_,
                     "PEM CA bundle to trust for live keys")
        ->type_name("FILE");
    const VerifyOptions call;
    const VerifierOptions verifier;
    app_->add_option(Names("token-use"), token_uses_,
                     "required token_use (id, access); repeatable")
        ->allow_extra_args(false)
        ->group("Per call");
    app_->add_option(Names("required-audience"), audiences_,
                     "the token's audience must be one of these; repeatable")
        ->allow_extra_args(false)
        ->group("Per call");
    app_->add_option(Names("scope"), scopes_, "required scope; repeatable")
        ->allow_extra_args(false)
        ->group("Per call");
    scope_match_ = app_->add_option(Names("scope-match"), scope_match_name_,
                                    "all or any of --scope")
                       ->check(CLI::IsMember({"all", "any"}))
                       ->default_str(std::string(MatchName(call.scope_match)))
                       ->group("Per call");
    app_->add_option(Names("group"), groups_, "required group; repeatable")
        ->allow_extra_args(false)
        ->group("Per call");
    group_match_ = app_->add_option(Names("group-match"), group_match_name_,
                                    "all or any of --group")
                       ->check(CLI::IsMember({"all", "any"}))
                       ->default_str(std::string(MatchName(call.group_match)))
                       ->group("Per call");
    app_->add_option(Names("nonce"), nonce_,
                     "the ID token's nonce must be this")
        ->group("Per call");
    app_->add_option(Names("provider"), provider_,
                     "only the provider of this name may accept the token")
        ->group("Per call");
    max_token_bytes_option_ =
        app_->add_option(Names("max-token-bytes"), max_token_bytes_,
                         "longest token accepted")
            ->default_str(std::to_string(verifier.max_token_bytes))
            ->type_name("BYTES");
    app_->add_option(Names("now"), now_,
                     "evaluate exp/nbf/iat at this instant (audits, "
                     "reproducible reports)")
        ->type_name("UNIX_SECONDS|RFC3339");
    token_.Add(*app_);
    app_->footer(
        "The flags describe one provider, as the server's providers[i] and "
        "Python's keywords do:\neach sets one key of the --provider-file "
        "object (a list flag replaces the file's list).\nThe verdict is JSON "
        "on stdout: exit 0 valid, 1 rejected. Errors: JSON on stderr, exit 2 "
        "for\nusage and configuration, 1 otherwise. Flag names take hyphens "
        "or underscores.");
  }

  bool selected() const { return app_->parsed(); }

  int Run(std::istream& in, std::ostream& out, std::ostream& err) const {
    std::vector<ProviderSpec> specs;
    if (!providers_file_.empty()) {
      if (spec_.any()) {
        return Fail(UsageError("--providers-file describes every provider: "
                               "give no other provider flag"),
                    err);
      }
      absl::StatusOr<std::vector<ProviderSpec>> parsed = ReadProvidersFile();
      if (!parsed.ok()) return Fail(parsed.status(), err);
      specs = *std::move(parsed);
    } else {
      std::string path;
      absl::StatusOr<json> value = spec_.ToJson(path);
      if (!value.ok()) return Fail(value.status(), err);
      absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(*value, path);
      if (!spec.ok()) return Fail(spec.status(), err);
      specs.push_back(*std::move(spec));
    }
    VerifierDependencies deps;
    if (!now_.empty()) {
      absl::StatusOr<absl::Time> now = ParseNow(now_);
      if (!now.ok()) return Fail(now.status(), err);
      deps.clock = std::make_shared<FixedClock>(*now);
    }
    absl::StatusOr<std::string> token = token_.Read(in);
    if (!token.ok()) return Fail(token.status(), err);

    VerifierOptions options;
    if (max_token_bytes_option_->count() > 0) {
      options.max_token_bytes = max_token_bytes_;
    }
    for (const ProviderSpec& spec : specs) {
      absl::StatusOr<std::shared_ptr<KeySource>> keys =
          MakeKeySource(spec, ca_file_);
      if (!keys.ok()) return Fail(keys.status(), err);
      options.providers.push_back(MakeProviderPolicy(spec, *std::move(keys)));
    }
    absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
        TokenVerifier::Create(std::move(options), deps);
    if (!verifier.ok()) return Fail(verifier.status(), err);

    VerifyOptions call;
    call.provider = provider_;
    call.token_uses = token_uses_;
    call.audiences = audiences_;
    call.scopes = scopes_;
    if (scope_match_->count() > 0) {
      call.scope_match = MatchFromName(scope_match_name_).value_or(Match::kAll);
    }
    call.groups = groups_;
    if (group_match_->count() > 0) {
      call.group_match = MatchFromName(group_match_name_).value_or(Match::kAny);
    }
    call.nonce = nonce_;
    absl::StatusOr<VerifiedToken> verified = (*verifier)->Verify(*token, call);
    // The verdict goes to stdout either way: it is the command's answer.
    if (!verified.ok()) {
      out << Dump(ErrorJson(verified.status()), 2) << std::endl;
      return kFailed;
    }
    return PrintResult(VerifiedTokenJson(*verified), out);
  }

 private:
  absl::StatusOr<std::vector<ProviderSpec>> ReadProvidersFile() const {
    absl::StatusOr<std::string> text =
        ReadFile("--providers-file", providers_file_);
    if (!text.ok()) return text.status();
    absl::StatusOr<json> list = ParseConfigJson(*text, providers_file_);
    if (!list.ok()) return list.status();
    if (!list->is_array() || list->empty()) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid,
                       absl::StrCat(providers_file_,
                                    ": must be a non-empty JSON array of "
                                    "provider objects"));
    }
    std::vector<ProviderSpec> specs;
    for (size_t i = 0; i < list->size(); ++i) {
      absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(
          (*list)[i], absl::StrCat(providers_file_, "[", i, "]"));
      if (!spec.ok()) return spec.status();
      specs.push_back(*std::move(spec));
    }
    return specs;
  }

  CLI::App* app_;
  SpecFlags spec_;
  TokenFlags token_;
  std::string providers_file_, ca_file_, scope_match_name_, group_match_name_,
      nonce_, provider_, now_;
  std::vector<std::string> token_uses_, audiences_, scopes_, groups_;
  CLI::Option* scope_match_ = nullptr;
  CLI::Option* group_match_ = nullptr;
  size_t max_token_bytes_ = 0;
  CLI::Option* max_token_bytes_option_ = nullptr;
};

class InspectCommand {
 public:
  explicit InspectCommand(CLI::App& parent) {
    app_ =
        parent.add_subcommand("inspect", "decode a token WITHOUT verifying it");
    token_.Add(*app_);
  }

  bool selected() const { return app_->parsed(); }

  int Run(std::istream& in, std::ostream& out, std::ostream& err) const {
    absl::StatusOr<std::string> token = token_.Read(in);
    if (!token.ok()) return Fail(token.status(), err);
    absl::StatusOr<UnverifiedToken> decoded = DecodeUnverified(*token);
    if (!decoded.ok()) return Fail(decoded.status(), err);
    return PrintResult(
        {{"warning", "UNVERIFIED: signature and claims were not checked"},
         {"fingerprint", TokenFingerprint(*token)},
         {"header", decoded->header},
         {"claims", decoded->claims}},
        out);
  }

 private:
  CLI::App* app_;
  TokenFlags token_;
};

class DiscoverCommand {
 public:
  explicit DiscoverCommand(CLI::App& parent) {
    app_ = parent.add_subcommand(
        "discover", "fetch and check an issuer's discovery document");
    app_->add_option("issuer", options_.issuer, "the issuer, exact")
        ->required();
    app_->add_option(Names("ca-file"), options_.ca_file,
                     "PEM CA bundle to trust")
        ->type_name("FILE");
    app_->add_flag(Names("allow-insecure-http"), options_.allow_insecure_http,
                   "allow a plain http:// issuer");
    app_->add_option(Names("timeout-ms"), timeout_ms_, "request timeout")
        ->check(CLI::PositiveNumber)
        ->default_str(
            std::to_string(absl::ToInt64Milliseconds(options_.timeout)));
  }

  bool selected() const { return app_->parsed(); }

  int Run(std::ostream& out, std::ostream& err) const {
    DiscoverOptions options = options_;
    if (timeout_ms_ > 0) options.timeout = absl::Milliseconds(timeout_ms_);
    absl::StatusOr<json> endpoints = Discover(options);
    if (!endpoints.ok()) return Fail(endpoints.status(), err);
    return PrintResult(*endpoints, out);
  }

 private:
  CLI::App* app_;
  DiscoverOptions options_;
  int64_t timeout_ms_ = 0;
};

class LoginCommand {
 public:
  explicit LoginCommand(CLI::App& parent) {
    app_ = parent.add_subcommand(
        "login", "sign in through the provider and print the tokens' claims");
    spec_.AddProvider(*app_);
    spec_.AddClient(*app_);
    app_->add_option(Names("ca-file"), options_.ca_file,
                     "PEM CA bundle to trust")
        ->type_name("FILE");
    app_->add_option(Names("port"), options_.port,
                     "callback port on 127.0.0.1 (0: a free one)")
        ->check(CLI::Range(0, 65535))
        ->default_str(std::to_string(options_.port));
    app_->add_option(Names("redirect-host"), options_.redirect_host,
                     "host of the redirect URI: localhost or 127.0.0.1")
        ->default_str(options_.redirect_host);
    app_->add_option(Names("timeout-s"), timeout_s_,
                     "how long to wait for the callback")
        ->check(CLI::PositiveNumber)
        ->default_str(std::to_string(absl::ToInt64Seconds(options_.timeout)));
    app_->footer(
        "Prints the authorization URL on stderr, waits for "
        "http://{redirect-host}:{port}/callback\n(that redirect URI must be "
        "registered), exchanges the code with PKCE and prints the\ntokens' "
        "claims as JSON on stdout, never the tokens.");
  }

  bool selected() const { return app_->parsed(); }

  int Run(std::ostream& out, std::ostream& err) const {
    LoginOptions options = options_;
    if (timeout_s_ > 0) options.timeout = absl::Seconds(timeout_s_);
    absl::StatusOr<json> provider = spec_.ToJson(options.provider_path);
    if (!provider.ok()) return Fail(provider.status(), err);
    options.provider = *std::move(provider);
    // The secret is better kept out of argv (and shell history).
    if (const char* secret = std::getenv("AUTHGATE_CLIENT_SECRET");
        secret != nullptr && *secret != '\0' && options.provider.is_object() &&
        !options.provider.contains("client_secret") &&
        !options.provider.contains("client_secret_file")) {
      options.provider["client_secret"] = secret;
    }
    absl::StatusOr<json> result = Login(options, err);
    if (!result.ok()) return Fail(result.status(), err);
    return PrintResult(*result, out);
  }

 private:
  CLI::App* app_;
  SpecFlags spec_;
  LoginOptions options_;
  double timeout_s_ = 0;
};

// The help hint for a usage error: the sub-command being parsed, if any.
std::string HelpHint(const CLI::App& app) {
  std::string command = "authgate";
  for (const CLI::App* sub : app.get_subcommands()) {
    absl::StrAppend(&command, " ", sub->get_name());
  }
  return absl::StrCat(" (see ", command, " --help)");
}

}  // namespace

int RunCli(std::vector<std::string> args, std::istream& in, std::ostream& out,
           std::ostream& err) {
  CLI::App app(
      "authgate: verify, inspect and fetch OAuth 2.0 / OpenID "
      "Connect tokens",
      "authgate");
  // Set before the sub-commands, which copy it.
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_version_flag("--version", absl::StrCat("authgate ", kVersion));
  app.require_subcommand(1);
  VerifyCommand verify(app);
  InspectCommand inspect(app);
  DiscoverCommand discover(app);
  LoginCommand login(app);
  app.footer("Run authgate COMMAND --help for a command's flags.");
  // CLI11 reads "--name=" as "--name" and takes the next word as its value
  // (`--nonce= TOKEN` would make the token the nonce): refuse it.
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (absl::StartsWith(arg, "--") && arg.find('=') == arg.size() - 1) {
      return Fail(UsageError(absl::StrCat(
                      arg, " has an empty value (leave the flag out instead)")),
                  err);
    }
  }
  try {
    // CLI11 takes the words last first.
    std::reverse(args.begin(), args.end());
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e, out, err);
    }
    std::string message = absl::StrReplaceAll(e.what(), {{"\n", " "}});
    return Fail(UsageError(absl::StrCat(message, HelpHint(app))), err);
  }
  if (verify.selected()) return verify.Run(in, out, err);
  if (inspect.selected()) return inspect.Run(in, out, err);
  if (discover.selected()) return discover.Run(out, err);
  if (login.selected()) return login.Run(out, err);
  return Fail(UsageError("no command"), err);
}

}  // namespace authgate::tools
