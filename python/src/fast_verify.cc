#include "fast_verify.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include <pybind11/stl.h>

#include "authgate/verified_token.h"
#include "bound_provider.h"
#include "claims.h"
#include "status_translation.h"

namespace py = pybind11;

namespace authgate::python {
namespace {

// The pybind11 binding every other call goes to, and the docstring kept
// from it (PyMethodDef holds a plain pointer). Set once at import.
PyObject* g_binding = nullptr;
std::string* g_doc = nullptr;

// verify(self, *args, **kwargs) through the pybind11 binding.
PyObject* CallBinding(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                      PyObject* kwnames) {
  Py_ssize_t count =
      nargs + (kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0);
  std::vector<PyObject*> with_self(static_cast<size_t>(count) + 1);
  with_self[0] = self;
  for (Py_ssize_t i = 0; i < count; ++i) with_self[i + 1] = args[i];
  return PyObject_Vectorcall(g_binding, with_self.data(),
                             static_cast<size_t>(nargs) + 1, kwnames);
}

// Sets the keyword `name` with pybind11's own caster for its type. False
// for a name the binding does not take; throws py::cast_error when the
// value does not convert.
template <typename T>
bool Cast(py::handle value, T& out) {
  out = value.cast<T>();
  return true;
}

bool SetKeyword(VerifyKeywords& keywords, absl::string_view name,
                py::handle value) {
  if (name == "provider") return Cast(value, keywords.provider);
  if (name == "token_uses") return Cast(value, keywords.token_uses);
  if (name == "audiences") return Cast(value, keywords.audiences);
  if (name == "scopes") return Cast(value, keywords.scopes);
  if (name == "scope_match") return Cast(value, keywords.scope_match);
  if (name == "groups") return Cast(value, keywords.groups);
  if (name == "group_match") return Cast(value, keywords.group_match);
  if (name == "nonce") return Cast(value, keywords.nonce);
  return false;
}

absl::StatusOr<VerifiedToken> VerifyWithoutGil(const TokenVerifier& verifier,
                                               absl::string_view token,
                                               const VerifyOptions& options) {
  py::gil_scoped_release release;
  return verifier.Verify(token, options);
}

PyObject* FastVerify(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                     PyObject* kwnames) {
  Py_ssize_t size = 0;
  const char* utf8 = nargs == 1 && PyUnicode_Check(args[0])
                         ? PyUnicode_AsUTF8AndSize(args[0], &size)
                         : nullptr;
  if (utf8 == nullptr) {
    // Not verify(str, ...), or a str without UTF-8 form: the binding
    // decides (and raises what it raises).
    PyErr_Clear();
    return CallBinding(self, args, nargs, kwnames);
  }
  try {
    const auto& verifier = py::handle(self).cast<const TokenVerifier&>();
    // The str outlives the call and is immutable, so its UTF-8 buffer may
    // be read without the GIL.
    absl::string_view token(utf8, static_cast<size_t>(size));
    absl::StatusOr<VerifiedToken> result;
    if (kwnames == nullptr) {
      result = VerifyWithoutGil(verifier, token, VerifyOptions());
    } else {
      VerifyKeywords keywords;
      for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
        py::str name =
            py::reinterpret_borrow<py::str>(PyTuple_GET_ITEM(kwnames, i));
        if (!SetKeyword(keywords, std::string(name), args[nargs + i])) {
          return CallBinding(self, args, nargs, kwnames);
        }
      }
      // The binding's own conversion of the keywords.
      VerifyOptions options = ToVerifyOptions(std::move(keywords));
      result = VerifyWithoutGil(verifier, token, options);
    }
    if (!result.ok()) {
      RaiseStatus(result.status());
      return nullptr;
    }
    return py::cast(Claims(*std::move(result))).release().ptr();
  } catch (const py::cast_error&) {
    // A keyword of the wrong type: the binding raises its TypeError.
    return CallBinding(self, args, nargs, kwnames);
  } catch (const StatusError& e) {
    RaiseStatus(e.status());
    return nullptr;
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  }
}

PyMethodDef g_method = {
    "verify",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&FastVerify)),
    METH_FASTCALL | METH_KEYWORDS, nullptr};

}  // namespace

void InstallFastVerify(
    py::class_<TokenVerifier, std::shared_ptr<TokenVerifier>>& cls) {
  py::object binding = cls.attr("verify");
  g_binding = binding.release().ptr();  // kept for the module's lifetime
  g_doc = new std::string(py::str(py::handle(g_binding).attr("__doc__")));
  g_method.ml_doc = g_doc->c_str();
  py::object method = py::reinterpret_steal<py::object>(
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &g_method));
  if (!method) throw py::error_already_set();
  cls.attr("verify") = method;
}

}  // namespace authgate::python
