// One flag spelling for the whole `authgate` tool: `--client-id` and
// `--client_id` are the same flag in every sub-command. `verify` and
// `inspect` parse with abseil flags (whose names use underscores); `discover`
// and `login` parse their own (documented with hyphens). Each parser first
// rewrites flag names to its own separator.
#ifndef AUTHGATE_CORE_TOOLS_FLAG_SPELLING_H_
#define AUTHGATE_CORE_TOOLS_FLAG_SPELLING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace authgate::tools {

// `arg` with '-' and '_' in its flag name (after the leading "--", up to any
// '=') replaced by `separator`. Anything that is not a flag ("--" alone,
// values, positional words) comes back unchanged.
std::string RespellFlag(absl::string_view arg, char separator);

}  // namespace authgate::tools

#endif  // AUTHGATE_CORE_TOOLS_FLAG_SPELLING_H_
