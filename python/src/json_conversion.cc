#include "json_conversion.h"

#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace authgate::python {
namespace {

// Configuration values are small; a deeper structure is a mistake (or a list
// that contains itself) and must not exhaust the C stack.
constexpr int kMaxConfigDepth = 64;

nlohmann::json PythonToJsonAt(py::handle value, int depth) {
  if (depth > kMaxConfigDepth) {
    throw py::value_error("value nested too deeply to convert to JSON");
  }
  if (value.is_none()) {
    return nullptr;
  }
  // bool before int: Python's bool is an int subclass.
  if (py::isinstance<py::bool_>(value)) {
    return value.cast<bool>();
  }
  if (py::isinstance<py::int_>(value)) {
    // Claims compare JSON values exactly, so an integer must stay an integer;
    // one outside 64 bits has no JSON number the core could match.
    int overflow = 0;
    const int64_t as_signed =
        PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow == 0) {
      if (as_signed == -1 && PyErr_Occurred()) {
        throw py::error_already_set();
      }
      return as_signed;
    }
    if (overflow > 0) {
      const uint64_t as_unsigned = PyLong_AsUnsignedLongLong(value.ptr());
      if (!PyErr_Occurred()) {
        return as_unsigned;
      }
      PyErr_Clear();
    }
    throw py::value_error("integer out of the 64-bit range");
  }
  if (py::isinstance<py::float_>(value)) {
    return value.cast<double>();
  }
  if (py::isinstance<py::str>(value)) {
    return value.cast<std::string>();
  }
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    nlohmann::json array = nlohmann::json::array();
    for (py::handle item : value) {
      array.push_back(PythonToJsonAt(item, depth + 1));
    }
    return array;
  }
  if (py::isinstance<py::dict>(value)) {
    nlohmann::json object = nlohmann::json::object();
    for (auto item : value.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.first)) {
        throw py::type_error("JSON object keys must be str");
      }
      object[item.first.cast<std::string>()] =
          PythonToJsonAt(item.second, depth + 1);
    }
    return object;
  }
  // Durations in a spec are seconds (or "90s" strings); a timedelta is the
  // Python type for one.
  if (py::isinstance(value,
                     py::module_::import("datetime").attr("timedelta"))) {
    return value.attr("total_seconds")().cast<double>();
  }
  throw py::type_error(
      "cannot convert " +
      std::string(py::str(py::type::of(value).attr("__name__"))) + " to JSON");
}

}  // namespace

py::object JsonToPython(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(value.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(value.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(value.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(value.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list list(value.size());
      size_t i = 0;
      for (const nlohmann::json& item : value) {
        list[i++] = JsonToPython(item);
      }
      return std::move(list);
    }
    case nlohmann::json::value_t::object: {
      py::dict dict;
      for (auto it = value.begin(); it != value.end(); ++it) {
        dict[py::str(it.key())] = JsonToPython(it.value());
      }
      return std::move(dict);
    }
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      break;
  }
  return py::none();
}

nlohmann::json PythonToJson(py::handle value) {
  return PythonToJsonAt(value, 0);
}

nlohmann::json KeywordsToJson(const py::dict& kwargs) {
  nlohmann::json object = nlohmann::json::object();
  for (auto item : kwargs) {
    if (item.second.is_none()) {
      continue;
    }
    object[item.first.cast<std::string>()] = PythonToJsonAt(item.second, 1);
  }
  return object;
}

}  // namespace authgate::python
