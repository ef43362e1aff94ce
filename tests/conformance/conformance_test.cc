// The conformance table (tests/conformance/cases.json) through the C++
// library: one TokenVerifier built from every provider spec, each row's
// request as VerifyOptions, the row's code and reason expected exactly.
// The other faces (CLI, gRPC ValidateToken and ext_authz Check, Python) run
// the same materialized rows.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"

namespace authgate {
namespace {

using nlohmann::json;

json Materialize() {
  std::string dir =
      absl::StrCat(::testing::TempDir(), "/conformance_cc_", getpid());
  std::string command =
      absl::StrCat("mkdir -p '", dir, "' && '", AUTHGATE_MATERIALIZE_PATH,
                   "' '", AUTHGATE_CASES_PATH, "' '", dir, "' >/dev/null");
  if (std::system(command.c_str()) != 0) return nullptr;
  std::ifstream in(dir + "/materialized.json");
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::vector<std::string> Strings(const json& request, const char* key) {
  std::vector<std::string> out;
  for (const json& item : request.value(key, json::array())) {
    out.push_back(item.get<std::string>());
  }
  return out;
}

Match MatchOf(const json& request, const char* key, Match fallback) {
  if (!request.contains(key)) return fallback;
  // An unknown spelling makes the row fail rather than read as "all".
  return MatchFromName(request[key].get<std::string>())
      .value_or(fallback == Match::kAll ? Match::kAny : Match::kAll);
}

TEST(ConformanceTest, EveryRowGivesItsVerdictThroughTheLibrary) {
  json table = Materialize();
  ASSERT_TRUE(table.is_object()) << "materializer failed";

  VerifierOptions options;
  const json& providers = table["providers"];
  for (size_t i = 0; i < providers.size(); ++i) {
    absl::StatusOr<ProviderSpec> spec =
        ParseProviderSpec(providers[i], absl::StrCat("providers[", i, "]"));
    ASSERT_TRUE(spec.ok()) << spec.status();
    absl::StatusOr<std::shared_ptr<KeySource>> keys = MakeStaticKeys(*spec);
    ASSERT_TRUE(keys.ok()) << keys.status();
    options.providers.push_back(MakeProviderPolicy(*spec, *keys));
  }
  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(options);
  ASSERT_TRUE(verifier.ok()) << verifier.status();

  std::vector<std::string> mismatches;
  size_t rows = 0;
  // Twice: the second pass answers repeated tokens from the verified-token
  // cache, which must give the same verdicts.
  for (int pass = 0; pass < 2; ++pass) {
    for (const json& row : table["cases"]) {
      const json& request = row["request"];
      VerifyOptions call;
      call.provider = request.value("provider", "");
      call.token_uses = Strings(request, "token_uses");
      call.audiences = Strings(request, "audiences");
      call.scopes = Strings(request, "scopes");
      call.scope_match = MatchOf(request, "scope_match", Match::kAll);
      call.groups = Strings(request, "groups");
      call.group_match = MatchOf(request, "group_match", Match::kAny);
      call.nonce = request.value("nonce", "");
      absl::StatusOr<VerifiedToken> result =
          (*verifier)->Verify(row["token"].get<std::string>(), call);
      std::string code =
          result.ok() ? "OK" : absl::StatusCodeToString(result.status().code());
      std::string reason =
          result.ok()
              ? ""
              : std::string(ErrorReasonName(GetErrorReason(result.status())));
      const json& expect = row["expect"];
      if (code != expect["code"] || reason != expect["reason"]) {
        mismatches.push_back(absl::StrCat(
            pass == 0 ? "" : "(cached) ", row["name"].get<std::string>(),
            ": expected ", expect["code"].get<std::string>(), "/",
            expect["reason"].get<std::string>(), ", got ", code, "/", reason,
            result.ok() ? ""
                        : absl::StrCat(" (", result.status().message(), ")")));
      }
      ++rows;
    }
  }
  EXPECT_GE(rows, 200u);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " rows differ:\n"
                                  << absl::StrJoin(mismatches, "\n");
}

}  // namespace
}  // namespace authgate
