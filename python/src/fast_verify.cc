#include "fast_verify.h"

#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include <pybind11/stl.h>

#include "authgate/verified_token.h"
#include "claims.h"
#include "status_translation.h"
#include "verify_keywords.h"
#include "verify_options_memo.h"

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

// Sets the keyword `name` (kVerifyKeywords). False for a name the binding
// does not take; throws py::cast_error when the value does not convert.
bool SetKeyword(VerifyKeywords& keywords, absl::string_view name,
                py::handle value) {
  for (const VerifyKeyword& keyword : kVerifyKeywords) {
    if (name == keyword.name) {
      keyword.set(keywords, value);
      return true;
    }
  }
  return false;
}

// pybind11's records of Verifier and Claims, looked up once at import.
// h.cast<const TokenVerifier&>() and py::cast(Claims) find them by
// std::type_index on every call (hashing and comparing the mangled name: a
// fifth of a cache hit); with the record, type_caster_generic does what
// those casts do after the lookup. This is pybind11's detail API (2.10), so
// it stays in this file.
const py::detail::type_info* g_verifier_type = nullptr;
const py::detail::type_info* g_claims_type = nullptr;

// Keyword options already converted (verify_options_memo.h). Never freed:
// it holds Python references, which must not be dropped after the
// interpreter is gone.
VerifyOptionsMemo* g_options_memo = nullptr;

// The TokenVerifier of `self` (a Verifier, or an instance of a Python
// subclass), or nullptr when it holds none.
const TokenVerifier* LoadVerifier(PyObject* self) {
  py::detail::type_caster_generic caster(g_verifier_type);
  if (!caster.load(self, /*convert=*/true)) return nullptr;
  return static_cast<const TokenVerifier*>(caster.value);
}

// A new Python Claims holding `claims`, as py::cast(std::shared_ptr<Claims>)
// does: the object and its holder's count in one allocation, where
// py::cast(Claims&&) makes two.
PyObject* CastClaims(Claims claims) {
  auto holder = std::make_shared<Claims>(std::move(claims));
  return py::detail::type_caster_generic::cast(
             holder.get(), py::return_value_policy::take_ownership,
             py::handle(), g_claims_type, nullptr, nullptr, &holder)
      .ptr();
}

// A cached verification keeps the GIL: it takes a fraction of a
// microsecond, less than releasing and taking back the GIL (which cost a
// fifth of a repeated call). A signature check releases it.
absl::StatusOr<VerifiedToken> VerifyReleasingGilToCheck(
    const TokenVerifier& verifier, absl::string_view token,
    const VerifyOptions& options) {
  if (std::optional<absl::StatusOr<VerifiedToken>> cached =
          verifier.VerifyIfCached(token, options)) {
    return *std::move(cached);
  }
  // `options` may be the memo's, which another thread may replace once the
  // GIL is released; a copy costs little beside a signature check.
  const VerifyOptions own = options;
  py::gil_scoped_release release;
  return verifier.Verify(token, own);
}

// The keywords' options (kwnames and their values) from the memo, or
// converted into `converted` and remembered. Throws as SetKeyword and
// ToVerifyOptions do; nullptr for a name the binding does not take.
const VerifyOptions* KeywordOptions(PyObject* kwnames, PyObject* const* values,
                                    VerifyOptions& converted) {
  if (const VerifyOptions* remembered = g_options_memo->Find(kwnames, values)) {
    return remembered;
  }
  VerifyKeywords keywords;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
    Py_ssize_t name_size = 0;
    const char* name =
        PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(kwnames, i), &name_size);
    if (name == nullptr ||
        !SetKeyword(keywords,
                    absl::string_view(name, static_cast<size_t>(name_size)),
                    values[i])) {
      PyErr_Clear();
      return nullptr;
    }
  }
  // The binding's own conversion of the keywords.
  converted = ToVerifyOptions(std::move(keywords));
  g_options_memo->Remember(kwnames, values, converted);
  return &converted;
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
    const TokenVerifier* verifier = LoadVerifier(self);
    if (verifier == nullptr) return CallBinding(self, args, nargs, kwnames);
    // The str outlives the call and is immutable, so its UTF-8 buffer may
    // be read without the GIL.
    absl::string_view token(utf8, static_cast<size_t>(size));
    absl::StatusOr<VerifiedToken> result;
    if (kwnames == nullptr) {
      result = VerifyReleasingGilToCheck(*verifier, token, VerifyOptions());
    } else {
      VerifyOptions converted;
      const VerifyOptions* options =
          KeywordOptions(kwnames, args + nargs, converted);
      if (options == nullptr) return CallBinding(self, args, nargs, kwnames);
      result = VerifyReleasingGilToCheck(*verifier, token, *options);
    }
    if (!result.ok()) {
      RaiseStatus(result.status());
      return nullptr;
    }
    return CastClaims(Claims(*std::move(result)));
  } catch (const py::cast_error&) {
    // A keyword of the wrong type: the binding raises its TypeError. A
    // caster may have left a Python error set; the binding must not see it.
    PyErr_Clear();
    return CallBinding(self, args, nargs, kwnames);
  } catch (const StatusError& e) {
    RaiseStatus(e.status());
    return nullptr;
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  } catch (const py::builtin_exception& e) {
    // An uninitialized Verifier (uninitialized_guard.h).
    e.set_error();
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
  // RegisterVerifier binds Claims before Verifier.
  g_verifier_type = py::detail::get_type_info(typeid(TokenVerifier));
  g_claims_type = py::detail::get_type_info(typeid(Claims));
  g_options_memo = new VerifyOptionsMemo();
  if (g_verifier_type == nullptr || g_claims_type == nullptr) {
    py::pybind11_fail("InstallFastVerify: Verifier or Claims not bound");
  }
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
