// conformance_materialize: turns tests/conformance/cases.json into tokens and
// key sets every face's runner can use (FORMAT.md).
//
//   conformance_materialize CASES_JSON OUTDIR
//
// Keys are generated at run time (never committed); tokens are minted
// relative to now. The table's token descriptions:
//   {"key": "rsa", "sign_alg": "RS256", "header": {...} | absent,
//    "header_set": {...}, "header_unset": ["kid"], "claims": {...},
//    "raw": "text" | absent, "raw_header": "text", "raw_payload": "text",
//    "tamper": "signature" | "payload", "prefix": " ", "suffix": "\n"}
// Claim and header values "$now", "$now+N", "$now-N" are unix times;
// {"$nest": N} is an object nested N levels; {"$repeat": "x", "times": N} a
// string of N copies.
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

#include "authgate/algorithm.h"
#include "testing/token_minter.h"

namespace authgate::testing {
namespace {

using nlohmann::json;

int Fail(const std::string& message) {
  std::cerr << "conformance_materialize: " << message << std::endl;
  return 1;
}

json Resolve(const json& value, int64_t now) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.rfind("$now", 0) == 0) {
      int64_t offset = 0;
      if (text.size() > 4) {
        std::string number = text.substr(text[4] == '+' ? 5 : 4);
        if (!absl::SimpleAtoi(number, &offset)) return value;
      }
      return now + offset;
    }
    return value;
  }
  if (value.is_object()) {
    if (value.contains("$nest")) {
      int depth = value["$nest"].get<int>();
      json nested = "leaf";
      for (int i = 0; i < depth; ++i) nested = json{{"n", nested}};
      return nested;
    }
    if (value.contains("$repeat")) {
      std::string unit = value["$repeat"].get<std::string>();
      std::string out;
      for (int i = 0; i < value["times"].get<int>(); ++i) out += unit;
      return out;
    }
    json out = json::object();
    for (const auto& item : value.items()) {
      out[item.key()] = Resolve(item.value(), now);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(Resolve(item, now));
    return out;
  }
  return value;
}

struct Keys {
  TokenMinter minter;
  std::map<std::string, Algorithm> algs;
};

// Replaces one character in the middle of a segment, keeping base64url.
std::string Tamper(const std::string& token, const std::string& what) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  size_t pos = what == "payload" ? (first + second) / 2
                                 : second + (token.size() - second) / 2;
  std::string out = token;
  out[pos] = out[pos] == 'A' ? 'B' : 'A';
  return out;
}

absl::StatusOr<std::string> MintToken(const Keys& keys, const json& spec,
                                      int64_t now) {
  if (spec.contains("raw")) return spec["raw"].get<std::string>();
  std::string kid = spec.value("key", "rsa");
  auto alg_it = keys.algs.find(kid);
  if (alg_it == keys.algs.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown key ", kid));
  }
  Algorithm sign_alg = alg_it->second;
  if (spec.contains("sign_alg")) {
    std::optional<Algorithm> alg =
        AlgorithmFromName(spec["sign_alg"].get<std::string>());
    if (!alg.has_value()) return absl::InvalidArgumentError("bad sign_alg");
    sign_alg = *alg;
  }
  json header = spec.contains("header")
                    ? Resolve(spec["header"], now)
                    : json{{"alg", std::string(AlgorithmName(sign_alg))},
                           {"kid", kid},
                           {"typ", "JWT"}};
  if (spec.contains("header_set")) {
    for (const auto& item : spec["header_set"].items()) {
      header[item.key()] = Resolve(item.value(), now);
    }
  }
  for (const json& name : spec.value("header_unset", json::array())) {
    header.erase(name.get<std::string>());
  }
  json claims = Resolve(spec.value("claims", json::object()), now);
  std::string token;
  if (spec.contains("raw_header") || spec.contains("raw_payload")) {
    token = keys.minter.MintRaw(kid, sign_alg,
                                spec.value("raw_header", header.dump()),
                                spec.value("raw_payload", claims.dump()));
  } else {
    token = keys.minter.MintWithHeader(kid, sign_alg, header, claims);
  }
  if (spec.contains("swap_claims")) {
    // Another payload under this token's header and signature.
    std::string other = keys.minter.MintWithHeader(
        kid, sign_alg, header, Resolve(spec["swap_claims"], now));
    size_t first = token.find('.'), second = token.find('.', first + 1);
    size_t other_first = other.find('.');
    size_t other_second = other.find('.', other_first + 1);
    token = token.substr(0, first) +
            other.substr(other_first, other_second - other_first) +
            token.substr(second);
  }
  if (spec.contains("tamper")) {
    token = Tamper(token, spec["tamper"].get<std::string>());
  }
  return spec.value("prefix", "") + token + spec.value("suffix", "");
}

int Run(const std::string& cases_path, const std::string& out_dir) {
  std::ifstream in(cases_path);
  if (!in) return Fail("cannot read " + cases_path);
  json table = json::parse(in, nullptr, /*allow_exceptions=*/false,
                           /*ignore_comments=*/true);
  if (table.is_discarded()) return Fail(cases_path + " is not valid JSON");
  const int64_t now = absl::ToUnixSeconds(absl::Now());

  Keys keys;
  for (const auto& [kid, key] : table["keys"].items()) {
    std::optional<Algorithm> alg =
        AlgorithmFromName(key["alg"].get<std::string>());
    if (!alg.has_value()) return Fail("key " + kid + ": unknown alg");
    keys.minter.AddKey(kid, *alg, key.value("variant", 0));
    keys.algs[kid] = *alg;
  }
  // One JWKS file per named key set.
  std::map<std::string, std::string> key_set_files;
  const json all_keys = keys.minter.Jwks();
  for (const auto& [name, members] : table["key_sets"].items()) {
    json set = {{"keys", json::array()}};
    for (const json& jwk : all_keys["keys"]) {
      for (const json& member : members) {
        if (jwk.value("kid", "") == member.get<std::string>()) {
          set["keys"].push_back(jwk);
        }
      }
    }
    std::string path = absl::StrCat(out_dir, "/keys-", name, ".json");
    std::ofstream(path) << set.dump(2);
    key_set_files[name] = path;
  }

  json out = {{"generated_at", now},
              {"providers", json::array()},
              {"cases", json::array()}};
  for (json provider : table["providers"]) {
    std::string set = provider["key_set"].get<std::string>();
    provider.erase("key_set");
    if (key_set_files.count(set) == 0) return Fail("unknown key set " + set);
    provider["jwks_file"] = key_set_files[set];
    out["providers"].push_back(provider);
  }
  for (const json& row : table["cases"]) {
    absl::StatusOr<std::string> token = MintToken(keys, row["token"], now);
    if (!token.ok()) {
      return Fail(
          absl::StrCat(row.value("name", "?"), ": ", token.status().message()));
    }
    out["cases"].push_back({{"name", row["name"]},
                            {"token", *token},
                            {"request", row.value("request", json::object())},
                            {"expect", row["expect"]}});
  }
  std::ofstream(out_dir + "/materialized.json") << out.dump(1);
  std::cout << out["cases"].size() << " cases, " << out["providers"].size()
            << " providers written to " << out_dir << std::endl;
  return 0;
}

}  // namespace
}  // namespace authgate::testing

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: conformance_materialize CASES_JSON OUTDIR\n";
    return 2;
  }
  return authgate::testing::Run(argv[1], argv[2]);
}
