#include "grpc_service/server_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

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
std::string Message(const absl::StatusOr<ServerConfig>& config) {
  return std::string(config.status().message());
}

FakeEnvironment MinimalCognito() {
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", kIssuer).Set("COGNITO_CLIENT_ID", "client-1");
  return env;
}

TEST(ServerConfigTest, BuildsCognitoProviderFromEnvironment) {
  FakeEnvironment env = MinimalCognito();
  env.Set("AUTHGATE_JWKS_URI",
          "http://127.0.0.1:5000/pool/.well-known/jwks.json");

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->providers, SizeIs(1));
  const ProviderSettings& provider = config->providers[0];
  EXPECT_EQ(provider.kind, "cognito");
  EXPECT_EQ(provider.config.name, "cognito");
  EXPECT_EQ(provider.config.issuer, kIssuer);
  EXPECT_EQ(provider.config.client_id, "client-1");
  EXPECT_EQ(provider.config.endpoints.jwks_uri,
            "http://127.0.0.1:5000/pool/.well-known/jwks.json");
  // No secret configured: a public client.
  EXPECT_EQ(provider.config.auth_method, ClientAuthMethod::kNone);
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
}

TEST(ServerConfigTest, ReadsSecretFromFileWithoutTrailingNewline) {
  FakeEnvironment env = MinimalCognito();
  env.Set("COGNITO_CLIENT_SECRET_FILE", WriteFile("secret", "s3cret\n"));

  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());

  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->providers[0].config.client_secret, "s3cret");
  EXPECT_EQ(config->providers[0].config.auth_method,
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

TEST(ServerConfigTest, RejectsNonCognitoIssuerInCognitoVariable) {
  FakeEnvironment env;
  env.Set("COGNITO_ISSUER", "https://sso.example.com")
      .Set("COGNITO_CLIENT_ID", "c");
  absl::StatusOr<ServerConfig> config = LoadServerConfig({}, env.get());
  EXPECT_THAT(Message(config), StartsWith("COGNITO_ISSUER:"));
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
               "worker_threads": 3, "rejection_log_rate": 0}
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
}

TEST(ServerConfigTest, EnvironmentOverridesFileProviderOfTheSameName) {
  std::string path = WriteFile("merge.json", R"({"providers": [
    {"name": "cognito", "issuer": ")" + std::string(kIssuer) +
                                                 R"(",
     "client_id": "from-file", "token_uses": ["access"]}]})");
  FakeEnvironment env;
  env.Set("COGNITO_CLIENT_ID", "from-env");

  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, env.get());

  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(config->providers, SizeIs(1));
  EXPECT_EQ(config->providers[0].config.client_id, "from-env");
  EXPECT_EQ(config->providers[0].config.token_uses,
            std::vector<std::string>{"access"});
}

TEST(ServerConfigTest, NamesUnknownFieldWithItsPath) {
  std::string path =
      WriteFile("typo.json", R"({"providers": [{"isuer": "x"}]})");
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--config=" + path}, FakeEnvironment().get());
  EXPECT_EQ(Message(config),
            "config file " + path + ": providers[0].isuer: unknown field");
}

TEST(ServerConfigTest, RejectsDuplicateProviderNames) {
  std::string path = WriteFile("dupe.json", R"({"providers": [
    {"name": "a", "issuer": ")" + std::string(kIssuer) +
                                                R"(", "client_id": "c"},
    {"name": "a", "kind": "oidc", "issuer": "https://sso.example.com",
     "client_id": "c"}]})");
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
              StartsWith("--nope:"));
  EXPECT_THAT(Message(LoadServerConfig({"--log_level=loud"}, env.get())),
              StartsWith("--log_level:"));
}

TEST(ServerConfigTest, RequireClientCertNeedsClientCa) {
  FakeEnvironment env = MinimalCognito();
  std::string cert = WriteFile("cert.pem", "x");
  std::string key = WriteFile("key.pem", "x");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {"--tls_cert=" + cert, "--tls_key=" + key, "--require_client_cert"},
      env.get());
  EXPECT_THAT(Message(config), StartsWith("tls.require_client_cert:"));
}

TEST(ServerConfigTest, HelpNeedsNoConfiguration) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({"--help"}, FakeEnvironment().get());
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->help);
}

}  // namespace
}  // namespace authgate::service
