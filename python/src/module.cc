// The authgate._core extension: the C++ core, bound thinly. The public Python
// surface is authgate/__init__.py, which re-exports these names.
#include <pybind11/pybind11.h>

#include "authgate/process_setup.h"
#include "bindings.h"
#include "status_translation.h"
#include "uninitialized_guard.h"

PYBIND11_MODULE(_core, m) {
  m.doc() =
      "Private extension module of authgate; import names from `authgate`.";
  authgate::PrepareProcess();
  authgate::python::RegisterStatusTranslator(m);
  authgate::python::RegisterVerifier(m);
  authgate::python::RegisterOAuth(m);
  authgate::python::RegisterCli(m);
  authgate::python::RefuseUninitializedInstances(m);
}
