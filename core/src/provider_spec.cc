#include "authgate/provider_spec.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "curl_http_fetcher.h"

#include "authgate/config_object.h"
#include "authgate/discovery.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "status_macros.h"

namespace authgate {
namespace {

const KindProfile kProfiles[] = {
    {ProviderKind::kOidc,
     "oidc",
     AudienceRule::kAud,
     "groups",
     "preferred_username",
     LogoutStyle::kOidc,
     {},
     /*endpoints_from_domain=*/false},
    // Cognito: access tokens carry client_id and no aud, ID tokens aud; both
    // carry token_use, and nothing else Cognito signs is a token.
    {ProviderKind::kCognito,
     "cognito",
     AudienceRule::kCognitoTokenUse,
     "cognito:groups",
     "cognito:username",
     LogoutStyle::kCognito,
     {"id", "access"},
     /*endpoints_from_domain=*/true},
};

// Keys a client object may hold, alone in "clients" or at the top level as
// the provider's first client.
const std::set<std::string>& ClientKeys() {
  static const auto* keys = new std::set<std::string>{
      "client_id",   "client_secret", "client_secret_file",
      "auth_method", "redirect_uri",  "scopes"};
  return *keys;
}

const std::set<std::string>& ProviderKeys() {
  static const auto* keys = [] {
    auto* k = new std::set<std::string>{
        "name",
        "kind",
        "issuer",
        "additional_issuers",
        "user_pool_id",
        "region",
        "domain",
        "updated_issuer_format",
        "use_discovery",
        "jwks_uri",
        "jwks_file",
        "jwks_inline",
        "endpoints",
        "logout_style",
        "jwks",
        "http_timeout",
        "allow_insecure_http",
        "client_credentials_refresh_margin",
        "clients",
        "audiences",
        "allow_any_audience",
        "token_uses",
        "token_types",
        "algorithms",
        "clock_skew",
        "allow_missing_exp",
        "max_lifetime",
        "required_claims",
        "groups_claim",
        "username_claim",
    };
    k->insert(ClientKeys().begin(), ClientKeys().end());
    return k;
  }();
  return *keys;
}

// Secrets mounted by Kubernetes or written with echo end in a newline that
// is not part of the secret. The message names the path, never the content.
absl::StatusOr<std::string> ReadSecretFile(absl::string_view field,
                                           const std::string& path) {
  AUTHGATE_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(field, path));
  std::string value(absl::StripTrailingAsciiWhitespace(text));
  if (value.empty()) {
    return ConfigFieldError(
        field, absl::StrCat(QuoteConfigText(path, 256), " is empty"));
  }
  return value;
}

absl::StatusOr<JwksCacheOptions> ReadJwksOptions(const ConfigObject& obj) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(
      {"default_ttl", "min_ttl", "max_ttl", "refetch_cooldown", "max_staleness",
       "refresh_ahead", "fetch_timeout", "background_refresh"}));
  JwksCacheOptions options;
  AUTHGATE_CONFIG_SET(options.default_ttl,
                      obj.Duration("default_ttl", kJwksTtlRange));
  AUTHGATE_CONFIG_SET(options.min_ttl,
                      obj.Duration("min_ttl", kJwksMinTtlRange));
  AUTHGATE_CONFIG_SET(options.max_ttl, obj.Duration("max_ttl", kJwksTtlRange));
  AUTHGATE_CONFIG_SET(
      options.refetch_cooldown,
      obj.Duration("refetch_cooldown", kJwksRefetchCooldownRange));
  AUTHGATE_CONFIG_SET(options.max_staleness,
                      obj.Duration("max_staleness", kJwksMaxStalenessRange));
  AUTHGATE_CONFIG_SET(options.refresh_ahead,
                      obj.Duration("refresh_ahead", kJwksRefreshAheadRange));
  AUTHGATE_CONFIG_SET(options.fetch_timeout,
                      obj.Duration("fetch_timeout", kHttpTimeoutRange));
  AUTHGATE_CONFIG_SET(options.background_refresh,
                      obj.Bool("background_refresh"));
  if (options.min_ttl > options.max_ttl) {
    return ConfigFieldError(obj.Field("min_ttl"), "must be at most max_ttl");
  }
  if (options.default_ttl < options.min_ttl ||
      options.default_ttl > options.max_ttl) {
    return ConfigFieldError(obj.Field("default_ttl"),
                            "must lie within min_ttl and max_ttl");
  }
  return options;
}

absl::StatusOr<OAuthClientSpec> ReadClient(const ConfigObject& obj) {
  OAuthClientSpec client;
  AUTHGATE_CONFIG_SET(client.client_id, obj.String("client_id"));
  if (client.client_id.empty()) {
    return ConfigFieldError(obj.Field("client_id"), "required");
  }
  std::optional<std::string> secret, secret_file, method;
  AUTHGATE_CONFIG_SET(secret, obj.String("client_secret"));
  AUTHGATE_CONFIG_SET(secret_file, obj.String("client_secret_file"));
  if (secret.has_value() && secret_file.has_value()) {
    return ConfigFieldError(obj.Field("client_secret_file"),
                            "set either client_secret or client_secret_file");
  }
  if (secret.has_value()) client.client_secret = *secret;
  if (secret_file.has_value()) {
    client.client_secret_file = *secret_file;
    AUTHGATE_ASSIGN_OR_RETURN(
        client.client_secret,
        ReadSecretFile(obj.Field("client_secret_file"), *secret_file));
  }
  AUTHGATE_CONFIG_SET(method, obj.String("auth_method"));
  if (method.has_value()) {
    std::optional<ClientAuthMethod> parsed = ClientAuthMethodFromName(*method);
    if (!parsed.has_value()) {
      return ConfigFieldError(obj.Field("auth_method"),
                              "must be client_secret_basic, "
                              "client_secret_post or none");
    }
    client.auth_method = *parsed;
  } else {
    // No secret: a public client, whose code exchange PKCE protects.
    client.auth_method = client.client_secret.empty()
                             ? ClientAuthMethod::kNone
                             : ClientAuthMethod::kClientSecretBasic;
  }
  if (client.auth_method == ClientAuthMethod::kNone &&
      !client.client_secret.empty()) {
    return ConfigFieldError(obj.Field("client_secret"),
                            "given for a public client (auth_method none)");
  }
  if (client.auth_method != ClientAuthMethod::kNone &&
      client.client_secret.empty()) {
    return ConfigFieldError(
        obj.Field("client_secret"),
        absl::StrCat("required for ",
                     ClientAuthMethodName(client.auth_method)));
  }
  AUTHGATE_CONFIG_SET(client.redirect_uri, obj.String("redirect_uri"));
  AUTHGATE_CONFIG_SET(client.scopes, obj.StringList("scopes"));
  return client;
}

bool IsCognitoIssuer(absl::string_view issuer) {
  return absl::StartsWith(issuer, "https://cognito-idp.") ||
         absl::StartsWith(issuer, "https://issuer-cognito-idp.");
}

// The issuer, derived endpoints and discovery default of a Cognito pool.
absl::Status ApplyCognito(const ConfigObject& obj, ProviderSpec& spec,
                          bool updated_format, const std::string& user_pool_id,
                          const std::string& region) {
  std::string issuer = spec.issuers.empty() ? "" : spec.issuers.front();
  CognitoPool pool;
  std::string issuer_field = obj.Field("issuer");
  if (!issuer.empty() && IsCognitoIssuer(issuer)) {
    // FusionAuth's guide writes the issuer with a trailing slash; Cognito's
    // "iss" has none and the match is exact, so say exactly that.
    if (absl::EndsWith(issuer, "/")) {
      return ConfigFieldError(
          issuer_field,
          "ends in '/' but a Cognito pool's issuer does not "
          "(https://cognito-idp.{region}.amazonaws.com/{poolId}); remove it");
    }
    absl::StatusOr<CognitoPool> parsed =
        CognitoPoolFromIssuer(issuer, spec.domain);
    if (!parsed.ok()) {
      return ConfigFieldError(issuer_field, parsed.status().message());
    }
    pool = *std::move(parsed);
  } else if (issuer.empty()) {
    if (user_pool_id.empty()) {
      return ConfigFieldError(issuer_field, "required (or user_pool_id)");
    }
    pool.user_pool_id = user_pool_id;
    pool.region = region;
    pool.domain = spec.domain;
    pool.updated_issuer_format = updated_format;
  } else {
    // A Cognito-compatible issuer elsewhere (custom domain, emulator, test
    // provider): its endpoints come from discovery, as Auth.js does, unless
    // a domain names the hosted UI.
    if (!spec.domain.empty()) {
      absl::StatusOr<ProviderEndpoints> hosted =
          CognitoHostedUiEndpoints(spec.domain, region);
      if (!hosted.ok()) {
        return ConfigFieldError(obj.Field("domain"), hosted.status().message());
      }
      spec.endpoints = *std::move(hosted);
      spec.endpoints.jwks_uri = spec.keys.jwks_uri;
      spec.use_discovery = spec.keys.jwks_uri.empty() && !spec.keys.is_static();
    } else {
      spec.endpoints.jwks_uri = spec.keys.jwks_uri;
      spec.use_discovery = !spec.keys.is_static();
    }
    return absl::OkStatus();
  }
  if (updated_format) pool.updated_issuer_format = true;
  absl::StatusOr<ProviderConfig> made = MakeCognitoProviderConfig(pool);
  if (!made.ok()) {
    return ConfigFieldError(
        issuer.empty() ? obj.Field("user_pool_id") : issuer_field,
        made.status().message());
  }
  if (spec.issuers.empty()) {
    spec.issuers.push_back(made->issuer);
  } else {
    spec.issuers.front() = made->issuer;
  }
  if (spec.name.empty()) spec.name = "cognito";
  spec.endpoints = made->endpoints;
  if (!spec.keys.jwks_uri.empty()) spec.endpoints.jwks_uri = spec.keys.jwks_uri;
  // With a domain every endpoint is known. Without one, Auth.js discovers
  // them from the issuer; an explicit jwks_uri alone (an emulator serving
  // only keys) means verification only, no discovery round trip.
  spec.use_discovery = spec.domain.empty() && spec.keys.jwks_uri.empty() &&
                       !spec.keys.is_static() && !spec.clients.empty();
  return absl::OkStatus();
}

absl::Status ReadRules(const ConfigObject& obj, TokenRules& rules) {
  AUTHGATE_CONFIG_SET(rules.audiences, obj.StringList("audiences"));
  AUTHGATE_CONFIG_SET(rules.allow_any_audience, obj.Bool("allow_any_audience"));
  AUTHGATE_CONFIG_SET(rules.token_uses, obj.StringList("token_uses"));
  AUTHGATE_CONFIG_SET(rules.token_types, obj.StringList("token_types"));
  for (const std::string& type : rules.token_types) {
    if (type.empty() || type == "application/") {
      return ConfigFieldError(obj.Field("token_types"), "has an empty entry");
    }
  }
  std::optional<std::vector<std::string>> algorithms;
  AUTHGATE_CONFIG_SET(algorithms, obj.StringList("algorithms"));
  if (algorithms.has_value()) {
    rules.algorithms.clear();
    for (const std::string& name : *algorithms) {
      std::optional<Algorithm> alg = AlgorithmFromName(name);
      if (!alg.has_value()) {
        return ConfigFieldError(
            obj.Field("algorithms"),
            absl::StrCat("unknown algorithm ", QuoteConfigText(name, 16)));
      }
      rules.algorithms.push_back(*alg);
    }
    if (rules.algorithms.empty()) {
      return ConfigFieldError(obj.Field("algorithms"), "is empty");
    }
  }
  AUTHGATE_CONFIG_SET(rules.clock_skew,
                      obj.Duration("clock_skew", kClockSkewRange));
  AUTHGATE_CONFIG_SET(rules.allow_missing_exp, obj.Bool("allow_missing_exp"));
  std::optional<absl::Duration> max_lifetime;
  AUTHGATE_CONFIG_SET(max_lifetime,
                      obj.Duration("max_lifetime", kMaxLifetimeRange));
  if (max_lifetime.has_value()) rules.max_lifetime = max_lifetime;
  if (obj.Has("required_claims")) {
    const nlohmann::json& claims = obj.at("required_claims");
    if (!claims.is_object()) {
      return ConfigFieldError(obj.Field("required_claims"),
                              "must be an object of claim name to value");
    }
    for (const auto& item : claims.items()) {
      rules.required_claims[item.key()] = item.value();
    }
  }
  AUTHGATE_CONFIG_SET(rules.groups_claim, obj.String("groups_claim"));
  AUTHGATE_CONFIG_SET(rules.username_claim, obj.String("username_claim"));
  return absl::OkStatus();
}

// Checks what ProviderConfig::Validate() checks for each client, plus the
// verification-only case (no client).
absl::Status ValidateSpec(const ConfigObject& obj, const ProviderSpec& spec) {
  if (spec.issuers.empty() || spec.issuers.front().empty()) {
    return ConfigFieldError(obj.Field("issuer"), "required");
  }
  for (const std::string& issuer : spec.issuers) {
    if (issuer.empty()) {
      return ConfigFieldError(obj.Field("additional_issuers"),
                              "has an empty entry");
    }
  }
  if (spec.clients.empty() && spec.rules.audiences.empty() &&
      !spec.rules.allow_any_audience) {
    // An empty audience list must never silently mean "accept any".
    return ConfigFieldError(
        obj.Field("client_id"),
        "required (or audiences, or allow_any_audience: true)");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < spec.clients.size(); ++i) {
    const OAuthClientSpec& client = spec.clients[i];
    if (!ids.insert(client.client_id).second) {
      return ConfigFieldError(
          obj.Field("clients"),
          absl::StrCat("client_id ", QuoteConfigText(client.client_id),
                       " is listed twice"));
    }
  }
  // Static keys serve verification only: there is no client view to check.
  if (spec.keys.is_static()) return absl::OkStatus();
  // One client's view runs the URL, secret and JWKS-duration checks; a
  // verification-only provider gets a stand-in client.
  OAuthClientSpec probe;
  probe.client_id = "-";
  const std::vector<OAuthClientSpec> probes =
      spec.clients.empty() ? std::vector<OAuthClientSpec>{probe} : spec.clients;
  for (const OAuthClientSpec& client : probes) {
    absl::StatusOr<ProviderConfig> config = MakeProviderConfig(spec, client);
    if (!config.ok()) {
      // The core's message starts with the field it is about.
      absl::string_view message = config.status().message();
      std::string field(message.substr(0, message.find(' ')));
      if (ProviderKeys().count(field) != 0 || field == "jwks") {
        return ConfigFieldError(obj.Field(field), message);
      }
      return ConfigFieldError(obj.Field(""), message);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ProviderSpec> ParseWith(const ConfigObject& obj) {
  AUTHGATE_RETURN_IF_ERROR(obj.CheckIsObject());
  AUTHGATE_RETURN_IF_ERROR(obj.CheckKeys(ProviderKeys()));
  ProviderSpec spec;
  AUTHGATE_CONFIG_SET(spec.name, obj.String("name"));
  std::string issuer, user_pool_id, region;
  AUTHGATE_CONFIG_SET(issuer, obj.String("issuer"));
  AUTHGATE_CONFIG_SET(user_pool_id, obj.String("user_pool_id"));
  AUTHGATE_CONFIG_SET(region, obj.String("region"));
  std::optional<std::string> kind_name;
  AUTHGATE_CONFIG_SET(kind_name, obj.String("kind"));
  if (kind_name.has_value()) {
    std::optional<ProviderKind> kind = ProviderKindFromName(*kind_name);
    if (!kind.has_value()) {
      return ConfigFieldError(obj.Field("kind"),
                              "must be \"cognito\" or \"oidc\"");
    }
    spec.kind = *kind;
  } else {
    spec.kind = IsCognitoIssuer(issuer) || !user_pool_id.empty()
                    ? ProviderKind::kCognito
                    : ProviderKind::kOidc;
  }
  if (!issuer.empty()) spec.issuers.push_back(issuer);
  std::optional<std::vector<std::string>> additional;
  AUTHGATE_CONFIG_SET(additional, obj.StringList("additional_issuers"));

  AUTHGATE_CONFIG_SET(spec.domain, obj.String("domain"));
  spec.domain = std::string(absl::StripAsciiWhitespace(spec.domain));
  bool updated_format = false;
  AUTHGATE_CONFIG_SET(updated_format, obj.Bool("updated_issuer_format"));
  AUTHGATE_CONFIG_SET(spec.keys.jwks_uri, obj.String("jwks_uri"));
  AUTHGATE_CONFIG_SET(spec.keys.jwks_file, obj.String("jwks_file"));
  if (obj.Has("jwks_inline")) {
    const nlohmann::json& inline_keys = obj.at("jwks_inline");
    if (inline_keys.is_string()) {
      spec.keys.jwks_json = inline_keys.get<std::string>();
    } else if (inline_keys.is_object()) {
      spec.keys.jwks_json = inline_keys.dump();
    } else {
      return ConfigFieldError(obj.Field("jwks_inline"),
                              "must be a JWKS object or its JSON text");
    }
  }
  if (obj.Has("jwks")) {
    AUTHGATE_ASSIGN_OR_RETURN(spec.keys.cache,
                              ReadJwksOptions(obj.Child("jwks")));
  }
  AUTHGATE_CONFIG_SET(spec.http_timeout,
                      obj.Duration("http_timeout", kHttpTimeoutRange));
  spec.keys.cache.fetch_timeout =
      obj.Has("jwks") && obj.at("jwks").contains("fetch_timeout")
          ? spec.keys.cache.fetch_timeout
          : spec.http_timeout;
  AUTHGATE_CONFIG_SET(spec.allow_insecure_http,
                      obj.Bool("allow_insecure_http"));
  AUTHGATE_CONFIG_SET(
      spec.client_credentials_refresh_margin,
      obj.Duration("client_credentials_refresh_margin", kRefreshMarginRange));

  // Clients: the top-level fields are the first, "clients" adds more.
  bool top_level_client = false;
  for (const std::string& key : ClientKeys()) {
    if (obj.Has(key)) top_level_client = true;
  }
  if (top_level_client) {
    AUTHGATE_ASSIGN_OR_RETURN(OAuthClientSpec client, ReadClient(obj));
    spec.clients.push_back(std::move(client));
  }
  if (obj.Has("clients")) {
    const nlohmann::json& list = obj.at("clients");
    if (!list.is_array()) {
      return ConfigFieldError(obj.Field("clients"), "must be an array");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      ConfigObject client_obj(list[i],
                              absl::StrCat(obj.Field("clients"), "[", i, "]"));
      AUTHGATE_RETURN_IF_ERROR(client_obj.CheckIsObject());
      AUTHGATE_RETURN_IF_ERROR(client_obj.CheckKeys(ClientKeys()));
      AUTHGATE_ASSIGN_OR_RETURN(OAuthClientSpec client, ReadClient(client_obj));
      spec.clients.push_back(std::move(client));
    }
  }

  const KindProfile& profile = spec.profile();
  spec.logout_style = profile.logout_style;
  if (spec.kind == ProviderKind::kCognito) {
    AUTHGATE_RETURN_IF_ERROR(
        ApplyCognito(obj, spec, updated_format, user_pool_id, region));
  } else {
    if (!spec.domain.empty()) {
      return ConfigFieldError(obj.Field("domain"),
                              "only for kind \"cognito\" (OIDC endpoints come "
                              "from discovery or \"endpoints\")");
    }
    if (!user_pool_id.empty() || !region.empty()) {
      return ConfigFieldError(obj.Field("user_pool_id"),
                              "only for kind \"cognito\"");
    }
    spec.endpoints.jwks_uri = spec.keys.jwks_uri;
    // Static keys serve verification only: nothing to discover.
    spec.use_discovery = !spec.keys.is_static();
  }
  if (spec.name.empty()) {
    spec.name = spec.kind == ProviderKind::kCognito ? "cognito"
                : spec.issuers.empty()              ? ""
                                                    : spec.issuers.front();
  }
  if (additional.has_value()) {
    spec.issuers.insert(spec.issuers.end(), additional->begin(),
                        additional->end());
  }
  AUTHGATE_CONFIG_SET(spec.use_discovery, obj.Bool("use_discovery"));
  if (obj.Has("endpoints")) {
    ConfigObject e = obj.Child("endpoints");
    AUTHGATE_RETURN_IF_ERROR(e.CheckIsObject());
    AUTHGATE_RETURN_IF_ERROR(e.CheckKeys(
        {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
         "revocation_endpoint", "end_session_endpoint", "jwks_uri"}));
    ProviderEndpoints& out = spec.endpoints;
    AUTHGATE_CONFIG_SET(out.authorization_endpoint,
                        e.String("authorization_endpoint"));
    AUTHGATE_CONFIG_SET(out.token_endpoint, e.String("token_endpoint"));
    AUTHGATE_CONFIG_SET(out.userinfo_endpoint, e.String("userinfo_endpoint"));
    AUTHGATE_CONFIG_SET(out.revocation_endpoint,
                        e.String("revocation_endpoint"));
    AUTHGATE_CONFIG_SET(out.end_session_endpoint,
                        e.String("end_session_endpoint"));
    AUTHGATE_CONFIG_SET(out.jwks_uri, e.String("jwks_uri"));
    if (!out.jwks_uri.empty()) spec.keys.jwks_uri = out.jwks_uri;
  }
  std::optional<std::string> logout;
  AUTHGATE_CONFIG_SET(logout, obj.String("logout_style"));
  if (logout.has_value()) {
    if (*logout == "oidc") {
      spec.logout_style = LogoutStyle::kOidc;
    } else if (*logout == "cognito") {
      spec.logout_style = LogoutStyle::kCognito;
    } else {
      return ConfigFieldError(obj.Field("logout_style"),
                              "must be \"oidc\" or \"cognito\"");
    }
  }
  AUTHGATE_RETURN_IF_ERROR(ReadRules(obj, spec.rules));
  if (!obj.Has("token_uses"))
    spec.rules.token_uses = profile.default_token_uses;
  if (spec.rules.groups_claim.empty()) {
    spec.rules.groups_claim = std::string(profile.groups_claim);
  }
  if (spec.rules.username_claim.empty()) {
    spec.rules.username_claim = std::string(profile.username_claim);
  }
  const int key_sources = static_cast<int>(!spec.keys.jwks_file.empty()) +
                          static_cast<int>(!spec.keys.jwks_json.empty()) +
                          static_cast<int>(!spec.keys.jwks_uri.empty());
  if (key_sources > 1) {
    return ConfigFieldError(obj.Field("jwks_uri"),
                            "set one of jwks_uri, jwks_file and jwks_inline");
  }
  if (spec.keys.is_static()) {
    // A static key set is checked at start, not at the first token.
    absl::Status keys = MakeStaticKeys(spec).status();
    if (!keys.ok()) {
      const char* field =
          !spec.keys.jwks_file.empty() ? "jwks_file" : "jwks_inline";
      return MakeError(keys.code(), GetErrorReason(keys),
                       absl::StrCat(obj.Field(field), ": ", keys.message()));
    }
  }
  AUTHGATE_RETURN_IF_ERROR(ValidateSpec(obj, spec));
  return spec;
}

}  // namespace

const KindProfile& GetKindProfile(ProviderKind kind) {
  for (const KindProfile& profile : kProfiles) {
    if (profile.kind == kind) return profile;
  }
  return kProfiles[0];
}

std::optional<ProviderKind> ProviderKindFromName(absl::string_view name) {
  for (const KindProfile& profile : kProfiles) {
    if (profile.name == name) return profile.kind;
  }
  return std::nullopt;
}

std::vector<std::string> ProviderSpec::AcceptedAudiences() const {
  std::vector<std::string> out;
  for (const OAuthClientSpec& client : clients) out.push_back(client.client_id);
  for (const std::string& audience : rules.audiences) {
    bool seen = false;
    for (const std::string& have : out) seen = seen || have == audience;
    if (!seen) out.push_back(audience);
  }
  return out;
}

const OAuthClientSpec* ProviderSpec::FindClient(
    absl::string_view client_id) const {
  if (clients.empty()) return nullptr;
  if (client_id.empty()) return &clients.front();
  for (const OAuthClientSpec& client : clients) {
    if (client.client_id == client_id) return &client;
  }
  return nullptr;
}

absl::StatusOr<ProviderSpec> ParseProviderSpec(const nlohmann::json& value,
                                               absl::string_view path) {
  return ParseWith(ConfigObject(value, std::string(path)));
}

absl::StatusOr<ProviderSpec> ParseProviderSpec(const ConfigObject& object) {
  return ParseWith(object);
}

absl::StatusOr<nlohmann::json> ParseConfigJson(absl::string_view text,
                                               absl::string_view what) {
  nlohmann::json parsed = nlohmann::json::parse(
      text.begin(), text.end(), nullptr,
      /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (!parsed.is_discarded()) return parsed;
  // Parse again through a SAX handler only to learn where it failed.
  struct Locator : nlohmann::json_sax<nlohmann::json> {
    size_t position = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t pos, const std::string&,
                     const nlohmann::detail::exception&) override {
      position = pos;
      return false;
    }
  } locator;
  nlohmann::json::sax_parse(text.begin(), text.end(), &locator,
                            nlohmann::json::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/true);
  const size_t offset = locator.position == 0 ? 0 : locator.position - 1;
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return ConfigFieldError(
      what, absl::StrCat("not valid JSON at line ", line, ", column ", column));
}

Environment ProcessEnvironment() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<std::optional<std::string>> ReadEnvironmentValue(
    const Environment& env, absl::string_view name) {
  std::string file_name = absl::StrCat(name, "_FILE");
  std::optional<std::string> direct = env(name);
  std::optional<std::string> file = env(file_name);
  if (direct.has_value() && file.has_value()) {
    return ConfigFieldError(name, absl::StrCat("set either ", name, " or ",
                                               file_name, ", not both"));
  }
  if (file.has_value()) {
    AUTHGATE_ASSIGN_OR_RETURN(std::string value,
                              ReadSecretFile(file_name, *file));
    return std::optional<std::string>(std::move(value));
  }
  return direct;
}

absl::StatusOr<std::optional<nlohmann::json>> ProviderJsonFromEnvironment(
    const Environment& env, std::map<std::string, std::string>* fields) {
  // Each field with the variables that may set it, preferred first: the
  // names NextAuth, Strapi and hand-written flows use, then Auth.js v5's.
  struct Source {
    const char* field;
    std::vector<const char*> names;
  };
  const Source sources[] = {
      {"issuer", {"COGNITO_ISSUER", "AUTH_COGNITO_ISSUER"}},
      {"user_pool_id", {"COGNITO_USER_POOL_ID"}},
      {"region", {"AWS_REGION", "AWS_DEFAULT_REGION"}},
      {"client_id", {"COGNITO_CLIENT_ID", "AUTH_COGNITO_ID"}},
      {"client_secret", {"COGNITO_CLIENT_SECRET", "AUTH_COGNITO_SECRET"}},
      {"domain", {"COGNITO_DOMAIN"}},
      {"redirect_uri", {"COGNITO_REDIRECT_URI"}},
      {"jwks_uri", {"AUTHGATE_JWKS_URI"}},
      {"name", {"AUTHGATE_PROVIDER_NAME"}},
  };
  nlohmann::json value = nlohmann::json::object();
  std::map<std::string, std::string> origin;
  for (const Source& source : sources) {
    const bool secret = absl::string_view(source.field) == "client_secret";
    for (const char* name : source.names) {
      std::string file_name = absl::StrCat(name, "_FILE");
      if (secret && !env(name).has_value()) {
        if (std::optional<std::string> file = env(file_name)) {
          // Kept as a path (read by the parser) so the server can re-read
          // the file when a mounted Secret rotates.
          if (value.contains("client_secret") ||
              value.contains("client_secret_file")) {
            return ConfigFieldError(
                file_name, absl::StrCat("set either ", origin["client_secret"],
                                        " or ", file_name, ", not both"));
          }
          value["client_secret_file"] = *file;
          origin["client_secret_file"] = file_name;
          origin["client_secret"] = file_name;
          continue;
        }
      }
      AUTHGATE_ASSIGN_OR_RETURN(std::optional<std::string> read,
                                ReadEnvironmentValue(env, name));
      if (!read.has_value() || read->empty()) continue;
      if (value.contains(source.field) ||
          (secret && value.contains("client_secret_file"))) {
        return ConfigFieldError(
            name, absl::StrCat("set either ", origin[source.field], " or ",
                               name, ", not both"));
      }
      value[source.field] = *read;
      origin[source.field] = name;
    }
  }
  // A region alone (AWS_REGION is set in every AWS runtime) or a name alone
  // describes no provider.
  bool any = value.contains("issuer") || value.contains("user_pool_id") ||
             value.contains("client_id") || value.contains("domain") ||
             value.contains("jwks_uri") || value.contains("client_secret") ||
             value.contains("client_secret_file");
  if (!any) return std::optional<nlohmann::json>();
  if (!value.contains("user_pool_id")) value.erase("region");
  // Messages about absent fields name the variable users set.
  for (const Source& source : sources) {
    origin.emplace(source.field, source.names.front());
  }
  if (!value.contains("kind")) value["kind"] = "cognito";
  if (!value.contains("name")) value["name"] = "cognito";
  if (fields != nullptr) *fields = std::move(origin);
  return std::optional<nlohmann::json>(std::move(value));
}

absl::StatusOr<std::optional<ProviderSpec>> ProviderSpecFromEnvironment(
    const Environment& env) {
  std::map<std::string, std::string> fields;
  AUTHGATE_ASSIGN_OR_RETURN(std::optional<nlohmann::json> value,
                            ProviderJsonFromEnvironment(env, &fields));
  if (!value.has_value()) return std::optional<ProviderSpec>();
  ConfigObject obj(*value, [&fields](absl::string_view key) {
    auto it = fields.find(std::string(key));
    if (it != fields.end()) return it->second;
    return absl::StrCat("COGNITO_* environment", key.empty() ? "" : ": ", key);
  });
  AUTHGATE_ASSIGN_OR_RETURN(ProviderSpec spec, ParseWith(obj));
  return std::optional<ProviderSpec>(std::move(spec));
}

absl::StatusOr<ProviderConfig> MakeProviderConfig(
    const ProviderSpec& spec, const OAuthClientSpec& client) {
  ProviderConfig config;
  config.name = spec.name;
  config.kind = spec.kind;
  if (!spec.issuers.empty()) {
    config.issuer = spec.issuers.front();
    config.additional_issuers.assign(spec.issuers.begin() + 1,
                                     spec.issuers.end());
  }
  config.client_id = client.client_id;
  config.client_secret = client.client_secret;
  config.auth_method = client.auth_method;
  config.redirect_uri = client.redirect_uri;
  config.scopes = client.scopes;
  config.use_discovery = spec.use_discovery;
  config.endpoints = spec.endpoints;
  if (!spec.keys.jwks_uri.empty())
    config.endpoints.jwks_uri = spec.keys.jwks_uri;
  config.logout_style = spec.logout_style;
  config.jwks = spec.keys.cache;
  config.token_uses = spec.rules.token_uses;
  config.token_types = spec.rules.token_types;
  config.clock_skew = spec.rules.clock_skew;
  config.allow_insecure_http = spec.allow_insecure_http;
  config.http_timeout = spec.http_timeout;
  config.client_credentials_refresh_margin =
      spec.client_credentials_refresh_margin;
  if (spec.keys.is_static()) {
    // An OAuthClient verifies the ID tokens it receives with live keys.
    return ConfigFieldError("jwks_file",
                            "OAuth flows need live keys (jwks_uri or "
                            "discovery); a static key set verifies only");
  }
  AUTHGATE_RETURN_IF_ERROR(config.Validate());
  return config;
}

ProviderPolicy MakeProviderPolicy(const ProviderSpec& spec,
                                  std::shared_ptr<KeySource> keys) {
  ProviderPolicy policy;
  policy.name = spec.name;
  policy.issuers = spec.issuers;
  policy.keys = std::move(keys);
  policy.algorithms = spec.rules.algorithms;
  policy.audiences = spec.AcceptedAudiences();
  policy.allow_any_audience = spec.rules.allow_any_audience;
  policy.audience_rule = spec.profile().audience_rule;
  policy.token_uses = spec.rules.token_uses;
  policy.token_types = spec.rules.token_types;
  policy.clock_skew = spec.rules.clock_skew;
  policy.allow_missing_exp = spec.rules.allow_missing_exp;
  policy.max_lifetime = spec.rules.max_lifetime;
  policy.required_claims = spec.rules.required_claims;
  policy.groups_claim = spec.rules.groups_claim;
  policy.username_claim = spec.rules.username_claim;
  return policy;
}

absl::StatusOr<std::shared_ptr<KeySource>> MakeStaticKeys(
    const ProviderSpec& spec) {
  absl::StatusOr<std::shared_ptr<StaticKeySource>> source;
  if (!spec.keys.jwks_file.empty()) {
    source = StaticKeySource::FromJwksFile(spec.keys.jwks_file);
  } else if (!spec.keys.jwks_json.empty()) {
    source = StaticKeySource::FromJwksJson(spec.keys.jwks_json);
  } else {
    return ConfigFieldError(spec.name, "keys are live, not static");
  }
  if (!source.ok()) return source.status();
  return std::shared_ptr<KeySource>(*std::move(source));
}

absl::StatusOr<std::shared_ptr<JwksCache>> MakeLiveKeys(
    const ProviderSpec& spec, std::shared_ptr<HttpFetcher> fetcher,
    std::shared_ptr<const Clock> clock) {
  if (spec.keys.is_static()) {
    return ConfigFieldError(spec.name, "keys are static, not live");
  }
  std::string jwks_uri = spec.endpoints.jwks_uri.empty()
                             ? spec.keys.jwks_uri
                             : spec.endpoints.jwks_uri;
  if (jwks_uri.empty()) {
    AUTHGATE_ASSIGN_OR_RETURN(
        ProviderMetadata metadata,
        FetchProviderMetadata(*fetcher, spec.issuers.front(),
                              spec.http_timeout));
    jwks_uri = metadata.jwks_uri;
  }
  AUTHGATE_RETURN_IF_ERROR(internal::CheckProviderUrl(
      jwks_uri, "jwks_uri", spec.allow_insecure_http));
  JwksCache::Dependencies deps;
  deps.fetcher = std::move(fetcher);
  deps.clock = std::move(clock);
  return JwksCache::Create(jwks_uri, spec.keys.cache, deps);
}

nlohmann::json DescribeProviderSpec(const ProviderSpec& spec) {
  nlohmann::json clients = nlohmann::json::array();
  for (const OAuthClientSpec& client : spec.clients) {
    clients.push_back(
        {{"client_id", client.client_id},
         {"auth_method", std::string(ClientAuthMethodName(client.auth_method))},
         {"client_secret", client.client_secret.empty() ? "" : "(set)"},
         {"redirect_uri", client.redirect_uri},
         {"scopes", client.scopes}});
  }
  nlohmann::json algorithms = nlohmann::json::array();
  for (Algorithm alg : spec.rules.algorithms) {
    algorithms.push_back(std::string(AlgorithmName(alg)));
  }
  nlohmann::json keys;
  if (!spec.keys.jwks_file.empty()) {
    keys = {{"jwks_file", spec.keys.jwks_file}};
  } else if (!spec.keys.jwks_json.empty()) {
    keys = {{"jwks_inline", true}};
  } else {
    const std::string& uri = spec.endpoints.jwks_uri.empty()
                                 ? spec.keys.jwks_uri
                                 : spec.endpoints.jwks_uri;
    keys = {{"jwks_uri", uri.empty() ? "(discovery)" : uri}};
  }
  return {
      {"name", spec.name},
      {"kind", std::string(spec.profile().name)},
      {"issuers", spec.issuers},
      {"use_discovery", spec.use_discovery},
      {"clients", clients},
      {"keys", keys},
      {"audiences", spec.AcceptedAudiences()},
      {"token_uses", spec.rules.token_uses},
      {"token_types", spec.rules.token_types},
      {"algorithms", algorithms},
      {"clock_skew_seconds", absl::ToInt64Seconds(spec.rules.clock_skew)},
      {"groups_claim", spec.rules.groups_claim},
      {"username_claim", spec.rules.username_claim},
  };
}

}  // namespace authgate
