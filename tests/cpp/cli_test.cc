// The `authgate` tool: RunCli in-process (exact stdin, stdout and stderr),
// and the real binary as a subprocess for what main() adds.
#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/version.h"
#include "testing/token_minter.h"

#include <sys/wait.h>

namespace authgate {
namespace {

using nlohmann::json;

constexpr char kIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Cli";
constexpr char kOtherIssuer[] = "https://idp.example.com";

struct Result {
  int exit_code;
  std::string out;
  std::string err;
  json Out() const { return json::parse(out, nullptr, false); }
  json Err() const { return json::parse(err, nullptr, false); }
};

Result RunTool(const std::vector<std::string>& args,
               const std::string& in = "") {
  std::istringstream stdin_stream(in);
  std::ostringstream out, err;
  int code = tools::RunCli(args, stdin_stream, out, err);
  return {code, out.str(), err.str()};
}

// The binary, with `stdin_text` on its stdin.
Result RunBinary(const std::string& args, const std::string& stdin_text = "") {
  std::string base =
      absl::StrCat(::testing::TempDir(), "cli_run_", getpid(), "_");
  std::ofstream(base + "in", std::ios::binary) << stdin_text;
  std::string command = absl::StrCat(AUTHGATE_CLI_PATH, " ", args, " <", base,
                                     "in >", base, "out 2>", base, "err");
  int status = std::system(command.c_str());
  auto slurp = [](const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
  };
  Result result{WEXITSTATUS(status), slurp(base + "out"), slurp(base + "err")};
  for (const char* name : {"in", "out", "err"}) {
    std::remove((base + name).c_str());
  }
  return result;
}

// A usage or configuration error: exit 2, nothing on stdout, one line of
// JSON on stderr.
void ExpectUsageError(const Result& result, const std::string& reason) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.out, "");
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  json error = result.Err();
  EXPECT_EQ(error["valid"], false) << result.err;
  EXPECT_EQ(error["reason"], reason) << result.err;
  EXPECT_EQ(error["code"], "INVALID_ARGUMENT") << result.err;
}

void ExpectVerdict(const Result& result, const std::string& reason) {
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(result.err, "");
  json verdict = result.Out();
  EXPECT_EQ(verdict["valid"], false);
  EXPECT_EQ(verdict["reason"], reason) << result.out;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    minter_.AddKey("cli-key", Algorithm::kRs256);
    // ctest runs these tests in parallel: each writes its own files.
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(::testing::TempDir(), "cli_", test->name(), "_",
                        getpid(), "_");
    jwks_path_ = Write("jwks.json", minter_.JwksJson());
    now_ = absl::ToUnixSeconds(absl::Now());
    token_ = Mint(json::object());
  }
  void TearDown() override {
    for (const std::string& path : written_) std::remove(path.c_str());
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + name;
    std::ofstream(path, std::ios::binary) << text;
    written_.push_back(path);
    return path;
  }
  // A Cognito access token; `overrides` replace or add claims.
  std::string Mint(const json& overrides) const {
    json claims = {{"iss", kIssuer},
                   {"client_id", "app"},
                   {"token_use", "access"},
                   {"scope", "openid orders/read"},
                   {"cognito:groups", {"staff"}},
                   {"sub", "u-1"},
                   {"iat", now_},
                   {"exp", now_ + 600}};
    if (overrides.is_object()) claims.update(overrides);
    return minter_.Mint("cli-key", claims);
  }
  std::vector<std::string> VerifyArgs(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"verify", "--jwks=" + jwks_path_,
                                     "--issuer", kIssuer, "--client_id=app"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  testing::TokenMinter minter_;
  std::string dir_;
  std::string jwks_path_;
  std::vector<std::string> written_;
  int64_t now_ = 0;
  std::string token_;
};

TEST_F(CliTest, VerifyPrintsClaimsAndExitsZero) {
  Result result = RunTool(VerifyArgs({"--token-use=access", token_}));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.err, "");
  json out = result.Out();
  EXPECT_EQ(out["valid"], true);
  EXPECT_EQ(out["subject"], "u-1");
  EXPECT_EQ(out["issuer"], kIssuer);
  EXPECT_EQ(out["alg"], "RS256");
  EXPECT_EQ(out["claims"]["sub"], "u-1");
}

// The argument is the token byte for byte: a leading space is not trimmed.
TEST_F(CliTest, ArgumentTokenIsTakenByteForByte) {
  ExpectVerdict(RunTool(VerifyArgs({" " + token_})), "token_malformed");
  ExpectVerdict(RunTool(VerifyArgs({"--", "Bearer " + token_})),
                "token_malformed");
}

TEST_F(CliTest, TokenFileIsReadByteForByte) {
  std::string exact = Write("token", token_);
  EXPECT_EQ(RunTool(VerifyArgs({"--token-file", exact})).exit_code, 0);
  std::string with_newline = Write("token_nl", token_ + "\n");
  ExpectVerdict(RunTool(VerifyArgs({"--token-file=" + with_newline})),
                "token_malformed");
  ExpectUsageError(RunTool(VerifyArgs({"--token-file", dir_ + "missing"})),
                   "invalid_argument");
  ExpectUsageError(RunTool(VerifyArgs({"--token-file", exact, token_})),
                   "invalid_argument");
}

// Stdin loses exactly one final "\n" or "\r\n", and nothing else.
TEST_F(CliTest, StdinDropsOneFinalNewline) {
  EXPECT_EQ(RunTool(VerifyArgs({}), token_ + "\n").exit_code, 0);
  EXPECT_EQ(RunTool(VerifyArgs({}), token_ + "\r\n").exit_code, 0);
  EXPECT_EQ(RunTool(VerifyArgs({}), token_).exit_code, 0);
  ExpectVerdict(RunTool(VerifyArgs({}), token_ + "\n\n"), "token_malformed");
  ExpectVerdict(RunTool(VerifyArgs({}), " " + token_ + "\n"),
                "token_malformed");
  ExpectVerdict(RunTool(VerifyArgs({}), "Bearer " + token_ + "\n"),
                "token_malformed");
}

TEST_F(CliTest, BinaryReadsTheTokenFromStdin) {
  std::string args = absl::StrCat("verify --jwks ", jwks_path_, " --issuer ",
                                  kIssuer, " --client-id app");
  Result result = RunBinary(args, token_ + "\n");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.Out()["valid"], true);
}

TEST_F(CliTest, FlagsTakeHyphensOrUnderscoresAndBothValueForms) {
  for (const std::vector<std::string>& spelling :
       {std::vector<std::string>{"--token-use=id"},
        std::vector<std::string>{"--token_use=id"},
        std::vector<std::string>{"--token-use", "id"},
        std::vector<std::string>{"--token_use", "id"}}) {
    std::vector<std::string> extra = spelling;
    extra.push_back(token_);
    // The flag is read, not ignored: the wrong use is refused.
    ExpectVerdict(RunTool(VerifyArgs(extra)), "token_use_mismatch");
  }
  Result underscores =
      RunTool({"verify", "--jwks_file", jwks_path_, "--issuer", kIssuer,
               "--client_id", "app", "--token_use", "access", token_});
  EXPECT_EQ(underscores.exit_code, 0) << underscores.out << underscores.err;
}

TEST_F(CliTest, TokenUseIsRepeatable) {
  EXPECT_EQ(RunTool(VerifyArgs(
                        {"--token-use", "id", "--token-use", "access", token_}))
                .exit_code,
            0);
}

TEST_F(CliTest, VerifyChecksTokenTypeWhenAsked) {
  // The minter writes "typ": "JWT".
  EXPECT_EQ(RunTool(VerifyArgs({"--token-type=jwt", token_})).exit_code, 0);
  ExpectVerdict(RunTool(VerifyArgs({"--token-type=at+jwt", token_})),
                "token_type_mismatch");
}

TEST_F(CliTest, VerifyRejectsTamperedTokenWithReasonOnStdout) {
  std::string tampered = token_;
  tampered[tampered.size() - 5] =
      tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  Result result = RunTool(VerifyArgs({tampered}));
  ExpectVerdict(result, "signature_invalid");
  json verdict = result.Out();
  EXPECT_EQ(verdict["code"], "UNAUTHENTICATED");
  EXPECT_TRUE(verdict["message"].is_string());
  EXPECT_EQ(verdict.size(), 4u) << verdict;
  EXPECT_EQ(result.out.find(tampered), std::string::npos);
}

TEST_F(CliTest, ScopesAndGroupsWithMatchModes) {
  Result missing = RunTool(VerifyArgs({"--scope=orders/write", token_}));
  ExpectVerdict(missing, "scope_missing");
  EXPECT_EQ(missing.Out()["code"], "PERMISSION_DENIED");
  EXPECT_EQ(RunTool(VerifyArgs({"--scope", "orders/write", "--scope",
                                "orders/read", "--scope-match", "any", token_}))
                .exit_code,
            0);
  // Groups default to any-of.
  EXPECT_EQ(
      RunTool(VerifyArgs({"--group", "nobody", "--group", "staff", token_}))
          .exit_code,
      0);
  ExpectVerdict(RunTool(VerifyArgs({"--group", "nobody", "--group", "staff",
                                    "--group_match=all", token_})),
                "group_missing");
  ExpectUsageError(RunTool(VerifyArgs({"--scope-match", "some", token_})),
                   "invalid_argument");
}

TEST_F(CliTest, RequiredAudienceIsPerCall) {
  EXPECT_EQ(
      RunTool(VerifyArgs({"--required-audience", "app", token_})).exit_code, 0);
  ExpectVerdict(RunTool(VerifyArgs({"--required-audience", "other", token_})),
                "audience_mismatch");
}

TEST_F(CliTest, RequireClaimTakesJsonValues) {
  EXPECT_EQ(
      RunTool(VerifyArgs({"--require-claim", "sub=\"u-1\"", token_})).exit_code,
      0);
  ExpectVerdict(RunTool(VerifyArgs({"--require-claim=sub=\"u-2\"", token_})),
                "claim_mismatch");
  ExpectUsageError(RunTool(VerifyArgs({"--require-claim", "sub=u-1", token_})),
                   "invalid_argument");
}

// --now evaluates the time rules at a fixed instant.
TEST_F(CliTest, NowFixesTheClock) {
  std::string old = Mint({{"iat", 1700000000}, {"exp", 1700000600}});
  ExpectVerdict(RunTool(VerifyArgs({old})), "token_expired");
  EXPECT_EQ(RunTool(VerifyArgs({"--now=1700000300", old})).exit_code, 0);
  EXPECT_EQ(
      RunTool(VerifyArgs({"--now", "2023-11-14T22:18:20Z", old})).exit_code, 0);
  ExpectVerdict(RunTool(VerifyArgs({"--now", "2023-11-14T23:00:00Z", old})),
                "token_expired");
  ExpectUsageError(RunTool(VerifyArgs({"--now", "yesterday", old})),
                   "invalid_argument");
}

TEST_F(CliTest, SpecFlagsReachTheVerifier) {
  ExpectVerdict(RunTool(VerifyArgs({"--max-lifetime=5m", token_})),
                "token_lifetime_too_long");
  ExpectVerdict(RunTool(VerifyArgs({"--algorithm", "ES256", token_})),
                "alg_not_allowed");
  ExpectVerdict(RunTool(VerifyArgs({"--max-token-bytes", "100", token_})),
                "token_too_large");
  // An additional issuer is trusted; the first is not the only one.
  std::string other = Mint({{"iss", kOtherIssuer}});
  ExpectVerdict(RunTool(VerifyArgs({other})), "issuer_mismatch");
  EXPECT_EQ(RunTool(VerifyArgs({"--issuer", kOtherIssuer, other})).exit_code,
            0);
}

TEST_F(CliTest, ConfigurationErrorsGoToStderrWithExitTwo) {
  // No client and no audience: the spec's rule, not the CLI's.
  ExpectUsageError(
      RunTool({"verify", "--jwks", jwks_path_, "--issuer", kIssuer, token_}),
      "config_invalid");
  ExpectUsageError(
      RunTool({"verify", "--jwks", jwks_path_, "--client-id", "app", token_}),
      "config_invalid");
  ExpectUsageError(RunTool({"verify", "--jwks=/nonexistent", "--issuer",
                            kIssuer, "--client-id", "app", token_}),
                   "config_invalid");
  ExpectUsageError(RunTool(VerifyArgs({"--clock-skew=forever", token_})),
                   "config_invalid");
}

TEST_F(CliTest, ProviderFileIsTheSpecAndFlagsOverrideIt) {
  std::string file =
      Write("provider.json", json{{"issuer", kIssuer},
                                  {"client_id", "someone-else"},
                                  {"jwks_uri", "https://idp.invalid/jwks.json"}}
                                 .dump());
  // --jwks replaces the file's key source, --client-id its client.
  Result result = RunTool({"verify", "--provider-file", file, "--jwks",
                           jwks_path_, "--client-id", "app", token_});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::string complete = Write("complete.json", json{{"issuer", kIssuer},
                                                     {"client_id", "app"},
                                                     {"jwks_file", jwks_path_},
                                                     {"token_uses", {"id"}}}
                                                    .dump());
  ExpectVerdict(RunTool({"verify", "--provider-file", complete, token_}),
                "token_use_mismatch");
  std::string broken = Write("broken.json", "{\"issuer\": ");
  Result bad = RunTool({"verify", "--provider-file", broken, token_});
  ExpectUsageError(bad, "config_invalid");
  EXPECT_NE(bad.Err()["message"].get<std::string>().find("line 1"),
            std::string::npos);
}

TEST_F(CliTest, ProvidersFileRoutesByIssuer) {
  testing::TokenMinter other_minter;
  other_minter.AddKey("other-key", Algorithm::kEs256);
  std::string other_jwks = Write("other_jwks.json", other_minter.JwksJson());
  std::string providers =
      Write("providers.json", json::array({{{"name", "pool"},
                                            {"issuer", kIssuer},
                                            {"client_id", "app"},
                                            {"jwks_file", jwks_path_}},
                                           {{"name", "idp"},
                                            {"issuer", kOtherIssuer},
                                            {"audiences", {"api"}},
                                            {"jwks_file", other_jwks}}})
                                  .dump());
  std::string other = other_minter.Mint(
      "other-key", {{"iss", kOtherIssuer}, {"aud", "api"}, {"exp", now_ + 60}});
  Result pool = RunTool({"verify", "--providers-file", providers, token_});
  EXPECT_EQ(pool.exit_code, 0) << pool.out << pool.err;
  EXPECT_EQ(pool.Out()["provider"], "pool");
  Result idp = RunTool({"verify", "--providers-file", providers, other});
  EXPECT_EQ(idp.exit_code, 0) << idp.out << idp.err;
  EXPECT_EQ(idp.Out()["provider"], "idp");
  ExpectVerdict(RunTool({"verify", "--providers-file", providers,
                         "--provider=idp", token_}),
                "issuer_mismatch");
  ExpectUsageError(RunTool({"verify", "--providers-file", providers, "--issuer",
                            kIssuer, token_}),
                   "invalid_argument");
}

TEST_F(CliTest, InspectLabelsOutputUnverified) {
  Result result = RunTool({"inspect", token_});
  EXPECT_EQ(result.exit_code, 0);
  json out = result.Out();
  EXPECT_EQ(out["header"]["kid"], "cli-key");
  EXPECT_EQ(out["claims"]["scope"], "openid orders/read");
  EXPECT_NE(out["warning"].get<std::string>().find("UNVERIFIED"),
            std::string::npos);
  // Not a verdict: an error on stderr.
  Result bad = RunTool({"inspect"}, "not-a-token\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.Err()["reason"], "token_malformed");
}

TEST_F(CliTest, UsageErrorsAreOneLineOnStderrWithExitTwo) {
  ExpectUsageError(RunTool({}), "invalid_argument");
  ExpectUsageError(RunTool({"frobnicate"}), "invalid_argument");
  ExpectUsageError(RunTool({"verify", "--bogus", token_}), "invalid_argument");
  ExpectUsageError(RunTool({"verify", "--issuer"}), "invalid_argument");
  ExpectUsageError(RunTool({"discover"}), "invalid_argument");
  // CLI11 would take the next word as the value of "--nonce=".
  ExpectUsageError(RunTool(VerifyArgs({"--nonce=", token_})),
                   "invalid_argument");
  // discover documents --timeout-ms; --timeout_ms is the same flag.
  Result timeout =
      RunTool({"discover", "https://idp.invalid", "--timeout_ms=abc"});
  ExpectUsageError(timeout, "invalid_argument");
  EXPECT_NE(timeout.err.find("--timeout-ms"), std::string::npos) << timeout.err;
}

// Before CLI11, `discover --help` answered "missing value for --help".
TEST_F(CliTest, DiscoverHelpPrintsHelpAndExitsZero) {
  Result result = RunBinary("discover --help");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Usage: authgate discover"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("--timeout-ms"), std::string::npos);
  EXPECT_EQ(result.err, "");
}

TEST_F(CliTest, EveryCommandHasItsOwnHelp) {
  for (const char* command : {"verify", "inspect", "discover", "login"}) {
    Result result = RunTool({command, "--help"});
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find(absl::StrCat("Usage: authgate ", command)),
              std::string::npos)
        << result.out;
  }
  Result top = RunTool({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command : {"verify", "inspect", "discover", "login"}) {
    EXPECT_NE(top.out.find(command), std::string::npos) << top.out;
  }
  // Help names each flag once, hyphenated.
  Result verify = RunTool({"verify", "--help"});
  EXPECT_NE(verify.out.find("--client-id"), std::string::npos);
  EXPECT_EQ(verify.out.find("--client_id"), std::string::npos) << verify.out;
}

TEST_F(CliTest, VersionIsTheProjectVersion) {
  Result result = RunBinary("--version");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, absl::StrCat("authgate ", kVersion, "\n"));
}

TEST_F(CliTest, LoginNeedsAClient) {
  ExpectUsageError(RunTool({"login", "--issuer", "https://idp.invalid"}),
                   "config_invalid");
}

}  // namespace
}  // namespace authgate
