// Runs the real `authgate` binary on tokens minted here.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "testing/token_minter.h"

namespace authgate {
namespace {

using nlohmann::json;

constexpr char kIssuer[] =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Cli";

struct RunResult {
  int exit_code;
  json output;
};

RunResult RunCli(const std::string& args) {
  std::string command =
      absl::StrCat(AUTHGATE_CLI_PATH, " ", args, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), json::parse(out, nullptr, false)};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    minter_.AddKey("cli-key", Algorithm::kRs256);
    // ctest runs these tests in parallel, each with its own random key: a
    // shared file name would let one test verify against another's key.
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    jwks_path_ = absl::StrCat(::testing::TempDir(), "cli_jwks_", test->name(),
                              "_", getpid(), ".json");
    std::ofstream(jwks_path_) << minter_.JwksJson();
    int64_t now = absl::ToUnixSeconds(absl::Now());
    token_ = minter_.Mint("cli-key", {{"iss", kIssuer},
                                      {"client_id", "app"},
                                      {"token_use", "access"},
                                      {"scope", "openid orders/read"},
                                      {"sub", "u-1"},
                                      {"exp", now + 600}});
  }
  void TearDown() override { std::remove(jwks_path_.c_str()); }
  std::string VerifyArgs() const {
    return absl::StrCat("verify --jwks=", jwks_path_, " --issuer=", kIssuer,
                        " --client_id=app --token_use=access");
  }

  testing::TokenMinter minter_;
  std::string jwks_path_;
  std::string token_;
};

TEST_F(CliTest, VerifyPrintsClaimsAndExitsZero) {
  RunResult result = RunCli(absl::StrCat(VerifyArgs(), " ", token_));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output["valid"], true);
  EXPECT_EQ(result.output["claims"]["sub"], "u-1");
}

TEST_F(CliTest, VerifyReadsTheTokenFromStdinWithBearerPrefix) {
  std::string command =
      absl::StrCat("printf 'Bearer %s\\n' ", token_, " | ", AUTHGATE_CLI_PATH,
                   " ", VerifyArgs(), " >/dev/null 2>&1");
  EXPECT_EQ(WEXITSTATUS(std::system(command.c_str())), 0);
}

TEST_F(CliTest, FlagsTakeHyphensOrUnderscores) {
  std::string base = absl::StrCat("verify --jwks=", jwks_path_,
                                  " --issuer=", kIssuer, " --client-id=app");
  EXPECT_EQ(
      RunCli(absl::StrCat(base, " --token-use=access ", token_)).exit_code, 0);
  // The hyphenated flag is read, not ignored: the wrong use is refused.
  RunResult wrong_use = RunCli(absl::StrCat(base, " --token-use=id ", token_));
  EXPECT_EQ(wrong_use.exit_code, 1);
  EXPECT_EQ(wrong_use.output["reason"], "token_use_mismatch");
  // `discover` documents --timeout-ms; --timeout_ms is the same flag.
  std::string command = absl::StrCat(
      AUTHGATE_CLI_PATH, " discover https://idp.invalid --timeout_ms=abc 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[512] = {};
  size_t n = fread(buffer, 1, sizeof(buffer) - 1, pipe);
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 2);
  EXPECT_NE(std::string(buffer, n).find("--timeout-ms must be a positive"),
            std::string::npos);
}

TEST_F(CliTest, VerifyChecksTokenTypeWhenAsked) {
  // The minter writes "typ": "JWT".
  EXPECT_EQ(RunCli(absl::StrCat(VerifyArgs(), " --token-type=jwt ", token_))
                .exit_code,
            0);
  RunResult refused =
      RunCli(absl::StrCat(VerifyArgs(), " --token-type=at+jwt ", token_));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output["reason"], "token_type_mismatch");
}

TEST_F(CliTest, VerifyRejectsTamperedTokenWithReason) {
  std::string tampered = token_;
  tampered[tampered.size() - 5] =
      tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  RunResult result = RunCli(absl::StrCat(VerifyArgs(), " ", tampered));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output["valid"], false);
  EXPECT_EQ(result.output["code"], "UNAUTHENTICATED");
  EXPECT_EQ(result.output["reason"], "signature_invalid");
}

TEST_F(CliTest, VerifyReportsMissingScopeAsPermissionDenied) {
  RunResult result =
      RunCli(absl::StrCat(VerifyArgs(), " --scope=orders/write ", token_));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output["code"], "PERMISSION_DENIED");
  EXPECT_EQ(result.output["reason"], "scope_missing");
}

TEST_F(CliTest, InspectLabelsOutputUnverified) {
  RunResult result = RunCli(absl::StrCat("inspect ", token_));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output["header"]["kid"], "cli-key");
  EXPECT_EQ(result.output["claims"]["scope"], "openid orders/read");
  EXPECT_NE(result.output["warning"].get<std::string>().find("UNVERIFIED"),
            std::string::npos);
}

TEST_F(CliTest, ReportsUnreadableJwksFile) {
  RunResult result =
      RunCli(absl::StrCat("verify --jwks=/nonexistent --issuer=", kIssuer,
                          " --client_id=app ", token_));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output["reason"], "config_invalid");
}

}  // namespace
}  // namespace authgate
