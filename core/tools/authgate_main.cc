// authgate: verify, inspect and fetch tokens from the command line. The tool
// itself is RunCli (cli.h), which `python -m authgate` runs too.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"

#include "authgate/process_setup.h"

int main(int argc, char** argv) {
  authgate::PrepareProcess();
  return authgate::tools::RunCli(
      std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout,
      std::cerr);
}
