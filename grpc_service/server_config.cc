#include "grpc_service/server_config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"

namespace authgate::service {
namespace {

// Origin label of the provider described by COGNITO_* variables.
constexpr char kEnvOrigin[] = "COGNITO_* environment";

absl::Status ConfigError(absl::string_view field, absl::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kConfigInvalid,
                   absl::StrCat(field, ": ", what));
}

// Reads a whole small file. The message names the path, never the content.
absl::StatusOr<std::string> ReadFile(absl::string_view field,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError(field, absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigError(field, absl::StrCat("cannot read ", path));
  return text.str();
}

absl::StatusOr<std::string> ReadSecretFile(absl::string_view field,
                                           const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(field, path);
  if (!text.ok()) return text.status();
  // Secrets mounted by Kubernetes or written with echo end in a newline that
  // is not part of the secret.
  std::string value(absl::StripTrailingAsciiWhitespace(*text));
  if (value.empty()) {
    return ConfigError(field, absl::StrCat(path, " is empty"));
  }
  return value;
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view field,
                                                 absl::string_view text) {
  absl::Duration duration;
  double seconds = 0;
  if (absl::ParseDuration(text, &duration)) return duration;
  // A bare number means seconds.
  if (absl::SimpleAtod(text, &seconds)) return absl::Seconds(seconds);
  return ConfigError(field, absl::StrCat("invalid duration \"", text,
                                         "\" (e.g. \"10s\", \"1m30s\")"));
}

absl::StatusOr<size_t> ParseCount(absl::string_view field,
                                  absl::string_view text) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return ConfigError(
        field, absl::StrCat("not a non-negative integer: \"", text, "\""));
  }
  return static_cast<size_t>(value);
}

absl::StatusOr<bool> ParseBoolText(absl::string_view field,
                                   absl::string_view text) {
  bool value = false;
  if (!absl::SimpleAtob(text, &value)) {
    return ConfigError(field, absl::StrCat("not a boolean: \"", text, "\""));
  }
  return value;
}

absl::StatusOr<Match> ParseMatch(absl::string_view field,
                                 absl::string_view text) {
  if (text == "all") return Match::kAll;
  if (text == "any") return Match::kAny;
  return ConfigError(
      field, absl::StrCat("must be \"all\" or \"any\", not \"", text, "\""));
}

// Typed reads of one JSON object with the path used in messages. Every key
// must be declared by the caller (CheckKeys), so typos are errors.
class JsonObject {
 public:
  JsonObject(const nlohmann::json& value, std::string path)
      : value_(value), path_(std::move(path)) {}

  absl::Status CheckIsObject() const {
    if (!value_.is_object()) return ConfigError(path_, "must be an object");
    return absl::OkStatus();
  }

  absl::Status CheckKeys(const std::set<std::string>& known) const {
    for (const auto& item : value_.items()) {
      if (known.count(item.key()) == 0) {
        return ConfigError(Field(item.key()), "unknown field");
      }
    }
    return absl::OkStatus();
  }

  std::string Field(absl::string_view name) const {
    return path_.empty() ? std::string(name) : absl::StrCat(path_, ".", name);
  }
  bool Has(const std::string& name) const { return value_.contains(name); }
  const nlohmann::json& at(const std::string& name) const {
    return value_.at(name);
  }

  absl::StatusOr<std::optional<std::string>> String(
      const std::string& name) const {
    if (!Has(name)) return std::optional<std::string>();
    const nlohmann::json& v = value_.at(name);
    if (!v.is_string()) return ConfigError(Field(name), "must be a string");
    return std::optional<std::string>(v.get<std::string>());
  }

  absl::StatusOr<std::optional<std::vector<std::string>>> StringList(
      const std::string& name) const {
    if (!Has(name)) return std::optional<std::vector<std::string>>();
    const nlohmann::json& v = value_.at(name);
    if (!v.is_array()) {
      return ConfigError(Field(name), "must be an array of strings");
    }
    std::vector<std::string> out;
    for (const nlohmann::json& item : v) {
      if (!item.is_string()) {
        return ConfigError(Field(name), "must be an array of strings");
      }
      out.push_back(item.get<std::string>());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
  }

  absl::StatusOr<std::optional<bool>> Bool(const std::string& name) const {
    if (!Has(name)) return std::optional<bool>();
    const nlohmann::json& v = value_.at(name);
    if (!v.is_boolean())
      return ConfigError(Field(name), "must be true or false");
    return std::optional<bool>(v.get<bool>());
  }

  absl::StatusOr<std::optional<size_t>> Count(const std::string& name) const {
    if (!Has(name)) return std::optional<size_t>();
    const nlohmann::json& v = value_.at(name);
    if (!v.is_number_unsigned()) {
      return ConfigError(Field(name), "must be a non-negative integer");
    }
    return std::optional<size_t>(v.get<size_t>());
  }

  // A string such as "10s" / "1m30s", or a number of seconds.
  absl::StatusOr<std::optional<absl::Duration>> Duration(
      const std::string& name) const {
    if (!Has(name)) return std::optional<absl::Duration>();
    const nlohmann::json& v = value_.at(name);
    if (v.is_number()) {
      return std::optional<absl::Duration>(absl::Seconds(v.get<double>()));
    }
    if (!v.is_string()) {
      return ConfigError(Field(name),
                         "must be a duration string (\"10s\") or seconds");
    }
    absl::StatusOr<absl::Duration> d =
        ParseDurationText(Field(name), v.get<std::string>());
    if (!d.ok()) return d.status();
    return std::optional<absl::Duration>(*d);
  }

 private:
  const nlohmann::json& value_;
  std::string path_;
};

// Assigns `out` from an optional read when present; returns the read's error.
#define AUTHGATE_CONFIG_SET(out, read) \
  do {                                 \
    auto authgate_read_ = (read);      \
    if (!authgate_read_.ok()) {        \
      return authgate_read_.status();  \
    }                                  \
    if (authgate_read_->has_value()) { \
      out = **authgate_read_;          \
    }                                  \
  } while (false)

// A provider's settings as written, before they become a ProviderConfig.
// File and environment both fill one, so the environment can override a
// provider of the file field by field.
struct ProviderInput {
  std::string origin;
  std::optional<std::string> name, kind, issuer, domain, client_id,
      client_secret, client_secret_file, auth_method, redirect_uri,
      logout_style;
  std::optional<std::vector<std::string>> scopes, audiences, token_uses,
      token_types, additional_issuers;
  std::optional<bool> use_discovery, allow_insecure_http, updated_issuer_format;
  std::optional<absl::Duration> clock_skew, http_timeout;
  ProviderEndpoints endpoints;
  std::optional<JwksCacheOptions> jwks;
  // Field name → environment variable that feeds it, for messages.
  std::map<std::string, std::string> env_origin;
  // Fields an environment variable actually set.
  std::set<std::string> env_set;

  std::string FieldName(const std::string& field) const {
    auto it = env_origin.find(field);
    if (it != env_origin.end()) return it->second;
    return absl::StrCat(origin, ".", field);
  }
};

absl::StatusOr<JwksCacheOptions> ReadJwksOptions(const JsonObject& obj) {
  if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
  if (absl::Status s =
          obj.CheckKeys({"default_ttl", "min_ttl", "max_ttl",
                         "refetch_cooldown", "max_staleness", "refresh_ahead",
                         "fetch_timeout", "background_refresh"});
      !s.ok()) {
    return s;
  }
  JwksCacheOptions options;
  AUTHGATE_CONFIG_SET(options.default_ttl, obj.Duration("default_ttl"));
  AUTHGATE_CONFIG_SET(options.min_ttl, obj.Duration("min_ttl"));
  AUTHGATE_CONFIG_SET(options.max_ttl, obj.Duration("max_ttl"));
  AUTHGATE_CONFIG_SET(options.refetch_cooldown,
                      obj.Duration("refetch_cooldown"));
  AUTHGATE_CONFIG_SET(options.max_staleness, obj.Duration("max_staleness"));
  AUTHGATE_CONFIG_SET(options.refresh_ahead, obj.Duration("refresh_ahead"));
  AUTHGATE_CONFIG_SET(options.fetch_timeout, obj.Duration("fetch_timeout"));
  AUTHGATE_CONFIG_SET(options.background_refresh,
                      obj.Bool("background_refresh"));
  return options;
}

absl::StatusOr<ProviderInput> ReadProviderInput(const JsonObject& obj,
                                                std::string origin) {
  if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
  if (absl::Status s = obj.CheckKeys({"name",
                                      "kind",
                                      "issuer",
                                      "additional_issuers",
                                      "domain",
                                      "updated_issuer_format",
                                      "client_id",
                                      "client_secret",
                                      "client_secret_file",
                                      "auth_method",
                                      "redirect_uri",
                                      "scopes",
                                      "audiences",
                                      "token_uses",
                                      "token_types",
                                      "use_discovery",
                                      "jwks_uri",
                                      "endpoints",
                                      "logout_style",
                                      "clock_skew",
                                      "http_timeout",
                                      "allow_insecure_http",
                                      "jwks"});
      !s.ok()) {
    return s;
  }
  ProviderInput in;
  in.origin = std::move(origin);
  AUTHGATE_CONFIG_SET(in.name, obj.String("name"));
  AUTHGATE_CONFIG_SET(in.kind, obj.String("kind"));
  AUTHGATE_CONFIG_SET(in.issuer, obj.String("issuer"));
  AUTHGATE_CONFIG_SET(in.additional_issuers,
                      obj.StringList("additional_issuers"));
  AUTHGATE_CONFIG_SET(in.domain, obj.String("domain"));
  AUTHGATE_CONFIG_SET(in.updated_issuer_format,
                      obj.Bool("updated_issuer_format"));
  AUTHGATE_CONFIG_SET(in.client_id, obj.String("client_id"));
  AUTHGATE_CONFIG_SET(in.client_secret, obj.String("client_secret"));
  AUTHGATE_CONFIG_SET(in.client_secret_file, obj.String("client_secret_file"));
  AUTHGATE_CONFIG_SET(in.auth_method, obj.String("auth_method"));
  AUTHGATE_CONFIG_SET(in.redirect_uri, obj.String("redirect_uri"));
  AUTHGATE_CONFIG_SET(in.scopes, obj.StringList("scopes"));
  AUTHGATE_CONFIG_SET(in.audiences, obj.StringList("audiences"));
  AUTHGATE_CONFIG_SET(in.token_uses, obj.StringList("token_uses"));
  AUTHGATE_CONFIG_SET(in.token_types, obj.StringList("token_types"));
  AUTHGATE_CONFIG_SET(in.use_discovery, obj.Bool("use_discovery"));
  AUTHGATE_CONFIG_SET(in.logout_style, obj.String("logout_style"));
  AUTHGATE_CONFIG_SET(in.clock_skew, obj.Duration("clock_skew"));
  AUTHGATE_CONFIG_SET(in.http_timeout, obj.Duration("http_timeout"));
  AUTHGATE_CONFIG_SET(in.allow_insecure_http, obj.Bool("allow_insecure_http"));
  AUTHGATE_CONFIG_SET(in.endpoints.jwks_uri, obj.String("jwks_uri"));
  if (obj.Has("endpoints")) {
    JsonObject endpoints(obj.at("endpoints"), obj.Field("endpoints"));
    if (absl::Status s = endpoints.CheckIsObject(); !s.ok()) return s;
    if (absl::Status s = endpoints.CheckKeys(
            {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
             "revocation_endpoint", "end_session_endpoint", "jwks_uri"});
        !s.ok()) {
      return s;
    }
    ProviderEndpoints& e = in.endpoints;
    AUTHGATE_CONFIG_SET(e.authorization_endpoint,
                        endpoints.String("authorization_endpoint"));
    AUTHGATE_CONFIG_SET(e.token_endpoint, endpoints.String("token_endpoint"));
    AUTHGATE_CONFIG_SET(e.userinfo_endpoint,
                        endpoints.String("userinfo_endpoint"));
    AUTHGATE_CONFIG_SET(e.revocation_endpoint,
                        endpoints.String("revocation_endpoint"));
    AUTHGATE_CONFIG_SET(e.end_session_endpoint,
                        endpoints.String("end_session_endpoint"));
    AUTHGATE_CONFIG_SET(e.jwks_uri, endpoints.String("jwks_uri"));
  }
  if (obj.Has("jwks")) {
    absl::StatusOr<JwksCacheOptions> jwks =
        ReadJwksOptions(JsonObject(obj.at("jwks"), obj.Field("jwks")));
    if (!jwks.ok()) return jwks.status();
    in.jwks = *jwks;
  }
  return in;
}

// Environment values override `in` field by field.
void MergeProviderInput(const ProviderInput& over, ProviderInput& in) {
  auto take = [](const auto& from, auto& to) {
    if (from.has_value()) to = from;
  };
  take(over.name, in.name);
  take(over.issuer, in.issuer);
  take(over.domain, in.domain);
  take(over.client_id, in.client_id);
  // A secret from the environment replaces the file's, whichever form.
  if (over.client_secret.has_value() || over.client_secret_file.has_value()) {
    in.client_secret = over.client_secret;
    in.client_secret_file = over.client_secret_file;
  }
  take(over.redirect_uri, in.redirect_uri);
  if (!over.endpoints.jwks_uri.empty()) {
    in.endpoints.jwks_uri = over.endpoints.jwks_uri;
  }
  for (const std::string& field : over.env_set) {
    in.env_origin[field] = over.env_origin.at(field);
  }
}

absl::StatusOr<ProviderSettings> BuildProvider(const ProviderInput& in) {
  if (!in.issuer.has_value() || in.issuer->empty()) {
    return ConfigError(in.FieldName("issuer"), "required");
  }
  ProviderSettings out;
  out.origin = in.origin;
  const std::string domain = in.domain.value_or("");

  absl::StatusOr<CognitoPool> pool = CognitoPoolFromIssuer(*in.issuer, domain);
  if (in.kind.has_value()) {
    out.kind = *in.kind;
  } else {
    out.kind = pool.ok() ? "cognito" : "oidc";
  }
  ProviderConfig& config = out.config;
  if (out.kind == "cognito") {
    if (!pool.ok()) {
      return ConfigError(in.FieldName("issuer"), pool.status().message());
    }
    pool->updated_issuer_format = in.updated_issuer_format.value_or(false);
    pool->jwks_uri = in.endpoints.jwks_uri;
    absl::StatusOr<ProviderConfig> made = MakeCognitoProviderConfig(*pool);
    if (!made.ok()) {
      return ConfigError(in.FieldName("issuer"), made.status().message());
    }
    config = *std::move(made);
  } else if (out.kind == "oidc") {
    if (in.domain.has_value()) {
      return ConfigError(in.FieldName("domain"),
                         "only for kind \"cognito\" (OIDC endpoints come "
                         "from discovery or \"endpoints\")");
    }
    config.issuer = *in.issuer;
  } else {
    return ConfigError(in.FieldName("kind"),
                       absl::StrCat("must be \"cognito\" or \"oidc\", not \"",
                                    out.kind, "\""));
  }
  config.name = in.name.value_or(out.kind);
  if (in.additional_issuers.has_value()) {
    config.additional_issuers = *in.additional_issuers;
  }
  config.client_id = in.client_id.value_or("");
  if (in.client_secret.has_value() && in.client_secret_file.has_value()) {
    return ConfigError(in.FieldName("client_secret_file"),
                       "set either client_secret or client_secret_file");
  }
  if (in.client_secret.has_value()) config.client_secret = *in.client_secret;
  if (in.client_secret_file.has_value()) {
    absl::StatusOr<std::string> secret = ReadSecretFile(
        in.FieldName("client_secret_file"), *in.client_secret_file);
    if (!secret.ok()) return secret.status();
    config.client_secret = *std::move(secret);
  }
  if (in.auth_method.has_value()) {
    std::optional<ClientAuthMethod> method =
        ClientAuthMethodFromName(*in.auth_method);
    if (!method.has_value()) {
      return ConfigError(in.FieldName("auth_method"),
                         "must be client_secret_basic, client_secret_post "
                         "or none");
    }
    config.auth_method = *method;
  } else if (config.client_secret.empty()) {
    // No secret configured: a public client (PKCE only).
    config.auth_method = ClientAuthMethod::kNone;
  }
  if (in.redirect_uri.has_value()) config.redirect_uri = *in.redirect_uri;
  if (in.scopes.has_value()) config.scopes = *in.scopes;
  if (in.token_uses.has_value()) config.token_uses = *in.token_uses;
  if (in.token_types.has_value()) config.token_types = *in.token_types;
  if (in.use_discovery.has_value()) config.use_discovery = *in.use_discovery;
  if (in.logout_style.has_value()) {
    if (*in.logout_style == "oidc") {
      config.logout_style = LogoutStyle::kOidc;
    } else if (*in.logout_style == "cognito") {
      config.logout_style = LogoutStyle::kCognito;
    } else {
      return ConfigError(in.FieldName("logout_style"),
                         "must be \"oidc\" or \"cognito\"");
    }
  }
  if (in.clock_skew.has_value()) config.clock_skew = *in.clock_skew;
  if (in.http_timeout.has_value()) config.http_timeout = *in.http_timeout;
  if (in.allow_insecure_http.has_value()) {
    config.allow_insecure_http = *in.allow_insecure_http;
  }
  if (in.jwks.has_value()) config.jwks = *in.jwks;
  // Explicit endpoints win over derived (Cognito) and discovered ones.
  const ProviderEndpoints& e = in.endpoints;
  auto override_endpoint = [](const std::string& from, std::string& to) {
    if (!from.empty()) to = from;
  };
  override_endpoint(e.authorization_endpoint,
                    config.endpoints.authorization_endpoint);
  override_endpoint(e.token_endpoint, config.endpoints.token_endpoint);
  override_endpoint(e.userinfo_endpoint, config.endpoints.userinfo_endpoint);
  override_endpoint(e.revocation_endpoint,
                    config.endpoints.revocation_endpoint);
  override_endpoint(e.end_session_endpoint,
                    config.endpoints.end_session_endpoint);
  override_endpoint(e.jwks_uri, config.endpoints.jwks_uri);
  if (in.audiences.has_value()) out.extra_audiences = *in.audiences;

  if (absl::Status valid = config.Validate(); !valid.ok()) {
    // The core's message starts with the field name; when that field came
    // from an environment variable, name the variable.
    std::string field(valid.message().substr(0, valid.message().find(' ')));
    if (auto it = in.env_origin.find(field); it != in.env_origin.end()) {
      return ConfigError(it->second, valid.message());
    }
    // Otherwise say which provider.
    std::string where =
        in.env_origin.empty() || in.origin == kEnvOrigin
            ? in.origin
            : absl::StrCat(in.origin, " (with COGNITO_* environment)");
    return ConfigError(absl::StrCat(where, " \"", config.name, "\""),
                       valid.message());
  }
  return out;
}

// Everything --flags can set. Value-less flags hold "true".
struct FlagValues {
  std::map<std::string, std::string> values;
  bool Has(const std::string& name) const { return values.count(name) != 0; }
};

const std::set<std::string>& KnownValueFlags() {
  static const auto* flags = new std::set<std::string>{
      "config",         "listen",           "unix_socket",   "metrics_listen",
      "tls_cert",       "tls_key",          "tls_client_ca", "shutdown_grace",
      "worker_threads", "max_queued_calls", "log_level"};
  return *flags;
}
const std::set<std::string>& KnownBoolFlags() {
  static const auto* flags =
      new std::set<std::string>{"require_client_cert", "check_config", "help"};
  return *flags;
}

absl::StatusOr<FlagValues> ParseFlags(const std::vector<std::string>& args) {
  FlagValues flags;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--")) {
      return ConfigError(args[i],
                         "unexpected argument (flags are --name=value)");
    }
    std::string name, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    } else {
      name = std::string(arg);
    }
    if (name == "h") name = "help";
    if (KnownBoolFlags().count(name) != 0) {
      flags.values[name] = has_value ? value : "true";
    } else if (KnownValueFlags().count(name) != 0) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return ConfigError(absl::StrCat("--", name), "needs a value");
        }
        value = args[++i];
      }
      flags.values[name] = value;
    } else {
      return ConfigError(absl::StrCat("--", name), "unknown flag (see --help)");
    }
  }
  return flags;
}

// Reads NAME or NAME_FILE; both set is an error.
absl::StatusOr<std::optional<std::string>> ReadEnv(const Environment& env,
                                                   const std::string& name) {
  std::optional<std::string> direct = env(name);
  std::optional<std::string> file = env(name + "_FILE");
  if (direct.has_value() && file.has_value()) {
    return ConfigError(name, absl::StrCat("set either ", name, " or ", name,
                                          "_FILE, not both"));
  }
  if (file.has_value()) {
    absl::StatusOr<std::string> value = ReadSecretFile(name + "_FILE", *file);
    if (!value.ok()) return value.status();
    return std::optional<std::string>(*std::move(value));
  }
  return direct;
}

absl::Status ReadServerSection(const JsonObject& obj, ServerConfig& config) {
  if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
  if (absl::Status s = obj.CheckKeys(
          {"listen", "unix_socket", "metrics_listen", "shutdown_grace",
           "worker_threads", "max_queued_calls", "max_concurrent_streams",
           "log_level", "rejection_log_rate", "provider_retry_initial",
           "provider_retry_max", "provider_ca_file", "tls"});
      !s.ok()) {
    return s;
  }
  AUTHGATE_CONFIG_SET(config.listen, obj.String("listen"));
  AUTHGATE_CONFIG_SET(config.unix_socket, obj.String("unix_socket"));
  AUTHGATE_CONFIG_SET(config.metrics_listen, obj.String("metrics_listen"));
  AUTHGATE_CONFIG_SET(config.shutdown_grace, obj.Duration("shutdown_grace"));
  AUTHGATE_CONFIG_SET(config.worker_threads, obj.Count("worker_threads"));
  AUTHGATE_CONFIG_SET(config.max_queued_calls, obj.Count("max_queued_calls"));
  AUTHGATE_CONFIG_SET(config.rejection_log_rate,
                      obj.Count("rejection_log_rate"));
  std::optional<size_t> streams;
  AUTHGATE_CONFIG_SET(streams, obj.Count("max_concurrent_streams"));
  if (streams.has_value()) config.max_concurrent_streams = *streams;
  AUTHGATE_CONFIG_SET(config.provider_retry_initial,
                      obj.Duration("provider_retry_initial"));
  AUTHGATE_CONFIG_SET(config.provider_retry_max,
                      obj.Duration("provider_retry_max"));
  AUTHGATE_CONFIG_SET(config.provider_ca_file, obj.String("provider_ca_file"));
  std::optional<std::string> level;
  AUTHGATE_CONFIG_SET(level, obj.String("log_level"));
  if (level.has_value()) {
    std::optional<LogLevel> parsed = LogLevelFromName(*level);
    if (!parsed.has_value()) {
      return ConfigError(obj.Field("log_level"),
                         "must be debug, info, warn or error");
    }
    config.log_level = *parsed;
  }
  if (obj.Has("tls")) {
    JsonObject tls(obj.at("tls"), obj.Field("tls"));
    if (absl::Status s = tls.CheckIsObject(); !s.ok()) return s;
    if (absl::Status s = tls.CheckKeys(
            {"cert_file", "key_file", "client_ca_file", "require_client_cert"});
        !s.ok()) {
      return s;
    }
    AUTHGATE_CONFIG_SET(config.tls.cert_file, tls.String("cert_file"));
    AUTHGATE_CONFIG_SET(config.tls.key_file, tls.String("key_file"));
    AUTHGATE_CONFIG_SET(config.tls.client_ca_file,
                        tls.String("client_ca_file"));
    AUTHGATE_CONFIG_SET(config.tls.require_client_cert,
                        tls.Bool("require_client_cert"));
  }
  return absl::OkStatus();
}

absl::Status ReadVerifierSection(const JsonObject& obj, ServerConfig& config) {
  if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
  if (absl::Status s = obj.CheckKeys({"cache_max_entries", "cache_max_bytes"});
      !s.ok()) {
    return s;
  }
  AUTHGATE_CONFIG_SET(config.cache_max_entries, obj.Count("cache_max_entries"));
  AUTHGATE_CONFIG_SET(config.cache_max_bytes, obj.Count("cache_max_bytes"));
  return absl::OkStatus();
}

absl::Status ReadExtAuthzSection(const JsonObject& obj, ExtAuthzSettings& ext) {
  if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
  if (absl::Status s =
          obj.CheckKeys({"provider", "token_uses", "audiences",
                         "required_scopes", "scope_match", "required_groups",
                         "group_match", "realm", "forward_authorization"});
      !s.ok()) {
    return s;
  }
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
    absl::StatusOr<Match> match = ParseMatch(obj.Field(name), *text);
    if (!match.ok()) return match.status();
    (std::string(name) == "scope_match" ? ext.scope_match : ext.group_match) =
        *match;
  }
  // RFC 7235 quoted-string: a quote or backslash would break the header.
  if (ext.realm.find_first_of("\"\\") != std::string::npos) {
    return ConfigError(obj.Field("realm"), "must not contain '\"' or '\\'");
  }
  return absl::OkStatus();
}

absl::Status ReadConfigFile(const std::string& path, ServerConfig& config,
                            std::vector<ProviderInput>& providers) {
  absl::StatusOr<std::string> text = ReadFile("--config", path);
  if (!text.ok()) return text.status();
  nlohmann::json root =
      nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false,
                            /*ignore_comments=*/true);
  if (root.is_discarded()) {
    return ConfigError(absl::StrCat("config file ", path), "not valid JSON");
  }
  JsonObject obj(root, "");
  absl::Status status = [&]() -> absl::Status {
    if (absl::Status s = obj.CheckIsObject(); !s.ok()) return s;
    if (absl::Status s =
            obj.CheckKeys({"server", "verifier", "providers", "ext_authz"});
        !s.ok()) {
      return s;
    }
    if (obj.Has("server")) {
      if (absl::Status s =
              ReadServerSection(JsonObject(obj.at("server"), "server"), config);
          !s.ok()) {
        return s;
      }
    }
    if (obj.Has("verifier")) {
      if (absl::Status s = ReadVerifierSection(
              JsonObject(obj.at("verifier"), "verifier"), config);
          !s.ok()) {
        return s;
      }
    }
    if (obj.Has("ext_authz")) {
      if (absl::Status s = ReadExtAuthzSection(
              JsonObject(obj.at("ext_authz"), "ext_authz"), config.ext_authz);
          !s.ok()) {
        return s;
      }
    }
    if (obj.Has("providers")) {
      const nlohmann::json& list = obj.at("providers");
      if (!list.is_array()) return ConfigError("providers", "must be an array");
      for (size_t i = 0; i < list.size(); ++i) {
        std::string where = absl::StrCat("providers[", i, "]");
        absl::StatusOr<ProviderInput> in =
            ReadProviderInput(JsonObject(list[i], where), where);
        if (!in.ok()) return in.status();
        providers.push_back(*std::move(in));
      }
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    return MakeError(
        status.code(), ErrorReason::kConfigInvalid,
        absl::StrCat("config file ", path, ": ", status.message()));
  }
  return absl::OkStatus();
}

// The provider the COGNITO_* variables describe; nullopt when none is set.
absl::StatusOr<std::optional<ProviderInput>> ReadEnvProvider(
    const Environment& env) {
  ProviderInput in;
  in.origin = kEnvOrigin;
  struct Var {
    const char* name;
    std::optional<std::string>* target;
    const char* field;
  };
  std::optional<std::string> jwks_uri;
  const Var vars[] = {
      {"COGNITO_ISSUER", &in.issuer, "issuer"},
      {"COGNITO_CLIENT_ID", &in.client_id, "client_id"},
      {"COGNITO_CLIENT_SECRET", &in.client_secret, "client_secret"},
      {"COGNITO_DOMAIN", &in.domain, "domain"},
      {"COGNITO_REDIRECT_URI", &in.redirect_uri, "redirect_uri"},
      {"AUTHGATE_JWKS_URI", &jwks_uri, "jwks_uri"},
      {"AUTHGATE_PROVIDER_NAME", &in.name, "name"},
  };
  bool any = false;
  for (const Var& var : vars) {
    absl::StatusOr<std::optional<std::string>> value = ReadEnv(env, var.name);
    if (!value.ok()) return value.status();
    if (!value->has_value() || (*value)->empty()) continue;
    *var.target = **value;
    in.env_set.insert(var.field);
    if (std::string(var.name) != "AUTHGATE_PROVIDER_NAME") any = true;
  }
  if (!any) return std::optional<ProviderInput>();
  // Messages about these fields name the variable, set or not (a missing
  // client id is reported as COGNITO_CLIENT_ID).
  for (const Var& var : vars) in.env_origin[var.field] = var.name;
  // COGNITO_ISSUER describes a user pool; a non-Cognito URL is an error.
  in.kind = "cognito";
  if (jwks_uri.has_value()) in.endpoints.jwks_uri = *jwks_uri;
  if (!in.name.has_value()) in.name = "cognito";
  return std::optional<ProviderInput>(std::move(in));
}

absl::Status CheckListenAddress(absl::string_view field,
                                absl::string_view address) {
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return ConfigError(field,
                       absl::StrCat("\"", address, "\" is not host:port"));
  }
  return absl::OkStatus();
}

absl::Status CheckReadable(absl::string_view field, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError(field, absl::StrCat("cannot read ", path));
  return absl::OkStatus();
}

absl::Status ValidateServer(const ServerConfig& config) {
  if (config.listen.empty() && config.unix_socket.empty()) {
    return ConfigError("listen", "set a TCP address (listen) or a unix_socket");
  }
  if (!config.listen.empty()) {
    if (absl::Status s = CheckListenAddress("listen", config.listen); !s.ok()) {
      return s;
    }
  }
  if (!config.metrics_listen.empty()) {
    if (absl::Status s =
            CheckListenAddress("metrics_listen", config.metrics_listen);
        !s.ok()) {
      return s;
    }
  }
  const TlsSettings& tls = config.tls;
  if (tls.enabled()) {
    if (tls.key_file.empty()) {
      return ConfigError("tls.key_file", "required with tls.cert_file");
    }
    if (absl::Status s = CheckReadable("tls.cert_file", tls.cert_file);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckReadable("tls.key_file", tls.key_file); !s.ok()) {
      return s;
    }
  } else if (!tls.key_file.empty() || !tls.client_ca_file.empty()) {
    return ConfigError("tls.cert_file",
                       "required with tls.key_file or tls.client_ca_file");
  }
  if (!tls.client_ca_file.empty()) {
    if (absl::Status s =
            CheckReadable("tls.client_ca_file", tls.client_ca_file);
        !s.ok()) {
      return s;
    }
  }
  if (tls.require_client_cert && tls.client_ca_file.empty()) {
    return ConfigError("tls.require_client_cert", "needs tls.client_ca_file");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return ConfigError("shutdown_grace", "must not be negative");
  }
  if (config.worker_threads < 1 || config.worker_threads > 256) {
    return ConfigError("worker_threads", "must be between 1 and 256");
  }
  if (config.max_queued_calls < 1) {
    return ConfigError("max_queued_calls", "must be at least 1");
  }
  if (config.provider_retry_initial <= absl::ZeroDuration() ||
      config.provider_retry_max < config.provider_retry_initial) {
    return ConfigError("provider_retry_initial",
                       "must be positive and at most provider_retry_max");
  }
  if (config.providers.empty()) {
    return ConfigError("providers",
                       "none configured (set COGNITO_ISSUER or list "
                       "providers in a --config file)");
  }
  std::set<std::string> names;
  for (const ProviderSettings& provider : config.providers) {
    if (!names.insert(provider.config.name).second) {
      return ConfigError(
          provider.origin,
          absl::StrCat("provider name \"", provider.config.name,
                       "\" is used twice; give each provider a \"name\""));
    }
  }
  if (!config.ext_authz.provider.empty() &&
      names.count(config.ext_authz.provider) == 0) {
    return ConfigError(
        "ext_authz.provider",
        absl::StrCat("no provider named \"", config.ext_authz.provider, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

Environment ProcessEnvironment() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<ServerConfig> LoadServerConfig(
    const std::vector<std::string>& args, const Environment& env) {
  absl::StatusOr<FlagValues> flags = ParseFlags(args);
  if (!flags.ok()) return flags.status();
  ServerConfig config;
  auto bool_flag = [&](const std::string& name) -> absl::StatusOr<bool> {
    if (!flags->Has(name)) return false;
    return ParseBoolText(absl::StrCat("--", name), flags->values.at(name));
  };
  absl::StatusOr<bool> help = bool_flag("help");
  if (!help.ok()) return help.status();
  if (*help) {
    config.help = true;
    return config;
  }
  absl::StatusOr<bool> check = bool_flag("check_config");
  if (!check.ok()) return check.status();
  config.check_only = *check;

  // 1. The config file.
  std::vector<ProviderInput> providers;
  std::string path;
  if (flags->Has("config")) {
    path = flags->values.at("config");
  } else if (std::optional<std::string> from_env = env("AUTHGATE_CONFIG")) {
    path = *from_env;
  }
  if (!path.empty()) {
    if (absl::Status s = ReadConfigFile(path, config, providers); !s.ok()) {
      return s;
    }
  }

  // 2. The environment.
  struct ServerVar {
    const char* name;
    std::string* target;
  };
  const ServerVar server_vars[] = {
      {"AUTHGATE_LISTEN", &config.listen},
      {"AUTHGATE_UNIX_SOCKET", &config.unix_socket},
      {"AUTHGATE_METRICS_LISTEN", &config.metrics_listen},
  };
  for (const ServerVar& var : server_vars) {
    absl::StatusOr<std::optional<std::string>> value = ReadEnv(env, var.name);
    if (!value.ok()) return value.status();
    if (value->has_value()) *var.target = **value;
  }
  absl::StatusOr<std::optional<std::string>> env_level =
      ReadEnv(env, "AUTHGATE_LOG_LEVEL");
  if (!env_level.ok()) return env_level.status();
  if (env_level->has_value()) {
    std::optional<LogLevel> level = LogLevelFromName(**env_level);
    if (!level.has_value()) {
      return ConfigError("AUTHGATE_LOG_LEVEL",
                         "must be debug, info, warn or error");
    }
    config.log_level = *level;
  }
  absl::StatusOr<std::optional<ProviderInput>> env_provider =
      ReadEnvProvider(env);
  if (!env_provider.ok()) return env_provider.status();
  if (env_provider->has_value()) {
    ProviderInput& from_env = **env_provider;
    bool merged = false;
    for (ProviderInput& in : providers) {
      if (in.name.value_or(in.kind.value_or("")) == *from_env.name) {
        MergeProviderInput(from_env, in);
        merged = true;
        break;
      }
    }
    if (!merged) providers.push_back(std::move(from_env));
  }

  // 3. Flags.
  struct StringFlag {
    const char* name;
    std::string* target;
  };
  const StringFlag string_flags[] = {
      {"listen", &config.listen},
      {"unix_socket", &config.unix_socket},
      {"metrics_listen", &config.metrics_listen},
      {"tls_cert", &config.tls.cert_file},
      {"tls_key", &config.tls.key_file},
      {"tls_client_ca", &config.tls.client_ca_file},
  };
  for (const StringFlag& flag : string_flags) {
    if (flags->Has(flag.name)) *flag.target = flags->values.at(flag.name);
  }
  absl::StatusOr<bool> require_cert = bool_flag("require_client_cert");
  if (!require_cert.ok()) return require_cert.status();
  if (flags->Has("require_client_cert")) {
    config.tls.require_client_cert = *require_cert;
  }
  if (flags->Has("shutdown_grace")) {
    absl::StatusOr<absl::Duration> grace = ParseDurationText(
        "--shutdown_grace", flags->values.at("shutdown_grace"));
    if (!grace.ok()) return grace.status();
    config.shutdown_grace = *grace;
  }
  for (auto [name, target] :
       {std::pair<const char*, size_t*>{"worker_threads",
                                        &config.worker_threads},
        std::pair<const char*, size_t*>{"max_queued_calls",
                                        &config.max_queued_calls}}) {
    if (!flags->Has(name)) continue;
    absl::StatusOr<size_t> count =
        ParseCount(absl::StrCat("--", name), flags->values.at(name));
    if (!count.ok()) return count.status();
    *target = *count;
  }
  if (flags->Has("log_level")) {
    std::optional<LogLevel> level =
        LogLevelFromName(flags->values.at("log_level"));
    if (!level.has_value()) {
      return ConfigError("--log_level", "must be debug, info, warn or error");
    }
    config.log_level = *level;
  }

  // 4. Providers, then whole-config checks.
  for (const ProviderInput& in : providers) {
    absl::StatusOr<ProviderSettings> provider = BuildProvider(in);
    if (!provider.ok()) return provider.status();
    config.providers.push_back(*std::move(provider));
  }
  if (absl::Status s = ValidateServer(config); !s.ok()) return s;
  return config;
}

std::string ServerUsage() {
  return R"(usage: authgate-server [flags]

Token gateway for Amazon Cognito and OpenID Connect providers (gRPC).
Configuration: a JSON file (--config or AUTHGATE_CONFIG), the environment,
then flags; later sources win. See docs/grpc.md.

Flags:
  --config=PATH             JSON config file (comments allowed)
  --listen=HOST:PORT        gRPC TCP address (default 127.0.0.1:50051; "" = off)
  --unix_socket=PATH        also (or only) listen on a Unix domain socket
  --metrics_listen=HOST:PORT  Prometheus /metrics (default 127.0.0.1:9464; "" = off)
  --tls_cert=PATH --tls_key=PATH   TLS on the service port
  --tls_client_ca=PATH      CA bundle for client certificates (mTLS)
  --require_client_cert     reject clients without a valid certificate
  --shutdown_grace=DURATION drain time on SIGTERM/SIGINT (default 10s)
  --worker_threads=N        pool for provider calls (default 4)
  --max_queued_calls=N      queue bound of that pool (default 1024)
  --log_level=LEVEL         debug, info, warn, error (default info)
  --check_config            validate the configuration and exit
  --help                    this text

Environment: COGNITO_ISSUER, COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET,
COGNITO_DOMAIN, COGNITO_REDIRECT_URI, AUTHGATE_JWKS_URI,
AUTHGATE_PROVIDER_NAME, AUTHGATE_CONFIG, AUTHGATE_LISTEN,
AUTHGATE_UNIX_SOCKET, AUTHGATE_METRICS_LISTEN, AUTHGATE_LOG_LEVEL; each also
as NAME_FILE (value read from that file).
)";
}

}  // namespace authgate::service
