// The `authgate` command-line tool as a function: the native binary's main()
// and Python's `python -m authgate` (authgate._core.cli_main) both call it,
// so there is one tool with one set of flags and one output.
//
//   authgate verify --jwks=jwks.json --issuer=ISSUER --client-id=ID TOKEN
//   authgate inspect TOKEN
//   authgate discover ISSUER
//   authgate login --issuer ISSUER --client-id ID
//
// Results are JSON on `out`; `verify` prints its verdict there too, valid or
// not. Every other failure is one line of JSON on `err`:
// {"valid": false, "code": ..., "reason": ..., "message": ...}.
// Exit status: 0 success; 1 a rejected token, or a command that failed (a
// provider unreachable, a token inspect cannot decode); 2 a usage or
// configuration error (reason invalid_argument or config_invalid).
// `--help` on the tool or any sub-command and `--version` print to `out`
// and return 0.
//
// Thread-compatible: concurrent calls must not share streams.
#ifndef AUTHGATE_CORE_TOOLS_CLI_H_
#define AUTHGATE_CORE_TOOLS_CLI_H_

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace authgate::tools {

// Runs the tool on `args`, the words after the program name. `in` is read
// only for a token that is neither an argument nor --token-file. Never
// throws.
int RunCli(std::vector<std::string> args, std::istream& in, std::ostream& out,
           std::ostream& err);

}  // namespace authgate::tools

#endif  // AUTHGATE_CORE_TOOLS_CLI_H_
