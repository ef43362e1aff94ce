// Registration entry points, one per bound area; module.cc calls them in
// order (errors first, so every later binding may throw StatusError).
#ifndef AUTHGATE_PYTHON_SRC_BINDINGS_H_
#define AUTHGATE_PYTHON_SRC_BINDINGS_H_

#include <pybind11/pybind11.h>

namespace authgate::python {

void RegisterVerifier(pybind11::module_& m);
void RegisterOAuth(pybind11::module_& m);
void RegisterCli(pybind11::module_& m);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_BINDINGS_H_
