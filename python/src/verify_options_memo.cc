#include "verify_options_memo.h"

#include <Python.h>

#include <cstddef>

namespace authgate::python {
namespace {

// True when the value's conversion can never change: None, an exact str or
// an exact tuple of exact str (a subclass may override anything).
bool IsImmutable(PyObject* value) {
  if (value == Py_None || PyUnicode_CheckExact(value)) return true;
  if (!PyTuple_CheckExact(value)) return false;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); ++i) {
    if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(value, i))) return false;
  }
  return true;
}

// The same keyword names in the same order. A call site passes one constant
// tuple; verify(token, **kwargs) builds a new one each call, from the same
// interned names.
bool SameNames(PyObject* a, PyObject* b) {
  if (a == b) return true;
  if (PyTuple_GET_SIZE(a) != PyTuple_GET_SIZE(b)) return false;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(a); ++i) {
    if (PyTuple_GET_ITEM(a, i) != PyTuple_GET_ITEM(b, i)) return false;
  }
  return true;
}

}  // namespace

const VerifyOptions* VerifyOptionsMemo::Find(PyObject* kwnames,
                                             PyObject* const* values) const {
  const Py_ssize_t count = PyTuple_GET_SIZE(kwnames);
  // More names than verify() takes: never remembered (and entry.values
  // could not hold them).
  if (count > static_cast<Py_ssize_t>(kVerifyKeywords.size())) return nullptr;
  for (const Entry& entry : entries_) {
    if (entry.kwnames == nullptr || !SameNames(entry.kwnames, kwnames)) {
      continue;
    }
    bool same = true;
    for (Py_ssize_t i = 0; i < count && same; ++i) {
      same = entry.values[static_cast<size_t>(i)] == values[i];
    }
    if (same) return &entry.options;
  }
  return nullptr;
}

void VerifyOptionsMemo::Remember(PyObject* kwnames, PyObject* const* values,
                                 const VerifyOptions& options) {
  const Py_ssize_t count = PyTuple_GET_SIZE(kwnames);
  if (count > static_cast<Py_ssize_t>(kVerifyKeywords.size())) return;
  for (Py_ssize_t i = 0; i < count; ++i) {
    if (!IsImmutable(values[i])) return;
  }
  Entry& entry = entries_[next_];
  next_ = (next_ + 1) % kEntries;
  Py_XDECREF(entry.kwnames);
  for (PyObject*& value : entry.values) Py_CLEAR(value);
  // Py_INCREF, not Py_NewRef: the package supports Python 3.9.
  Py_INCREF(kwnames);
  entry.kwnames = kwnames;
  for (Py_ssize_t i = 0; i < count; ++i) {
    Py_INCREF(values[i]);
    entry.values[static_cast<size_t>(i)] = values[i];
  }
  entry.options = options;
}

}  // namespace authgate::python
