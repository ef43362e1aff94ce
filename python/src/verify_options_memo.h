// verify()'s keywords, converted once per set of immutable values.
//
// Converting scopes=("a",), groups=("b",) to VerifyOptions (pybind11's list
// casters, two vectors of strings, ToVerifyOptions) took about as long as
// the rest of a cached verification. Callers pass the same constants on
// every call (a tuple literal is one object per call site), so the fast path
// remembers the options it built for the last few sets of keyword values,
// keyed by the identity of the objects. A value takes part only when it
// cannot change: None, an exact str, or an exact tuple of exact str. The
// memo holds a reference to each, so an identity cannot be reused by
// another object while remembered. A list, or a str subclass, is converted
// on every call.
#ifndef AUTHGATE_PYTHON_SRC_VERIFY_OPTIONS_MEMO_H_
#define AUTHGATE_PYTHON_SRC_VERIFY_OPTIONS_MEMO_H_

#include <Python.h>

#include <array>
#include <cstddef>

#include "authgate/token_verifier.h"
#include "verify_keywords.h"

namespace authgate::python {

// Every member needs the GIL, which also orders the callers (one memo per
// process; it is never destroyed, as it holds Python references).
class VerifyOptionsMemo {
 public:
  VerifyOptionsMemo() = default;
  VerifyOptionsMemo(const VerifyOptionsMemo&) = delete;
  VerifyOptionsMemo& operator=(const VerifyOptionsMemo&) = delete;

  // The options remembered for a vectorcall's keywords (`kwnames`, and their
  // values in order), or nullptr. The pointer is valid while the caller holds
  // the GIL and calls no Remember().
  const VerifyOptions* Find(PyObject* kwnames, PyObject* const* values) const;

  // Remembers `options`, converted from these keywords, when every value is
  // immutable; replaces the oldest entry.
  void Remember(PyObject* kwnames, PyObject* const* values,
                const VerifyOptions& options);

 private:
  static constexpr size_t kEntries = 8;
  struct Entry {
    // Strong references; names and values of one call, kVerifyKeywords at
    // most (a name given twice is a TypeError before the call).
    PyObject* kwnames = nullptr;
    std::array<PyObject*, kVerifyKeywords.size()> values{};
    VerifyOptions options;
  };

  std::array<Entry, kEntries> entries_;
  size_t next_ = 0;  // the entry Remember() replaces
};

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_VERIFY_OPTIONS_MEMO_H_
