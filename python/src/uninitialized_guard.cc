#include "uninitialized_guard.h"

#include <Python.h>

#include <cstddef>

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace authgate::python {
namespace {

// pybind11 calls a class's operator_new only to allocate the C++ object of an
// instance that has none, i.e. one made by __new__ alone: our constructors
// are py::init factories, which set the object themselves, and no class
// binds the deprecated placement-new __init__ or pickling.
[[noreturn]] void* RefuseToAllocate(size_t /*size*/) {
  throw py::value_error(
      "uninitialized authgate object: it was made with __new__ and its "
      "__init__ never ran; construct it by calling the class");
}

}  // namespace

void RefuseUninitializedInstances(py::module_& m) {
  for (auto item : py::reinterpret_borrow<py::dict>(m.attr("__dict__"))) {
    if (!PyType_Check(item.second.ptr())) continue;
    py::detail::type_info* type = py::detail::get_type_info(
        reinterpret_cast<PyTypeObject*>(item.second.ptr()));
    if (type != nullptr) type->operator_new = &RefuseToAllocate;
  }
}

}  // namespace authgate::python
