#include "grpc_service/server_config.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "authgate/config_object.h"
#include "authgate/status.h"
#include "authgate/version.h"
#include "status_macros.h"

namespace authgate::service {
namespace {

// Origin label of the provider described by COGNITO_* variables.
constexpr char kEnvOrigin[] = "COGNITO_* environment";

absl::StatusOr<Match> ParseMatch(absl::string_view field,
                                 absl::string_view text) {
  if (std::optional<Match> match = MatchFromName(text)) return *match;
  return ConfigFieldError(field,
                          absl::StrCat("must be \"all\" or \"any\", not \"",
                                       text.substr(0, 32), "\""));
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view field,
                                       absl::string_view text) {
  std::optional<LogLevel> level = LogLevelFromName(text);
  if (!level.has_value()) {
    return ConfigFieldError(field, "must be debug, info, warn or error");
  }
  return *level;
}

// --- flags -------------------------------------------------------------------

// Everything a flag can set; a value flag is absent unless given.
struct FlagValues {
  std::map<std::string, std::string> values;
  bool require_client_cert = false;
  bool require_client_cert_given = false;
  bool check_config = false;
  bool help = false;
  bool version = false;
};

// Value flags, as documented (underscores); each also answers to its
// hyphenated spelling.
struct ValueFlag {
  const char* name;
  const char* type;
  const char* help;
};
constexpr ValueFlag kValueFlags[] = {
    {"config", "PATH", "JSON config file (comments allowed)"},
    {"listen", "HOST:PORT",
     "gRPC TCP address (default 127.0.0.1:50051; \"\" = off)"},
    {"unix_socket", "PATH", "also (or only) listen on a Unix domain socket"},
    {"metrics_listen", "HOST:PORT",
     "Prometheus /metrics (default 127.0.0.1:9464; \"\" = off)"},
    {"tls_cert", "PATH", "PEM certificate chain: TLS on the service port"},
    {"tls_key", "PATH", "PEM private key for --tls_cert"},
    {"tls_client_ca", "PATH", "CA bundle for client certificates (mTLS)"},
    {"shutdown_grace", "DURATION",
     "drain time on SIGTERM/SIGINT (default 10s)"},
    {"worker_threads", "N", "pool for provider calls (default 4)"},
    {"max_queued_calls", "N", "queue bound of that pool (default 1024)"},
    {"log_level", "LEVEL", "debug, info, warn, error (default info)"},
    {"web_listen", "HOST:PORT",
     "browser face HTTP address (docs/web.md; default off)"},
};

std::string Spellings(absl::string_view name) {
  std::string hyphens(name);
  std::replace(hyphens.begin(), hyphens.end(), '_', '-');
  if (hyphens == name) return absl::StrCat("--", name);
  return absl::StrCat("--", name, ",--", hyphens);
}

// One CLI11 parser for parsing and for --help, so the text cannot drift
// from what is accepted.
void DefineFlags(CLI::App& app, FlagValues& flags) {
  app.set_help_flag("-h,--help", "this text");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // Unknown arguments are collected and reported as one line, below.
  app.allow_extras();
  for (const ValueFlag& flag : kValueFlags) {
    app.add_option(Spellings(flag.name), flags.values[flag.name], flag.help)
        ->type_name(flag.type);
  }
  app.add_flag(Spellings("require_client_cert"), flags.require_client_cert,
               "reject clients without a valid certificate");
  app.add_flag(Spellings("check_config"), flags.check_config,
               "validate the configuration (providers and verifier "
               "included), print it without secrets and exit");
  app.add_flag("--version", flags.version, "print the version and exit");
  app.footer(
      "Environment: COGNITO_ISSUER (or AUTH_COGNITO_ISSUER, or\n"
      "COGNITO_USER_POOL_ID with AWS_REGION), COGNITO_CLIENT_ID (or\n"
      "AUTH_COGNITO_ID), COGNITO_CLIENT_SECRET (or AUTH_COGNITO_SECRET),\n"
      "COGNITO_DOMAIN, COGNITO_REDIRECT_URI, AUTHGATE_JWKS_URI,\n"
      "AUTHGATE_PROVIDER_NAME, AUTHGATE_CONFIG, AUTHGATE_LISTEN,\n"
      "AUTHGATE_UNIX_SOCKET, AUTHGATE_METRICS_LISTEN, AUTHGATE_LOG_LEVEL,\n"
      "AUTHGATE_WEB_LISTEN; each\n"
      "(but AUTHGATE_CONFIG) also as NAME_FILE (value read from that file).");
}

std::unique_ptr<CLI::App> MakeApp(FlagValues& flags) {
  auto app = std::make_unique<CLI::App>(
      "Token gateway for Amazon Cognito and OpenID Connect providers (gRPC).\n"
      "Configuration: a JSON file (--config or AUTHGATE_CONFIG), the\n"
      "environment, then flags; later sources win. See docs/grpc.md.",
      "authgate-server");
  DefineFlags(*app, flags);
  return app;
}

absl::StatusOr<FlagValues> ParseFlags(const std::vector<std::string>& args) {
  FlagValues flags;
  std::unique_ptr<CLI::App> app = MakeApp(flags);
  std::vector<std::string> reversed;
  for (const std::string& arg : args) {
    // CLI11 takes no empty value after '=', but "--metrics_listen=" is how
    // a listener is turned off: pass the empty value as its own word.
    if (absl::StartsWith(arg, "--") && absl::EndsWith(arg, "=") &&
        arg.find('=') == arg.size() - 1) {
      reversed.push_back(arg.substr(0, arg.size() - 1));
      reversed.push_back("");
    } else {
      reversed.push_back(arg);
    }
  }
  // CLI11 consumes its argument vector from the back.
  std::reverse(reversed.begin(), reversed.end());
  try {
    app->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    flags.help = true;
    return flags;
  } catch (const CLI::ParseError& error) {
    return ConfigFieldError("", error.what());
  }
  if (flags.help) return flags;
  for (const std::string& extra : app->remaining()) {
    if (absl::StartsWith(extra, "-")) {
      std::string name = extra.substr(0, extra.find('='));
      return ConfigFieldError(name, "unknown flag (see --help)");
    }
    return ConfigFieldError(extra.substr(0, 64),
                            "unexpected argument (flags are --name=value)");
  }
  for (const ValueFlag& flag : kValueFlags) {
    if (app->get_option(absl::StrCat("--", flag.name))->count() == 0) {
      flags.values.erase(flag.name);
    }
  }
  flags.require_client_cert_given =
      app->get_option("--require_client_cert")->count() != 0;
  return flags;
}

// --- the config file ------------------------------------------------------

absl::Status ReadServerSection(const ConfigObject& obj, ServerConfig& config) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(
      {"listen", "unix_socket", "metrics_listen", "shutdown_grace",
       "worker_threads", "max_queued_calls", "max_concurrent_streams",
       "log_level", "rejection_log_rate", "provider_retry_initial",
       "provider_retry_max", "provider_ca_file", "tls", "max_metadata_bytes",
       "max_message_bytes", "header_guard", "secret_poll_interval",
       "access_log"}));
  AUTHGATE_CONFIG_SET(config.listen, obj.String("listen"));
  AUTHGATE_CONFIG_SET(config.unix_socket, obj.String("unix_socket"));
  AUTHGATE_CONFIG_SET(config.metrics_listen, obj.String("metrics_listen"));
  AUTHGATE_CONFIG_SET(config.shutdown_grace, obj.Duration("shutdown_grace"));
  AUTHGATE_CONFIG_SET(config.worker_threads, obj.Count("worker_threads"));
  AUTHGATE_CONFIG_SET(config.max_queued_calls, obj.Count("max_queued_calls"));
  AUTHGATE_CONFIG_SET(config.rejection_log_rate,
                      obj.Count("rejection_log_rate"));
  AUTHGATE_CONFIG_SET(config.max_metadata_bytes,
                      obj.Count("max_metadata_bytes"));
  AUTHGATE_CONFIG_SET(config.max_message_bytes, obj.Count("max_message_bytes"));
  AUTHGATE_CONFIG_SET(config.header_guard, obj.Bool("header_guard"));
  AUTHGATE_CONFIG_SET(config.secret_poll_interval,
                      obj.Duration("secret_poll_interval"));
  AUTHGATE_CONFIG_SET(config.access_log, obj.Bool("access_log"));
  std::optional<size_t> streams;
  AUTHGATE_CONFIG_SET(streams, obj.Count("max_concurrent_streams"));
  if (streams.has_value()) {
    if (*streams > 1u << 20) {
      return ConfigFieldError(obj.Field("max_concurrent_streams"),
                              "must be at most 1048576");
    }
    config.max_concurrent_streams = static_cast<int>(*streams);
  }
  AUTHGATE_CONFIG_SET(config.provider_retry_initial,
                      obj.Duration("provider_retry_initial"));
  AUTHGATE_CONFIG_SET(config.provider_retry_max,
                      obj.Duration("provider_retry_max"));
  AUTHGATE_CONFIG_SET(config.provider_ca_file, obj.String("provider_ca_file"));
  std::optional<std::string> level;
  AUTHGATE_CONFIG_SET(level, obj.String("log_level"));
  if (level.has_value()) {
    AUTHGATE_ASSIGN_OR_RETURN(config.log_level,
                              ParseLogLevel(obj.Field("log_level"), *level));
  }
  if (obj.Has("tls")) {
    ConfigObject tls = obj.Child("tls");
    AUTHGATE_RETURN_IF_ERROR(tls.CheckIsObject());
    AUTHGATE_RETURN_IF_ERROR(tls.CheckKeys(
        {"cert_file", "key_file", "client_ca_file", "require_client_cert"}));
    AUTHGATE_CONFIG_SET(config.tls.cert_file, tls.String("cert_file"));
    AUTHGATE_CONFIG_SET(config.tls.key_file, tls.String("key_file"));
    AUTHGATE_CONFIG_SET(config.tls.client_ca_file,
                        tls.String("client_ca_file"));
    AUTHGATE_CONFIG_SET(config.tls.require_client_cert,
                        tls.Bool("require_client_cert"));
  }
  return absl::OkStatus();
}

absl::Status ReadVerifierSection(const ConfigObject& obj,
                                 ServerConfig& config) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(
      {"max_token_bytes", "cache_max_entries", "cache_max_bytes"}));
  AUTHGATE_CONFIG_SET(config.max_token_bytes, obj.Count("max_token_bytes"));
  AUTHGATE_CONFIG_SET(config.cache_max_entries, obj.Count("cache_max_entries"));
  AUTHGATE_CONFIG_SET(config.cache_max_bytes, obj.Count("cache_max_bytes"));
  return absl::OkStatus();
}

absl::Status ReadExtAuthzSection(const ConfigObject& obj,
                                 ExtAuthzSettings& ext) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(
      {"provider", "token_uses", "audiences", "required_scopes", "scope_match",
       "required_groups", "group_match", "realm", "forward_authorization"}));
  AUTHGATE_CONFIG_SET(ext.provider, obj.String("provider"));
  AUTHGATE_CONFIG_SET(ext.token_uses, obj.StringList("token_uses"));
  AUTHGATE_CONFIG_SET(ext.audiences, obj.StringList("audiences"));
  AUTHGATE_CONFIG_SET(ext.required_scopes, obj.StringList("required_scopes"));
  AUTHGATE_CONFIG_SET(ext.required_groups, obj.StringList("required_groups"));
  AUTHGATE_CONFIG_SET(ext.realm, obj.String("realm"));
  AUTHGATE_CONFIG_SET(ext.forward_authorization,
                      obj.Bool("forward_authorization"));
  for (const char* name : {"scope_match", "group_match"}) {
    std::optional<std::string> text;
    AUTHGATE_CONFIG_SET(text, obj.String(name));
    if (!text.has_value()) continue;
    AUTHGATE_ASSIGN_OR_RETURN(Match match, ParseMatch(obj.Field(name), *text));
    (std::string(name) == "scope_match" ? ext.scope_match : ext.group_match) =
        match;
  }
  // RFC 7235 quoted-string: a quote or backslash would break the header.
  if (ext.realm.find_first_of("\"\\") != std::string::npos) {
    return ConfigFieldError(obj.Field("realm"),
                            "must not contain '\"' or '\\'");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseSameSite(absl::string_view field,
                                          absl::string_view text) {
  for (const char* known : {"Lax", "Strict", "None"}) {
    if (absl::EqualsIgnoreCase(text, known)) return std::string(known);
  }
  return ConfigFieldError(field, "must be lax, strict or none");
}

// The "web" section (docs/web.md). Bounds are checked in ValidateWeb, so a
// flag and a file key meet the same ones.
absl::Status ReadWebSection(const ConfigObject& obj, WebSettings& web) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(
      {"listen", "prefix", "provider", "client_id", "redirect_url",
       "sign_out_url", "default_return_url", "allowed_redirect_domains",
       "cookie", "session_lifetime", "refresh_margin", "session_store",
       "userinfo", "pass_access_token", "threads"}));
  AUTHGATE_CONFIG_SET(web.listen, obj.String("listen"));
  AUTHGATE_CONFIG_SET(web.prefix, obj.String("prefix"));
  AUTHGATE_CONFIG_SET(web.provider, obj.String("provider"));
  AUTHGATE_CONFIG_SET(web.client_id, obj.String("client_id"));
  AUTHGATE_CONFIG_SET(web.redirect_url, obj.String("redirect_url"));
  AUTHGATE_CONFIG_SET(web.sign_out_url, obj.String("sign_out_url"));
  AUTHGATE_CONFIG_SET(web.default_return_url, obj.String("default_return_url"));
  AUTHGATE_CONFIG_SET(web.allowed_redirect_domains,
                      obj.StringList("allowed_redirect_domains"));
  AUTHGATE_CONFIG_SET(web.session_lifetime, obj.Duration("session_lifetime"));
  AUTHGATE_CONFIG_SET(web.refresh_margin, obj.Duration("refresh_margin"));
  AUTHGATE_CONFIG_SET(web.userinfo, obj.Bool("userinfo"));
  AUTHGATE_CONFIG_SET(web.pass_access_token, obj.Bool("pass_access_token"));
  AUTHGATE_CONFIG_SET(web.threads, obj.Count("threads"));
  if (obj.Has("cookie")) {
    ConfigObject cookie = obj.Child("cookie");
    AUTHGATE_RETURN_IF_ERROR(cookie.CheckIsObject());
    AUTHGATE_RETURN_IF_ERROR(cookie.CheckKeys(
        {"name", "domain", "path", "secure", "same_site", "secret_file"}));
    AUTHGATE_CONFIG_SET(web.cookie.name, cookie.String("name"));
    AUTHGATE_CONFIG_SET(web.cookie.domain, cookie.String("domain"));
    AUTHGATE_CONFIG_SET(web.cookie.path, cookie.String("path"));
    AUTHGATE_CONFIG_SET(web.cookie.secure, cookie.Bool("secure"));
    AUTHGATE_CONFIG_SET(web.cookie_secret_file, cookie.String("secret_file"));
    std::optional<std::string> same_site;
    AUTHGATE_CONFIG_SET(same_site, cookie.String("same_site"));
    if (same_site.has_value()) {
      AUTHGATE_ASSIGN_OR_RETURN(
          web.cookie.same_site,
          ParseSameSite(cookie.Field("same_site"), *same_site));
    }
  }
  if (obj.Has("session_store")) {
    ConfigObject store = obj.Child("session_store");
    AUTHGATE_RETURN_IF_ERROR(store.CheckIsObject());
    AUTHGATE_RETURN_IF_ERROR(
        store.CheckKeys({"type", "url", "password_file", "timeout"}));
    AUTHGATE_CONFIG_SET(web.session_store, store.String("type"));
    AUTHGATE_CONFIG_SET(web.redis.url, store.String("url"));
    AUTHGATE_CONFIG_SET(web.redis.password_file, store.String("password_file"));
    AUTHGATE_CONFIG_SET(web.redis.timeout, store.Duration("timeout"));
    if (web.session_store != "cookie" && web.session_store != "redis") {
      return ConfigFieldError(store.Field("type"),
                              "must be \"cookie\" or \"redis\"");
    }
  }
  return absl::OkStatus();
}

// "config file PATH: " in front of a message about the file.
absl::Status InFile(const std::string& path, const absl::Status& status) {
  return MakeError(status.code(), GetErrorReason(status),
                   absl::StrCat("config file ", path, ": ", status.message()));
}

// Reads the server's own sections into `config` and returns the providers'
// JSON objects as written; they are parsed once the environment is known.
absl::StatusOr<std::vector<nlohmann::json>> ReadConfigFile(
    const std::string& path, ServerConfig& config) {
  AUTHGATE_ASSIGN_OR_RETURN(std::string text,
                            authgate::ReadConfigFile("--config", path));
  AUTHGATE_ASSIGN_OR_RETURN(
      nlohmann::json root,
      ParseConfigJson(text, absl::StrCat("config file ", path)));
  std::vector<nlohmann::json> providers;
  absl::Status status = [&]() -> absl::Status {
    ConfigObject obj(root, std::string());
    AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
    AUTHGATE_RETURN_IF_ERROR(
        obj.CheckKeys({"server", "verifier", "providers", "ext_authz", "web"}));
    if (obj.Has("server")) {
      AUTHGATE_RETURN_IF_ERROR(ReadServerSection(obj.Child("server"), config));
    }
    if (obj.Has("verifier")) {
      AUTHGATE_RETURN_IF_ERROR(
          ReadVerifierSection(obj.Child("verifier"), config));
    }
    if (obj.Has("ext_authz")) {
      AUTHGATE_RETURN_IF_ERROR(
          ReadExtAuthzSection(obj.Child("ext_authz"), config.ext_authz));
    }
    if (obj.Has("web")) {
      AUTHGATE_RETURN_IF_ERROR(ReadWebSection(obj.Child("web"), config.web));
    }
    if (obj.Has("providers")) {
      const nlohmann::json& list = obj.at("providers");
      if (!list.is_array()) {
        return ConfigFieldError("providers", "must be an array");
      }
      for (const nlohmann::json& item : list) providers.push_back(item);
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) return InFile(path, status);
  return providers;
}

// --- providers ---------------------------------------------------------------

// ParseProviderSpec(value, path), with messages about the keys in
// `variables` naming the environment variable that set the key instead of
// "PATH.KEY", and every other message prefixed with the config file.
absl::StatusOr<ProviderSpec> ParseMergedProvider(
    const nlohmann::json& value, const std::string& path,
    const std::map<std::string, std::string>& variables,
    const std::string& file) {
  // Fields an environment variable set are named by that variable.
  ConfigObject object(value, [&](absl::string_view key) {
    auto it = variables.find(std::string(key));
    if (it != variables.end()) return it->second;
    return key.empty() ? path : absl::StrCat(path, ".", key);
  });
  absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(object);
  if (spec.ok() || !absl::StartsWith(spec.status().message(), path)) {
    return spec;
  }
  return InFile(file, spec.status());
}

// The name a file provider gets: its "name", or the one ParseProviderSpec
// gives it (the core owns the defaults). nullopt when it has none yet, i.e.
// it does not parse on its own.
std::optional<std::string> FileProviderName(const nlohmann::json& value) {
  if (value.is_object()) {
    auto it = value.find("name");
    if (it != value.end() && it->is_string()) return it->get<std::string>();
  }
  absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(value, "");
  if (!spec.ok()) return std::nullopt;
  return spec->name;
}

// The environment's provider object laid over a file provider: every key a
// variable set replaces the file's, together with the keys that would
// contradict it (a secret or secret file replaces both secret keys, an
// issuer a user pool id and region, a JWKS URL any other key source).
nlohmann::json MergeEnvironment(const nlohmann::json& file,
                                const nlohmann::json& from_env,
                                const std::set<std::string>& set_by_env) {
  nlohmann::json out = file;
  if (from_env.contains("kind") && !out.contains("kind")) {
    // COGNITO_* describe a user pool, unless the file says otherwise.
    out["kind"] = from_env["kind"];
  }
  for (const std::string& key : set_by_env) {
    if (key == "client_secret") out.erase("client_secret_file");
    if (key == "client_secret_file") out.erase("client_secret");
    if (key == "issuer") {
      out.erase("user_pool_id");
      out.erase("region");
    }
    if (key == "user_pool_id") out.erase("issuer");
    if (key == "jwks_uri") {
      out.erase("jwks_file");
      out.erase("jwks_inline");
      if (auto it = out.find("endpoints"); it != out.end() && it->is_object()) {
        it->erase("jwks_uri");
      }
    }
    out[key] = from_env[key];
  }
  return out;
}

// Builds config.providers from the file's objects and the environment.
absl::Status BuildProviders(const std::vector<nlohmann::json>& file_providers,
                            const std::string& file, const Environment& env,
                            ServerConfig& config) {
  std::map<std::string, std::string> variables;
  AUTHGATE_ASSIGN_OR_RETURN(std::optional<nlohmann::json> from_env,
                            ProviderJsonFromEnvironment(env, &variables));
  std::string env_name;
  std::set<std::string> set_by_env;
  std::map<std::string, std::string> env_variables;
  if (from_env.has_value()) {
    env_name = from_env->value("name", "");
    for (const auto& item : from_env->items()) {
      // "kind" and a default "name" are filled in, not read from a variable.
      if (item.key() == "kind" || item.key() == "name") continue;
      set_by_env.insert(item.key());
      env_variables[item.key()] = variables[item.key()];
    }
  }
  bool merged = false;
  for (size_t i = 0; i < file_providers.size(); ++i) {
    const nlohmann::json& value = file_providers[i];
    std::string where = absl::StrCat("providers[", i, "]");
    ProviderSettings settings;
    settings.origin = where;
    if (from_env.has_value() && !merged &&
        FileProviderName(value) == env_name) {
      merged = true;
      settings.origin = absl::StrCat(where, " (with ", kEnvOrigin, ")");
      AUTHGATE_ASSIGN_OR_RETURN(
          settings.spec,
          ParseMergedProvider(MergeEnvironment(value, *from_env, set_by_env),
                              where, env_variables, file));
    } else {
      absl::StatusOr<ProviderSpec> spec = ParseProviderSpec(value, where);
      if (!spec.ok()) return InFile(file, spec.status());
      settings.spec = *std::move(spec);
    }
    config.providers.push_back(std::move(settings));
  }
  if (from_env.has_value() && !merged) {
    // The core's own reader of these variables, so the messages are the ones
    // every face prints ("COGNITO_CLIENT_ID: required ...").
    AUTHGATE_ASSIGN_OR_RETURN(std::optional<ProviderSpec> spec,
                              ProviderSpecFromEnvironment(env));
    if (spec.has_value()) {
      ProviderSettings settings;
      settings.spec = *std::move(spec);
      settings.origin = kEnvOrigin;
      config.providers.push_back(std::move(settings));
    }
  }
  return absl::OkStatus();
}

// --- whole-config checks
// ------------------------------------------------------

absl::Status CheckListenAddress(absl::string_view field,
                                absl::string_view address) {
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return ConfigFieldError(field, absl::StrCat("\"", address.substr(0, 128),
                                                "\" is not host:port"));
  }
  return absl::OkStatus();
}

// Reads the file (bounded, so /dev/zero or a FIFO cannot stall or exhaust
// start-up); the content is parsed later by PrepareStartup.
absl::Status CheckReadable(absl::string_view field, const std::string& path) {
  return authgate::ReadConfigFile(field, path).status();
}

// The browser face's settings, when it is on (docs/web.md).
absl::Status ValidateWeb(const ServerConfig& config) {
  const WebSettings& web = config.web;
  if (!web.enabled()) return absl::OkStatus();
  AUTHGATE_RETURN_IF_ERROR(CheckListenAddress("web.listen", web.listen));
  if (web.listen == config.metrics_listen &&
      !absl::EndsWith(web.listen, ":0")) {
    return ConfigFieldError("web.listen", "is also metrics_listen");
  }
  if (web.prefix.size() < 2 || web.prefix[0] != '/' ||
      web.prefix.back() == '/' ||
      web.prefix.find_first_of("?#% \t\r\n") != std::string::npos ||
      absl::StartsWith(web.prefix, "/v1/") || web.prefix == "/v1") {
    return ConfigFieldError(
        "web.prefix",
        "must start with '/', not end with '/', and not be /v1 (e.g. "
        "\"/oauth2\")");
  }
  const CookieSettings& cookie = web.cookie;
  if (web.cookie_secret_file.empty()) {
    return ConfigFieldError("web.cookie.secret_file",
                            "required with web.listen (a key ring: one "
                            "base64 32-byte key per line, openssl rand "
                            "-base64 32)");
  }
  AUTHGATE_RETURN_IF_ERROR(
      CheckReadable("web.cookie.secret_file", web.cookie_secret_file));
  // RFC 6265 cookie-name is an HTTP token.
  if (cookie.name.empty() || cookie.name.size() > 64 ||
      cookie.name.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
          "!#$&'*+-.^_`|~") != std::string::npos) {
    return ConfigFieldError("web.cookie.name",
                            "must be 1 to 64 letters, digits or -._");
  }
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{
                                         "web.cookie.domain", &cookie.domain},
                                     {"web.cookie.path", &cookie.path}}) {
    if (value->find_first_of(";, \t\r\n\"") != std::string::npos) {
      return ConfigFieldError(field,
                              "must not contain ';', ',', quotes or "
                              "whitespace");
    }
  }
  if (cookie.path.empty() || cookie.path[0] != '/') {
    return ConfigFieldError("web.cookie.path", "must start with '/'");
  }
  if (cookie.same_site == "None" && !cookie.secure) {
    return ConfigFieldError("web.cookie.same_site",
                            "none requires web.cookie.secure (browsers drop "
                            "SameSite=None cookies without Secure)");
  }
  const std::pair<const char*, DurationRange> durations[] = {
      {"web.session_lifetime", {absl::Minutes(1), absl::Hours(90 * 24)}},
      {"web.refresh_margin", {absl::ZeroDuration(), absl::Hours(1)}},
      {"web.session_store.timeout", {absl::Milliseconds(1), absl::Seconds(60)}},
  };
  const absl::Duration values[] = {web.session_lifetime, web.refresh_margin,
                                   web.redis.timeout};
  for (size_t i = 0; i < std::size(durations); ++i) {
    AUTHGATE_RETURN_IF_ERROR(
        CheckDurationRange(durations[i].first, values[i], durations[i].second));
  }
  AUTHGATE_RETURN_IF_ERROR(
      CheckCountRange("web.threads", web.threads, {1, 1024}));
  if (web.session_store == "redis") {
    if (web.redis.url.empty()) {
      return ConfigFieldError("web.session_store.url",
                              "required with type \"redis\"");
    }
    if (!web.redis.password_file.empty()) {
      AUTHGATE_RETURN_IF_ERROR(CheckReadable("web.session_store.password_file",
                                             web.redis.password_file));
    }
  }
  // The provider and client that sign browsers in.
  const ProviderSettings* provider = nullptr;
  if (web.provider.empty()) {
    if (config.providers.size() != 1) {
      return ConfigFieldError(
          "web.provider",
          "required when several providers are configured (name one)");
    }
    provider = &config.providers.front();
  } else {
    for (const ProviderSettings& candidate : config.providers) {
      if (candidate.spec.name == web.provider) provider = &candidate;
    }
    if (provider == nullptr) {
      return ConfigFieldError(
          "web.provider",
          absl::StrCat("no provider named ", QuoteConfigText(web.provider)));
    }
  }
  std::string named = QuoteConfigText(provider->spec.name);
  if (provider->spec.keys.is_static()) {
    return ConfigFieldError(
        "web.provider",
        absl::StrCat("provider ", named,
                     " has static keys (jwks_file / jwks_inline): it has no "
                     "OAuth endpoints to sign browsers in with"));
  }
  if (provider->spec.clients.empty()) {
    return ConfigFieldError(
        "web.provider",
        absl::StrCat("provider ", named, " has no OAuth client (client_id)"));
  }
  const OAuthClientSpec* client = provider->spec.FindClient(web.client_id);
  if (client == nullptr) {
    return ConfigFieldError("web.client_id",
                            absl::StrCat("provider ", named, " has no client ",
                                         QuoteConfigText(web.client_id)));
  }
  if (web.redirect_url.empty() && client->redirect_uri.empty()) {
    return ConfigFieldError(
        "web.redirect_url",
        absl::StrCat("required: client ", QuoteConfigText(client->client_id),
                     " of provider ", named,
                     " has no redirect_uri (the callback URL, e.g. "
                     "https://app.example.com/oauth2/callback)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateServer(const ServerConfig& config) {
  if (config.listen.empty() && config.unix_socket.empty()) {
    return ConfigFieldError("listen",
                            "set a TCP address (listen) or a unix_socket");
  }
  if (!config.listen.empty()) {
    AUTHGATE_RETURN_IF_ERROR(CheckListenAddress("listen", config.listen));
  }
  if (!config.metrics_listen.empty()) {
    AUTHGATE_RETURN_IF_ERROR(
        CheckListenAddress("metrics_listen", config.metrics_listen));
  }
  const TlsSettings& tls = config.tls;
  if (tls.enabled()) {
    if (tls.key_file.empty()) {
      return ConfigFieldError("tls.key_file", "required with tls.cert_file");
    }
    AUTHGATE_RETURN_IF_ERROR(CheckReadable("tls.cert_file", tls.cert_file));
    AUTHGATE_RETURN_IF_ERROR(CheckReadable("tls.key_file", tls.key_file));
  } else if (!tls.key_file.empty() || !tls.client_ca_file.empty()) {
    return ConfigFieldError("tls.cert_file",
                            "required with tls.key_file or tls.client_ca_file");
  }
  if (!tls.client_ca_file.empty()) {
    AUTHGATE_RETURN_IF_ERROR(
        CheckReadable("tls.client_ca_file", tls.client_ca_file));
  }
  if (tls.require_client_cert && tls.client_ca_file.empty()) {
    return ConfigFieldError("tls.require_client_cert",
                            "needs tls.client_ca_file");
  }
  // Every bound in one table, so a flag and a file key meet the same one.
  const std::pair<const char*, DurationRange> durations[] = {
      {"shutdown_grace", {absl::ZeroDuration(), absl::Minutes(10)}},
      {"provider_retry_initial", {absl::Milliseconds(1), absl::Hours(1)}},
      {"provider_retry_max", {absl::Milliseconds(1), absl::Hours(24)}},
      {"secret_poll_interval", {absl::ZeroDuration(), absl::Hours(1)}},
  };
  const absl::Duration duration_values[] = {
      config.shutdown_grace, config.provider_retry_initial,
      config.provider_retry_max, config.secret_poll_interval};
  for (size_t i = 0; i < std::size(durations); ++i) {
    AUTHGATE_RETURN_IF_ERROR(CheckDurationRange(
        durations[i].first, duration_values[i], durations[i].second));
  }
  const std::pair<const char*, CountRange> counts[] = {
      {"worker_threads", {1, 256}},
      {"max_queued_calls", {1, 1u << 20}},
      {"rejection_log_rate", {0, 1000000}},
      {"max_metadata_bytes", {1024, 1024 * 1024}},
      {"max_message_bytes", {1024, 64 * 1024 * 1024}},
      {"verifier.max_token_bytes", {256, 1u << 20}},
      {"verifier.cache_max_entries", {0, 1u << 24}},
      {"verifier.cache_max_bytes", {0, uint64_t{1} << 34}},
  };
  const uint64_t count_values[] = {
      config.worker_threads,     config.max_queued_calls,
      config.rejection_log_rate, config.max_metadata_bytes,
      config.max_message_bytes,  config.max_token_bytes,
      config.cache_max_entries,  config.cache_max_bytes};
  for (size_t i = 0; i < std::size(counts); ++i) {
    AUTHGATE_RETURN_IF_ERROR(
        CheckCountRange(counts[i].first, count_values[i], counts[i].second));
  }
  if (config.provider_retry_max < config.provider_retry_initial) {
    return ConfigFieldError("provider_retry_initial",
                            "must be at most provider_retry_max");
  }
  if (config.providers.empty()) {
    return ConfigFieldError("providers",
                            "none configured (set COGNITO_ISSUER or list "
                            "providers in a --config file)");
  }
  std::set<std::string> names;
  for (const ProviderSettings& provider : config.providers) {
    if (!names.insert(provider.spec.name).second) {
      return ConfigFieldError(
          provider.origin,
          absl::StrCat("provider name ", QuoteConfigText(provider.spec.name),
                       " is used twice; give each provider a \"name\""));
    }
  }
  if (!config.ext_authz.provider.empty() &&
      names.count(config.ext_authz.provider) == 0) {
    return ConfigFieldError(
        "ext_authz.provider",
        absl::StrCat("no provider named ",
                     QuoteConfigText(config.ext_authz.provider)));
  }
  return ValidateWeb(config);
}

}  // namespace

absl::StatusOr<ServerConfig> LoadServerConfig(
    const std::vector<std::string>& args, const Environment& env) {
  AUTHGATE_ASSIGN_OR_RETURN(FlagValues flags, ParseFlags(args));
  ServerConfig config;
  if (flags.help || flags.version) {
    config.help = flags.help;
    config.version = flags.version && !flags.help;
    return config;
  }
  config.check_only = flags.check_config;
  auto flag = [&flags](const char* name) -> const std::string* {
    auto it = flags.values.find(name);
    return it == flags.values.end() ? nullptr : &it->second;
  };

  // 1. The config file (providers are parsed in 2, over the environment).
  std::vector<nlohmann::json> file_providers;
  std::string path;
  if (const std::string* from_flag = flag("config")) {
    path = *from_flag;
  } else if (std::optional<std::string> from_env = env("AUTHGATE_CONFIG")) {
    path = *from_env;
  }
  if (!path.empty()) {
    AUTHGATE_ASSIGN_OR_RETURN(file_providers, ReadConfigFile(path, config));
  }

  // 2. The environment.
  const std::pair<const char*, std::string*> server_vars[] = {
      {"AUTHGATE_LISTEN", &config.listen},
      {"AUTHGATE_UNIX_SOCKET", &config.unix_socket},
      {"AUTHGATE_METRICS_LISTEN", &config.metrics_listen},
      {"AUTHGATE_WEB_LISTEN", &config.web.listen},
  };
  for (const auto& [name, target] : server_vars) {
    AUTHGATE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                              ReadEnvironmentValue(env, name));
    if (value.has_value()) *target = *std::move(value);
  }
  AUTHGATE_ASSIGN_OR_RETURN(std::optional<std::string> env_level,
                            ReadEnvironmentValue(env, "AUTHGATE_LOG_LEVEL"));
  if (env_level.has_value()) {
    AUTHGATE_ASSIGN_OR_RETURN(config.log_level,
                              ParseLogLevel("AUTHGATE_LOG_LEVEL", *env_level));
  }
  AUTHGATE_RETURN_IF_ERROR(BuildProviders(file_providers, path, env, config));

  // 3. Flags.
  const std::pair<const char*, std::string*> string_flags[] = {
      {"listen", &config.listen},
      {"unix_socket", &config.unix_socket},
      {"metrics_listen", &config.metrics_listen},
      {"tls_cert", &config.tls.cert_file},
      {"tls_key", &config.tls.key_file},
      {"tls_client_ca", &config.tls.client_ca_file},
      {"web_listen", &config.web.listen},
  };
  for (const auto& [name, target] : string_flags) {
    if (const std::string* value = flag(name)) *target = *value;
  }
  if (flags.require_client_cert_given) {
    config.tls.require_client_cert = flags.require_client_cert;
  }
  if (const std::string* grace = flag("shutdown_grace")) {
    AUTHGATE_ASSIGN_OR_RETURN(config.shutdown_grace,
                              ParseDurationText("--shutdown_grace", *grace));
  }
  const std::pair<const char*, size_t*> count_flags[] = {
      {"worker_threads", &config.worker_threads},
      {"max_queued_calls", &config.max_queued_calls},
  };
  for (const auto& [name, target] : count_flags) {
    if (const std::string* value = flag(name)) {
      AUTHGATE_ASSIGN_OR_RETURN(
          *target, ParseCountText(absl::StrCat("--", name), *value));
    }
  }
  if (const std::string* level = flag("log_level")) {
    AUTHGATE_ASSIGN_OR_RETURN(config.log_level,
                              ParseLogLevel("--log_level", *level));
  }

  // 4. Whole-config checks.
  AUTHGATE_RETURN_IF_ERROR(ValidateServer(config));
  return config;
}

std::string ServerUsage() {
  FlagValues flags;
  return MakeApp(flags)->help();
}

std::string ServerVersion() {
  return absl::StrCat("authgate-server ", kVersion);
}

}  // namespace authgate::service
