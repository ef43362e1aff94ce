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

// Python to JSON for configuration values (a provider spec, required
// claims). Accepts None, bool, int, float, str, list/tuple, dict with str keys
// and datetime.timedelta (as a number of seconds); anything else is a
// TypeError, and nesting past a fixed depth (which also catches
// self-containing lists) a ValueError.
nlohmann::json PythonToJson(pybind11::handle value);

// Keyword arguments to one JSON object, key by key through PythonToJson. A
// keyword given as None is left out: in Python None means "not given", so the
// core's default applies, exactly as for a key absent from a config file.
nlohmann::json KeywordsToJson(const pybind11::dict& kwargs);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_JSON_CONVERSION_H_
