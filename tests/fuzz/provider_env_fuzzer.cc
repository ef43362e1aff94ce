// libFuzzer target: the provider read from the environment
// (ProviderJsonFromEnvironment, then ParseProviderSpec), with a fake
// Environment made of the input's lines "NAME=VALUE". A NAME_FILE variable
// is answered with a path that does not exist, so no real file is read and
// the both-set and unreadable-file paths are still reached.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

#include "authgate/provider_spec.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string, std::less<>> variables;
  for (absl::string_view line : absl::StrSplit(
           absl::string_view(reinterpret_cast<const char*>(data), size),
           '\n')) {
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    std::string name(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    if (absl::EndsWith(name, "_FILE")) value = "/nonexistent/authgate-fuzz";
    variables[name] = value;
  }
  authgate::Environment env =
      [&variables](absl::string_view name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
  std::map<std::string, std::string> fields;
  auto json = authgate::ProviderJsonFromEnvironment(env, &fields);
  authgate::fuzz::CheckTyped(json.status(), "ProviderJsonFromEnvironment");
  auto spec = authgate::ProviderSpecFromEnvironment(env);
  authgate::fuzz::CheckTyped(spec.status(), "ProviderSpecFromEnvironment");
  if (json.ok() && spec.ok()) {
    authgate::fuzz::Require(json->has_value() == spec->has_value(),
                            "a spec exactly when variables describe one");
  }
  return 0;
}
