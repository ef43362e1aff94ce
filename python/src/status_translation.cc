#include "status_translation.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <pybind11/pybind11.h>

#include "authgate/status.h"

namespace py = pybind11;

namespace authgate::python {

StatusError::StatusError(absl::Status status)
    : status_(std::move(status)),
      what_(absl::StrCat(ErrorReasonName(GetErrorReason(status_)), ": ",
                         status_.message())) {}

void ThrowInvalidArgument(absl::string_view message) {
  throw StatusError(MakeError(absl::StatusCode::kInvalidArgument,
                              ErrorReason::kInvalidArgument, message));
}

const char* ErrorClassName(const absl::Status& status) {
  const ErrorReason reason = GetErrorReason(status);
  // A provider's refusal is an OAuthError whatever canonical code it maps to
  // (invalid_client is a precondition, invalid_grant unauthenticated, ...):
  // callers handle "the IdP said no" in one place.
  if (absl::StartsWith(ErrorReasonName(reason), "oauth_") ||
      reason == ErrorReason::kStateMismatch) {
    return "OAuthError";
  }
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      return reason == ErrorReason::kTokenExpired ? "TokenExpiredError"
                                                  : "InvalidTokenError";
    case absl::StatusCode::kPermissionDenied:
      return "PermissionDeniedError";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return "ConfigurationError";
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return "ProviderUnavailableError";
    default:
      return "InternalError";
  }
}

// Runs with the GIL held (pybind11 calls translators under it).
void RaiseStatus(const absl::Status& status) {
  const std::string message(status.message());
  try {
    py::module_ errors = py::module_::import("authgate.errors");
    const char* class_name = ErrorClassName(status);
    py::object cls = errors.attr(class_name);
    py::dict kwargs;
    kwargs["code"] = absl::StatusCodeToString(status.code());
    kwargs["reason"] = std::string{ErrorReasonName(GetErrorReason(status))};
    if (absl::string_view(class_name) == "OAuthError") {
      kwargs["error"] = GetOAuthError(status);
      kwargs["error_description"] = GetOAuthErrorDescription(status);
    }
    py::object instance = cls(message, **kwargs);
    PyErr_SetObject(cls.ptr(), instance.ptr());
  } catch (py::error_already_set& e) {
    // authgate.errors itself failed (not importable, broken install): keep
    // both the status and the cause visible instead of losing either.
    py::raise_from(e, PyExc_RuntimeError,
                   absl::StrCat("authgate: ", message).c_str());
  }
}

void RegisterStatusTranslator(py::module_& m) {
  // pybind11 wants exactly void(*)(std::exception_ptr): by value.
  py::register_exception_translator([](std::exception_ptr p) {  // NOLINT
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const StatusError& e) {
      RaiseStatus(e.status());
    }
  });
  m.def(
      "_raise_status",
      [](int code, const std::string& reason, const std::string& message,
         const std::string& oauth_error,
         const std::string& oauth_error_description) {
        std::optional<ErrorReason> r = ErrorReasonFromName(reason);
        if (code <= 0 || code > 16 || !r.has_value()) {
          ThrowInvalidArgument("unknown status code or reason");
        }
        absl::Status status =
            MakeError(static_cast<absl::StatusCode>(code), *r, message);
        if (!oauth_error.empty() || !oauth_error_description.empty()) {
          SetOAuthError(status, oauth_error, oauth_error_description);
        }
        ThrowIfError(std::move(status));
      },
      py::arg("code"), py::arg("reason"), py::arg("message"),
      py::arg("oauth_error") = "", py::arg("oauth_error_description") = "",
      "Raises the exception the translator makes for this status (for "
      "tests).");
}

}  // namespace authgate::python
