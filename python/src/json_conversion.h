// Conversions between nlohmann::json and Python objects. Both directions need
// the GIL; neither ever throws a nlohmann exception.
#ifndef AUTHGATE_PYTHON_SRC_JSON_CONVERSION_H_
#define AUTHGATE_PYTHON_SRC_JSON_CONVERSION_H_

#include "nlohmann/json.hpp"
#include <pybind11/pybind11.h>

namespace authgate::python {

// JSON to fresh Python objects: null → None, booleans, integers (int64 and
// uint64), floats, strings, arrays → list, objects → dict.
pybind11::object JsonToPython(const nlohmann::json& value);

// Python to JSON for configuration values (required claims). Accepts None,
// bool, int, float, str, list/tuple and dict with str keys; anything else is
// a TypeError, and nesting past a fixed depth (which also catches
// self-containing lists) a ValueError.
nlohmann::json PythonToJson(pybind11::handle value);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_JSON_CONVERSION_H_
