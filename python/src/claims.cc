#include "claims.h"

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace authgate::python {
namespace {

// datetime's range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinDatetimeSeconds = -62135596800;
constexpr int64_t kMaxDatetimeSeconds = 253402300799;

}  // namespace

py::object ToDatetime(std::optional<absl::Time> time) {
  if (!time.has_value() || *time == absl::InfiniteFuture()) {
    return py::none();
  }
  py::module_ datetime = py::module_::import("datetime");
  py::object utc = datetime.attr("timezone").attr("utc");
  py::object cls = datetime.attr("datetime");
  // A signed token may carry any exp; reading it must not raise.
  const int64_t seconds = absl::ToUnixSeconds(*time);
  if (seconds > kMaxDatetimeSeconds) {
    return cls.attr("max").attr("replace")(py::arg("tzinfo") = utc);
  }
  if (seconds < kMinDatetimeSeconds) {
    return cls.attr("min").attr("replace")(py::arg("tzinfo") = utc);
  }
  return cls.attr("fromtimestamp")(seconds, utc);
}

}  // namespace authgate::python
