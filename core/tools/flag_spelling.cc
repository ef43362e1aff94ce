#include "flag_spelling.h"

#include "absl/strings/match.h"

namespace authgate::tools {

std::string RespellFlag(absl::string_view arg, char separator) {
  std::string out(arg);
  if (!absl::StartsWith(arg, "--") || arg.size() == 2) return out;
  for (size_t i = 2; i < out.size() && out[i] != '='; ++i) {
    if (out[i] == '-' || out[i] == '_') out[i] = separator;
  }
  return out;
}

}  // namespace authgate::tools
