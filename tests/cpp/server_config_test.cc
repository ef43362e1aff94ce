#include "grpc_service/server_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc_service/logger.h"
#include "grpc_service/provider_registry.h"
#include "gtest/gtest.h"

#include "authgate/http_fetcher.h"
#include "authgate/status.h"
#include "authgate/version.h"

namespace authgate::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";

class FakeEnvironment {
 public:
  FakeEnvironment& Set(std::string name, std::string value) {
    vars_[std::move(name)] = std::move(value);
    return *this;
  }
  Environment get() const {
    return
        [vars = vars_](absl::string_view name) -> std::optional<std::string> {
          auto it = vars.find(std::string(name));
          if (it == vars.end()) return std::nullopt;
          return it->second;
        };
  }

 private:
  std::map<std::string, std::string> vars_;
};

std::string WriteFile(const std::string& name, const std::string& text) {
  // The pid keeps parallel ctest processes off each other's files.
  std::string path =
      absl::StrCat(::testing::TempDir(), "/", getpid(), "_", name);
  std::ofstream(path) << text;
  return path;
}

// Plain checks instead of testing/status_matchers.h: this test builds with
// only the service library (tests/cpp/BUILD.bazel gives it no testing dep).
MATCHER(IsOk, "is OK") { return arg.ok(); }
MATCHER_P2(StatusIs, code, reason, "has code and reason") {
  return arg.status().code() == code && GetErrorReason(arg.status()) == reason;
}

// gMock's string matchers take std::string, not absl::string_view.
template <typename T>
std::string Message(const absl::StatusOr<T>& value) {
  return std::string(value.status().message());
}

FakeEnvironment MinimalCognito() {
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", kIssuer).Set("COGNITO_CLIENT_ID", "client-1");
  return env;
}

std::string ConfigWithProviders(const std::string& providers) {
  return WriteFile(
      absl::StrCat("providers_", std::hash<std::string>()(providers), ".json"),
      absl::StrCat(R"({"providers": )", providers, "}"));
}

TEST(ServerConfigTest, BuildsCognitoProviderFromEnvironment) {
  FakeEnvironment env = MinimalCognito();
  env.Set("AUTHGATE_JWKS_URI",
          "http://127.0.0.1:5000/pool/.well-known/jwks.json");

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->providers, SizeIs(1));
  const ProviderSpec& spec = config->providers[0].spec;
  EXPECT_EQ(spec.kind, ProviderKind::kCognito);
  EXPECT_EQ(spec.name, "cognito");
  EXPECT_THAT(spec.issuers, ElementsAre(kIssuer));
  ASSERT_THAT(spec.clients, SizeIs(1));
  EXPECT_EQ(spec.clients[0].client_id, "client-1");
  EXPECT_EQ(spec.keys.jwks_uri,
            "http://127.0.0.1:5000/pool/.well-known/jwks.json");
  // No secret configured: a public client.
  EXPECT_EQ(spec.clients[0].auth_method, ClientAuthMethod::kNone);
  EXPECT_EQ(config->providers[0].origin, "COGNITO_* environment");
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_EQ(config->max_token_bytes, kMaxTokenBytes);
}

// Auth.js v5 names the same settings AUTH_COGNITO_ISSUER, _ID and _SECRET.
TEST(ServerConfigTest, ReadsAuthJsV5Variables) {
  FakeEnvironment env;
  env.Set("AUTH_COGNITO_ISSUER", kIssuer)
      .Set("AUTH_COGNITO_ID", "web")
      .Set("AUTH_COGNITO_SECRET", "s3cret");

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->providers, SizeIs(1));
  const ProviderSpec& spec = config->providers[0].spec;
  EXPECT_THAT(spec.issuers, ElementsAre(kIssuer));
  ASSERT_THAT(spec.clients, SizeIs(1));
  EXPECT_EQ(spec.clients[0].client_id, "web");
  EXPECT_EQ(spec.clients[0].client_secret, "s3cret");
  EXPECT_EQ(spec.clients[0].auth_method, ClientAuthMethod::kClientSecretBasic);
}

TEST(ServerConfigTest, ReadsSecretFromFileWithoutTrailingNewline) {
  FakeEnvironment env = MinimalCognito();
  env.Set("COGNITO_CLIENT_SECRET_FILE", WriteFile("secret", "s3cret\n"));

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->providers[0].spec.clients[0].client_secret, "s3cret");
  EXPECT_EQ(config->providers[0].spec.clients[0].auth_method,
            ClientAuthMethod::kClientSecretBasic);
}

TEST(ServerConfigTest, RejectsBothSecretFormsNamingTheVariable) {
  FakeEnvironment env = MinimalCognito();
  env.Set("COGNITO_CLIENT_SECRET", "inline-secret")
      .Set("COGNITO_CLIENT_SECRET_FILE", WriteFile("secret2", "x"));

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_THAT(Message(config), StartsWith("COGNITO_CLIENT_SECRET:"));
  EXPECT_THAT(Message(config), Not(HasSubstr("inline-secret")));
}

TEST(ServerConfigTest, NamesMissingClientIdVariable) {
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", kIssuer);
  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());
  EXPECT_THAT(Message(config), StartsWith("COGNITO_CLIENT_ID:"));
}

// FusionAuth's guide writes the pool issuer with a trailing slash; Cognito's
// "iss" has none, so the match would silently never succeed.
TEST(ServerConfigTest, TrailingSlashOnCognitoIssuerNamesTheVariable) {
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", absl::StrCat(kIssuer, "/"))
      .Set("COGNITO_CLIENT_ID", "c");
  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_THAT(Message(config), StartsWith("COGNITO_ISSUER: ends in '/'"));
}

TEST(ServerConfigTest, RequiresAProvider) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({}, FakeEnvironment().get());
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_THAT(Message(config), StartsWith("providers:"));
}

TEST(ServerConfigTest, FlagsOverrideEnvironmentWhichOverridesFile) {
  std::string path = WriteFile("layers.json", R"({
    // comments are allowed
    "server": {"listen": "127.0.0.1:1111", "metrics_listen": "127.0.0.1:2222",
               "unix_socket": "/tmp/from-file.sock", "shutdown_grace": "1m30s",
               "worker_threads": 3, "rejection_log_rate": 0},
    "verifier": {"max_token_bytes": 8192}
  })");
  FakeEnvironment env = MinimalCognito();
  env.Set("AUTHGATE_LISTEN", "127.0.0.1:3333")
      .Set("AUTHGATE_METRICS_LISTEN", "127.0.0.1:4444");

  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path, "--metrics_listen",
                        "127.0.0.1:5555", "--worker_threads=7"},
                       env.get());

  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->listen, "127.0.0.1:3333");
  EXPECT_EQ(config->metrics_listen, "127.0.0.1:5555");
  EXPECT_EQ(config->unix_socket, "/tmp/from-file.sock");
  EXPECT_EQ(config->shutdown_grace, absl::Seconds(90));
  EXPECT_EQ(config->worker_threads, 7u);
  EXPECT_EQ(config->rejection_log_rate, 0u);
  EXPECT_EQ(config->max_token_bytes, 8192u);
}

// Flag names take hyphens or underscores, "--name=value" or "--name value".
TEST(ServerConfigTest, FlagsTakeEitherSpelling) {
  FakeEnvironment env = MinimalCognito();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--check_config", "--worker_threads=3", "--metrics_listen="},
           {"--check-config", "--worker-threads", "3", "--metrics-listen="},
           {"--check-config", "--worker-threads=3", "--metrics-listen", ""}}) {
    absl::StatusOr<ServerConfig> config = LoadServerConfig(args, env.get());
    ASSERT_THAT(config, IsOk()) << Message(config);
    EXPECT_TRUE(config->check_only);
    EXPECT_EQ(config->worker_threads, 3u);
    EXPECT_EQ(config->metrics_listen, "");
  }
}

TEST(ServerConfigTest, EnvironmentOverridesFileProviderOfTheSameName) {
  std::string path = ConfigWithProviders(
      absl::StrCat(R"([{"name": "cognito", "issuer": ")", kIssuer, R"(",
     "client_id": "from-file", "client_secret_file": "/nonexistent/secret",
     "token_uses": ["access"]}])"));
  FakeEnvironment env;
  env.Set("COGNITO_CLIENT_ID", "from-env")
      .Set("COGNITO_CLIENT_SECRET", "from-env-secret");

  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, env.get());

  // The environment's secret replaces the file's client_secret_file, which
  // is never read.
  ASSERT_THAT(config, IsOk()) << Message(config);
  ASSERT_THAT(config->providers, SizeIs(1));
  const ProviderSpec& spec = config->providers[0].spec;
  ASSERT_THAT(spec.clients, SizeIs(1));
  EXPECT_EQ(spec.clients[0].client_id, "from-env");
  EXPECT_EQ(spec.clients[0].client_secret, "from-env-secret");
  EXPECT_THAT(spec.rules.token_uses, ElementsAre("access"));
  EXPECT_EQ(config->providers[0].origin,
            "providers[0] (with COGNITO_* environment)");
}

// In a merged provider, a message about a key the environment set names the
// variable; one about a key of the file names the file and the path.
TEST(ServerConfigTest, MergedProviderErrorsNameWhereTheKeyCameFrom) {
  std::string path = ConfigWithProviders(
      R"([{"name": "cognito", "client_id": "c", "clock_skew": "1h"}])");
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", absl::StrCat(kIssuer, "/"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, env.get());
  EXPECT_THAT(Message(config), StartsWith("COGNITO_ISSUER: ends in '/'"));

  env = FakeEnvironment();
  env.Set("COGNITO_ISSUER", kIssuer);
  config = LoadServerConfig({"--config=" + path}, env.get());
  EXPECT_EQ(
      Message(config),
      absl::StrCat(
          "config file ", path,
          ": providers[0].clock_skew: must be between 0s and 5m, got 1h"));
}

TEST(ServerConfigTest, NamesUnknownFieldWithItsPath) {
  std::string path = ConfigWithProviders(
      absl::StrCat(R"([{"issuer": ")", kIssuer, R"(", "client_id": "c",
                   "algorithms": ["RS256"], "isuer": "x"}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_EQ(Message(config),
            "config file " + path + ": providers[0].isuer: unknown field");
}

TEST(ServerConfigTest, SyntaxErrorNamesLineAndColumn) {
  std::string path =
      WriteFile("syntax.json", "{\n  \"server\": {}\n  \"providers\": []\n}");
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  EXPECT_THAT(Message(config),
              StartsWith("config file " + path + ": not valid JSON at line 3"));
}

TEST(ServerConfigTest, ReadsProviderKeysOfTheSpec) {
  std::string jwks = WriteFile("static_jwks.json", R"({"keys": []})");
  std::string path = ConfigWithProviders(absl::StrCat(
      R"([{"name": "pool", "issuer": ")", kIssuer, R"(", "jwks_file": ")", jwks,
      R"(", "client_id": "web", "clients": [{"client_id": "spa"}],
      "algorithms": ["RS256"], "max_lifetime": "1h",
      "required_claims": {"tenant": "acme"}, "groups_claim": "roles"}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk()) << Message(config);
  const ProviderSpec& spec = config->providers[0].spec;
  EXPECT_EQ(spec.keys.jwks_file, jwks);
  EXPECT_THAT(spec.AcceptedAudiences(), ElementsAre("web", "spa"));
  EXPECT_THAT(spec.rules.algorithms, ElementsAre(Algorithm::kRs256));
  EXPECT_EQ(spec.rules.max_lifetime, absl::Hours(1));
  EXPECT_EQ(spec.rules.groups_claim, "roles");
}

TEST(ServerConfigTest, RejectsDuplicateProviderNames) {
  std::string path = ConfigWithProviders(absl::StrCat(
      R"([{"name": "a", "issuer": ")", kIssuer, R"(", "client_id": "c"},
    {"name": "a", "kind": "oidc", "issuer": "https://sso.example.com",
     "client_id": "c"}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  EXPECT_THAT(Message(config), HasSubstr("\"a\" is used twice"));
}

TEST(ServerConfigTest, RejectsBadFlagValues) {
  FakeEnvironment env = MinimalCognito();
  EXPECT_THAT(Message(LoadServerConfig({"--shutdown_grace=soon"}, env.get())),
              StartsWith("--shutdown_grace:"));
  EXPECT_THAT(Message(LoadServerConfig({"--listen=nowhere"}, env.get())),
              StartsWith("listen:"));
  EXPECT_THAT(Message(LoadServerConfig({"--nope"}, env.get())),
              StartsWith("--nope: unknown flag"));
  EXPECT_THAT(Message(LoadServerConfig({"--nope=1"}, env.get())),
              StartsWith("--nope: unknown flag"));
  EXPECT_THAT(Message(LoadServerConfig({"stray"}, env.get())),
              StartsWith("stray: unexpected argument"));
  EXPECT_THAT(Message(LoadServerConfig({"--listen"}, env.get())),
              HasSubstr("--listen"));
  EXPECT_THAT(Message(LoadServerConfig({"--log_level=loud"}, env.get())),
              StartsWith("--log_level:"));
  EXPECT_THAT(Message(LoadServerConfig({"--worker-threads=x"}, env.get())),
              StartsWith("--worker_threads:"));
}

// A flag and a file key meet the same bound, and the error names it.
TEST(ServerConfigTest, BoundsEveryServerValue) {
  FakeEnvironment env = MinimalCognito();
  EXPECT_EQ(Message(LoadServerConfig({"--worker_threads=0"}, env.get())),
            "worker_threads: must be between 1 and 256, got 0");
  EXPECT_EQ(Message(LoadServerConfig({"--shutdown_grace=1h"}, env.get())),
            "shutdown_grace: must be between 0s and 10m, got 1h");
  EXPECT_THAT(Message(LoadServerConfig({"--shutdown_grace=nan"}, env.get())),
              StartsWith("--shutdown_grace:"));
  std::string path = WriteFile("bounds.json",
                               R"({"server": {"provider_retry_initial": "0s"},
          "verifier": {"cache_max_entries": 100000000}})");
  EXPECT_EQ(Message(LoadServerConfig({"--config=" + path}, env.get())),
            "provider_retry_initial: must be between 1ms and 1h, got 0s");
  path = WriteFile("bounds2.json",
                   R"({"verifier": {"cache_max_entries": 100000000}})");
  EXPECT_EQ(Message(LoadServerConfig({"--config=" + path}, env.get())),
            "verifier.cache_max_entries: must be between 0 and 16777216, got "
            "100000000");
}

// A TLS file that never ends is refused by its bound, not by bad_alloc.
TEST(ServerConfigTest, TlsFileReadIsBounded) {
  FakeEnvironment env = MinimalCognito();
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {"--tls_cert=/dev/zero", "--tls_key=/dev/zero"}, env.get());
  EXPECT_THAT(Message(config), StartsWith("tls.cert_file: "));
  EXPECT_THAT(Message(config), HasSubstr("/dev/zero"));
}

TEST(ServerConfigTest, RequireClientCertNeedsClientCa) {
  FakeEnvironment env = MinimalCognito();
  std::string cert = WriteFile("cert.pem", "x");
  std::string key = WriteFile("key.pem", "x");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {"--tls_cert=" + cert, "--tls_key=" + key, "--require_client_cert"},
      env.get());
  EXPECT_THAT(Message(config), StartsWith("tls.require_client_cert:"));
  config = LoadServerConfig(
      {"--tls_cert=" + cert, "--tls_key=" + key, "--require-client-cert=false"},
      env.get());
  EXPECT_THAT(config, IsOk());
}

TEST(ServerConfigTest, HelpAndVersionNeedNoConfiguration) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--help"}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->help);
  EXPECT_THAT(ServerUsage(), HasSubstr("--check_config"));
  config = LoadServerConfig({"--version"}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->version);
  EXPECT_EQ(ServerVersion(), absl::StrCat("authgate-server ", kVersion));
}

// Verification defaults of ext_authz: scopes all-of, groups any-of, as in
// ValidateToken and the core.
TEST(ServerConfigTest, ExtAuthzMatchDefaults) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({}, MinimalCognito().get());
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->ext_authz.scope_match, Match::kAll);
  EXPECT_EQ(config->ext_authz.group_match, Match::kAny);
  EXPECT_EQ(VerifyOptions().scope_match, Match::kAll);
  EXPECT_EQ(VerifyOptions().group_match, Match::kAny);
}

// --- what the server (and --check_config) builds from a configuration ------

// Fails every request: the registry must not touch the network when built.
class NoNetworkFetcher final : public HttpFetcher {
 public:
  absl::StatusOr<HttpResponse> Fetch(const HttpRequest&) override {
    ++calls;
    return absl::UnavailableError("no network in this test");
  }
  int calls = 0;
};

absl::StatusOr<std::unique_ptr<ProviderRegistry>> BuildRegistry(
    const ServerConfig& config, std::shared_ptr<NoNetworkFetcher> fetcher) {
  ProviderRegistry::Dependencies deps;
  deps.fetcher = std::move(fetcher);
  deps.logger = std::make_shared<Logger>(LogLevel::kError);
  return ProviderRegistry::Create(config, deps);
}

TEST(ServerConfigRegistryTest, RefusesOneIssuerClaimedByTwoProviders) {
  std::string path = ConfigWithProviders(absl::StrCat(
      R"([{"name": "a", "issuer": ")", kIssuer, R"(", "client_id": "c"},
          {"name": "b", "issuer": ")",
      kIssuer, R"(", "client_id": "d"}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk()) << Message(config);
  auto fetcher = std::make_shared<NoNetworkFetcher>();
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      BuildRegistry(*config, fetcher);
  EXPECT_THAT(registry, StatusIs(absl::StatusCode::kInvalidArgument,
                                 ErrorReason::kConfigInvalid));
  EXPECT_THAT(Message(registry), HasSubstr(kIssuer));
  EXPECT_EQ(fetcher->calls, 0);
}

TEST(ServerConfigRegistryTest, StaticKeysAreReadyWithoutNetworkAndNoOAuth) {
  std::string jwks = WriteFile("registry_jwks.json", R"({"keys": []})");
  std::string path = ConfigWithProviders(
      absl::StrCat(R"([{"name": "offline", "issuer": ")", kIssuer,
                   R"(", "client_id": "web", "jwks_file": ")", jwks, R"("}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk()) << Message(config);
  auto fetcher = std::make_shared<NoNetworkFetcher>();
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      BuildRegistry(*config, fetcher);
  ASSERT_THAT(registry, IsOk()) << Message(registry);
  EXPECT_TRUE((*registry)->AllReady());
  absl::StatusOr<std::shared_ptr<OAuthClient>> client =
      (*registry)->Client("offline", "");
  EXPECT_THAT(client, StatusIs(absl::StatusCode::kFailedPrecondition,
                               ErrorReason::kConfigInvalid));
  EXPECT_EQ(Message(client),
            "provider offline has static keys: OAuth flows need live keys");
  EXPECT_EQ(fetcher->calls, 0);
}

TEST(ServerConfigRegistryTest, ChoosesOAuthClientById) {
  std::string path = ConfigWithProviders(absl::StrCat(
      R"([{"name": "pool", "issuer": ")", kIssuer,
      R"(", "jwks_uri": "http://127.0.0.1:9/jwks.json", "allow_insecure_http": true,
         "client_id": "web", "clients": [{"client_id": "spa"}]}])"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk()) << Message(config);
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      BuildRegistry(*config, std::make_shared<NoNetworkFetcher>());
  ASSERT_THAT(registry, IsOk()) << Message(registry);
  // Not set up before the supervisor ran; an unknown id is the caller's
  // mistake whatever the state.
  EXPECT_THAT((*registry)->Client("pool", "spa"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderUnavailable));
  EXPECT_THAT((*registry)->Client("pool", "nope"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

// --- the browser face's "web" section -------------------------------------

std::string WebConfig(const std::string& web) {
  return WriteFile("web.json", absl::StrCat(R"({"web": )", web, "}"));
}

FakeEnvironment WebCognito() {
  FakeEnvironment env = MinimalCognito();
  env.Set("COGNITO_REDIRECT_URI", "https://app.example.com/oauth2/callback");
  return env;
}

TEST(ServerConfigWebTest, OffByDefaultAndReadWhenSet) {
  absl::StatusOr<ServerConfig> off = LoadServerConfig({}, WebCognito().get());
  ASSERT_THAT(off, IsOk());
  EXPECT_FALSE(off->web.enabled());
  std::string secret = WriteFile("cookie_secret", "a2V5\n");
  std::string path = WebConfig(absl::StrCat(
      R"({"listen": "127.0.0.1:0", "prefix": "/auth2",
          "allowed_redirect_domains": [".example.com"],
          "cookie": {"name": "_sess", "same_site": "Strict",
                     "secret_file": ")",
      secret, R"("}, "session_lifetime": "12h", "refresh_margin": "2m",
          "session_store": {"type": "redis", "url": "redis://r:6379/1",
                            "timeout": "250ms"},
          "userinfo": true, "pass_access_token": true, "threads": 4})"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, WebCognito().get());
  ASSERT_THAT(config, IsOk()) << config.status();
  const WebSettings& web = config->web;
  EXPECT_TRUE(web.enabled());
  EXPECT_EQ(web.prefix, "/auth2");
  EXPECT_THAT(web.allowed_redirect_domains, ElementsAre(".example.com"));
  EXPECT_EQ(web.cookie.name, "_sess");
  EXPECT_EQ(web.cookie.same_site, "Strict");
  EXPECT_EQ(web.session_lifetime, absl::Hours(12));
  EXPECT_EQ(web.refresh_margin, absl::Minutes(2));
  EXPECT_EQ(web.session_store, "redis");
  EXPECT_EQ(web.redis.url, "redis://r:6379/1");
  EXPECT_EQ(web.redis.timeout, absl::Milliseconds(250));
  EXPECT_TRUE(web.userinfo);
  EXPECT_TRUE(web.pass_access_token);
  EXPECT_EQ(web.threads, 4u);
}

TEST(ServerConfigWebTest, ListenFromFlagAndEnvironment) {
  std::string secret = WriteFile("cookie_secret2", "a2V5\n");
  std::string path = WebConfig(
      absl::StrCat(R"({"cookie": {"secret_file": ")", secret, R"("}})"));
  FakeEnvironment env = WebCognito();
  env.Set("AUTHGATE_WEB_LISTEN", "127.0.0.1:4180");
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, env.get());
  ASSERT_THAT(config, IsOk()) << config.status();
  EXPECT_EQ(config->web.listen, "127.0.0.1:4180");
  config = LoadServerConfig({"--config=" + path, "--web-listen=127.0.0.1:0"},
                            env.get());
  ASSERT_THAT(config, IsOk()) << config.status();
  EXPECT_EQ(config->web.listen, "127.0.0.1:0");
  config = LoadServerConfig({"--config=" + path, "--web_listen="}, env.get());
  ASSERT_THAT(config, IsOk()) << config.status();
  EXPECT_FALSE(config->web.enabled());
}

TEST(ServerConfigWebTest, NamesEveryWebError) {
  std::string secret = WriteFile("cookie_secret3", "a2V5\n");
  auto with_secret = [&secret](const std::string& more) {
    return absl::StrCat(
        R"({"listen": "127.0.0.1:0", "cookie": {"secret_file": ")", secret,
        R"("})", more, "}");
  };
  auto error = [](const std::string& web, FakeEnvironment env = WebCognito()) {
    std::string path = WebConfig(web);
    absl::StatusOr<ServerConfig> config =
        LoadServerConfig({"--config=" + path}, env.get());
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                                 ErrorReason::kConfigInvalid))
        << web;
    std::string message = Message(config);
    // File-level messages are prefixed with the file.
    std::string prefix = absl::StrCat("config file ", path, ": ");
    if (absl::StartsWith(message, prefix))
      message = message.substr(prefix.size());
    return message;
  };
  EXPECT_EQ(error(R"({"listen": "127.0.0.1:0", "lisen": "x"})"),
            "web.lisen: unknown field");
  EXPECT_EQ(error(R"({"cookie": {"nmae": "x"}})"),
            "web.cookie.nmae: unknown field");
  EXPECT_EQ(error(R"({"session_store": {"type": "memcached"}})"),
            "web.session_store.type: must be \"cookie\" or \"redis\"");
  EXPECT_EQ(error(R"({"cookie": {"same_site": "sometimes"}})"),
            "web.cookie.same_site: must be lax, strict or none");
  EXPECT_THAT(error(R"({"listen": "127.0.0.1:0"})"),
              StartsWith("web.cookie.secret_file: required with web.listen"));
  EXPECT_THAT(error(R"({"listen": "nowhere"})"),
              StartsWith("web.listen: \"nowhere\" is not host:port"));
  EXPECT_THAT(
      error(with_secret(R"(, "cookie": {"secret_file": "/nonexistent/k"})")),
      StartsWith("web.cookie.secret_file: cannot read"));
  EXPECT_THAT(error(absl::StrCat(
                  R"({"listen": "127.0.0.1:0", "cookie": {"same_site": "none",
                      "secure": false, "secret_file": ")",
                  secret, R"("}})")),
              StartsWith("web.cookie.same_site: none requires "
                         "web.cookie.secure"));
  EXPECT_EQ(error(with_secret(R"(, "session_lifetime": "30s")")),
            "web.session_lifetime: must be between 1m and 2160h, got 30s");
  EXPECT_EQ(error(with_secret(R"(, "session_lifetime": "91d")")).substr(0, 22),
            "web.session_lifetime: ");
  EXPECT_EQ(error(with_secret(R"(, "refresh_margin": "2h")")),
            "web.refresh_margin: must be between 0s and 1h, got 2h");
  EXPECT_EQ(error(with_secret(R"(, "threads": 0)")),
            "web.threads: must be between 1 and 1024, got 0");
  EXPECT_THAT(error(with_secret(R"(, "prefix": "oauth2/")")),
              StartsWith("web.prefix: must start with '/'"));
  EXPECT_EQ(error(with_secret(R"(, "provider": "other")")),
            "web.provider: no provider named \"other\"");
  EXPECT_EQ(error(with_secret(R"(, "client_id": "nobody")")),
            "web.client_id: provider \"cognito\" has no client \"nobody\"");
  EXPECT_THAT(error(with_secret(""), MinimalCognito()),
              StartsWith("web.redirect_url: required"));
}

TEST(ServerConfigWebTest, ProviderMustHaveLiveKeysAndAClient) {
  std::string secret = WriteFile("cookie_secret4", "a2V5\n");
  std::string jwks = WriteFile("web_static_jwks.json", R"({"keys": []})");
  std::string path = WriteFile(
      "web_static.json",
      absl::StrCat(R"({"providers": [{"name": "static", "issuer": ")", kIssuer,
                   R"(", "jwks_file": ")", jwks,
                   R"(", "client_id": "c", "redirect_uri": "https://a/cb"}],
          "web": {"listen": "127.0.0.1:0",
                  "cookie": {"secret_file": ")",
                   secret, R"("}}})"));
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_THAT(Message(config),
              StartsWith("web.provider: provider \"static\" has static keys"));
}

}  // namespace
}  // namespace authgate::service
