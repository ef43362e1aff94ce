// authgate._core.cli_main: the `authgate` command-line tool (core/tools),
// so that `python -m authgate` is the native tool, not a second one.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;

namespace authgate::python {

void RegisterCli(py::module_& m) {
  // The tool writes to the process's own stdin/stdout/stderr (fds 0-2), as
  // the binary does; the GIL is released because it may wait on the network
  // or, for login, on a browser.
  m.def(
      "cli_main",
      [](std::vector<std::string> argv) {
        int status =
            tools::RunCli(std::move(argv), std::cin, std::cout, std::cerr);
        std::cout.flush();
        std::cerr.flush();
        return status;
      },
      py::arg("argv"), py::call_guard<py::gil_scoped_release>(),
      "Runs the ``authgate`` command line on ``argv`` (the words after the "
      "program name) and returns its exit status.");
}

}  // namespace authgate::python
