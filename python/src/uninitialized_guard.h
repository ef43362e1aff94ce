// Refusing instances whose C++ object was never built.
//
// pybind11 2.10 lets `cls.__new__(cls)` return an instance whose __init__
// never ran; the first method call on it then allocates raw storage for the
// C++ object and reads it as one (pybind11 issue #6153, fixed upstream after
// 2.10). A Verifier made so answered verify() from garbage and could crash
// the interpreter.
#ifndef AUTHGATE_PYTHON_SRC_UNINITIALIZED_GUARD_H_
#define AUTHGATE_PYTHON_SRC_UNINITIALIZED_GUARD_H_

#include <pybind11/pybind11.h>

namespace authgate::python {

// Makes every use of such an instance of a class bound in `m` raise
// ValueError. Call after every class is bound.
void RefuseUninitializedInstances(pybind11::module_& m);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_UNINITIALIZED_GUARD_H_
