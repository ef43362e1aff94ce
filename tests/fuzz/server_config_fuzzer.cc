// libFuzzer target: authgate-server's configuration (LoadServerConfig). The
// input up to its first NUL is the config file (written to a scratch file
// that --config names); each later line is a flag when it starts with "--"
// and an environment variable NAME=VALUE otherwise. Flags and variables that
// name files (--config, *file*, *_FILE, AUTHGATE_CONFIG) get a path that does
// not exist, so nothing but the scratch file is read.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpc_service/server_config.h"

#include "fuzz_check.h"

namespace {

constexpr char kMissing[] = "/nonexistent/authgate-fuzz";

bool NamesFile(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  return absl::StrContains(lower, "file") || absl::StrContains(lower, "config");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("authgate-server-config-fuzz-", getpid(), ".json"))
          .string();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const absl::string_view file = input.substr(0, split);
  if (std::FILE* out = std::fopen(path.c_str(), "wb")) {
    std::fwrite(file.data(), 1, file.size(), out);
    std::fclose(out);
  }

  std::vector<std::string> args = {"--config=" + path};
  std::map<std::string, std::string, std::less<>> variables;
  if (split != absl::string_view::npos) {
    for (absl::string_view line :
         absl::StrSplit(input.substr(split + 1), '\n')) {
      size_t eq = line.find('=');
      absl::string_view name = line.substr(0, eq);
      if (absl::StartsWith(line, "--")) {
        if (!NamesFile(name)) {
          args.emplace_back(line);
        } else if (eq != absl::string_view::npos) {
          args.push_back(absl::StrCat(name, "=", kMissing));
        }
      } else if (eq != absl::string_view::npos) {
        variables[std::string(name)] =
            NamesFile(name) ? kMissing : std::string(line.substr(eq + 1));
      }
    }
  }
  authgate::Environment env =
      [&variables](absl::string_view name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
  auto config = authgate::service::LoadServerConfig(args, env);
  authgate::fuzz::CheckTyped(config.status(), "LoadServerConfig");
  if (!config.ok()) {
    authgate::fuzz::Require(!absl::StrContains(config.status().message(), "\n"),
                            "a configuration error is one line");
  }
  return 0;
}
