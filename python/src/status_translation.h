// The one bridge from absl::Status to Python exceptions.
//
// Bindings never build Python exceptions themselves: they call ThrowIfError()
// or ValueOrThrow(), which throw a C++ StatusError holding the status. The
// translator registered by RegisterStatusTranslator() turns that into the
// matching class of authgate.errors, with .code and .reason set. Throwing is
// safe while the GIL is released: pybind11 re-acquires it (the call guard's
// destructor) before the translator runs.
//
//   m.def("verify", [](const TokenVerifier& v, const std::string& token) {
//     return ValueOrThrow(v.Verify(token));
//   }, py::call_guard<py::gil_scoped_release>());
#ifndef AUTHGATE_PYTHON_SRC_STATUS_TRANSLATION_H_
#define AUTHGATE_PYTHON_SRC_STATUS_TRANSLATION_H_

#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include <pybind11/pybind11.h>

#include "authgate/status.h"

namespace authgate::python {

// A non-OK status travelling as a C++ exception to the translator.
class StatusError : public std::exception {
 public:
  explicit StatusError(absl::Status status);

  const absl::Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  absl::Status status_;
  std::string what_;
};

// Throws StatusError when `status` is not OK.
inline void ThrowIfError(absl::Status status) {
  if (!status.ok()) {
    throw StatusError(std::move(status));
  }
}

// The value, or throws StatusError with the status.
template <typename T>
T ValueOrThrow(absl::StatusOr<T> status_or) {
  if (!status_or.ok()) {
    throw StatusError(std::move(status_or).status());
  }
  return *std::move(status_or);
}

// Throws StatusError(kInvalidArgument, invalid_argument, message): for values
// that convert to the right C++ type but name nothing authgate knows (an
// unknown algorithm name, ...).
[[noreturn]] void ThrowInvalidArgument(absl::string_view message);

// Sets the Python error the translator makes for `status`. For code that
// runs outside pybind11's dispatcher; needs the GIL.
void RaiseStatus(const absl::Status& status);

// The authgate.errors class name for a status, e.g. "TokenExpiredError".
const char* ErrorClassName(const absl::Status& status);

// Registers the translator for StatusError, plus _raise_status(), which lets
// tests check every class the translator can produce. Call once, from
// PYBIND11_MODULE.
void RegisterStatusTranslator(pybind11::module_& m);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_STATUS_TRANSLATION_H_
