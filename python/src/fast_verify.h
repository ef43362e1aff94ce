// Verifier.verify's entry point for the common call, verify(token).
//
// pybind11's dispatcher matches every keyword by name, copies the token into
// a std::string, converts eight defaulted options and looks types up by
// name: together several times what a cache hit costs. InstallFastVerify()
// puts a METH_FASTCALL method in front of the pybind11 binding: a call
// verify(str, **keywords) reads the str's own UTF-8 bytes, converts only
// the keywords given (with pybind11's casters and the binding's
// ToVerifyOptions, once per set of immutable values: verify_options_memo.h)
// and verifies, releasing the GIL only to check a signature. Anything else
// (bytes, an unknown keyword, a value of the wrong type) goes to the binding,
// which raises its usual TypeError; so the two paths differ only in speed.
#ifndef AUTHGATE_PYTHON_SRC_FAST_VERIFY_H_
#define AUTHGATE_PYTHON_SRC_FAST_VERIFY_H_

#include <memory>

#include <pybind11/pybind11.h>

#include "authgate/token_verifier.h"

namespace authgate::python {

// Replaces cls.verify (already bound by pybind11) with the fast entry point,
// keeping the binding's docstring.
void InstallFastVerify(
    pybind11::class_<TokenVerifier, std::shared_ptr<TokenVerifier>>& cls);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_FAST_VERIFY_H_
