// The keywords of verify(): one table of them (their names, defaults and
// the member each sets), their conversion to the core's VerifyOptions, and
// the verify() that Verifier.verify and Provider.verify both run.
#ifndef AUTHGATE_PYTHON_SRC_VERIFY_KEYWORDS_H_
#define AUTHGATE_PYTHON_SRC_VERIFY_KEYWORDS_H_

#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "authgate/token_verifier.h"
#include "claims.h"

namespace authgate::python {

// One string or several: `token_uses="access"` and `token_uses=[...]`.
using OneOrMany = std::variant<std::string, std::vector<std::string>>;

// The keywords of Verifier.verify / Provider.verify; one given as None
// keeps VerifyOptions' default. `scope_match` and `group_match` are "all"
// or "any".
struct VerifyKeywords {
  std::optional<std::string> provider;
  std::optional<OneOrMany> token_uses;
  std::optional<OneOrMany> audiences;
  std::vector<std::string> scopes;
  std::optional<std::string> scope_match;
  std::vector<std::string> groups;
  std::optional<std::string> group_match;
  std::optional<std::string> nonce;
};

// Sets one member of VerifyKeywords from a Python value with pybind11's
// caster for the member's type; throws py::cast_error when it does not
// convert.
template <auto Member>
void SetVerifyKeyword(VerifyKeywords& keywords, pybind11::handle value) {
  using T = std::remove_reference_t<decltype(keywords.*Member)>;
  keywords.*Member = value.cast<T>();
}

// One keyword of verify(): its name, the member it sets, and whether its
// default is () (a list) rather than None.
struct VerifyKeyword {
  const char* name;
  void (*set)(VerifyKeywords& keywords, pybind11::handle value);
  bool empty_default;
};

// Every keyword of Verifier.verify, in VerifyKeywords' order (which its
// binding's parameters follow). The fast path (fast_verify.cc) looks names
// up here, Verifier.verify's py::arg list is VerifyKeywordArg(0..7) and
// Provider.verify's VerifyKeywordArg(1..7) (a provider names itself), so
// none of them can differ.
inline constexpr std::array<VerifyKeyword, 8> kVerifyKeywords = {{
    {"provider", &SetVerifyKeyword<&VerifyKeywords::provider>, false},
    {"token_uses", &SetVerifyKeyword<&VerifyKeywords::token_uses>, false},
    {"audiences", &SetVerifyKeyword<&VerifyKeywords::audiences>, false},
    {"scopes", &SetVerifyKeyword<&VerifyKeywords::scopes>, true},
    {"scope_match", &SetVerifyKeyword<&VerifyKeywords::scope_match>, false},
    {"groups", &SetVerifyKeyword<&VerifyKeywords::groups>, true},
    {"group_match", &SetVerifyKeyword<&VerifyKeywords::group_match>, false},
    {"nonce", &SetVerifyKeyword<&VerifyKeywords::nonce>, false},
}};

// The binding's py::arg for kVerifyKeywords[i], with its default.
inline pybind11::arg_v VerifyKeywordArg(size_t i) {
  const VerifyKeyword& keyword = kVerifyKeywords[i];
  if (keyword.empty_default) {
    return pybind11::arg(keyword.name) = pybind11::tuple();
  }
  return pybind11::arg(keyword.name) = pybind11::none();
}

// The keywords as VerifyOptions. A bad scope_match or group_match throws
// StatusError invalid_argument (a ConfigurationError). Needs no GIL.
VerifyOptions ToVerifyOptions(VerifyKeywords keywords);

// Verifier.verify / Provider.verify: ToVerifyOptions, then the core. Throws
// StatusError with the core's verdict. Needs no GIL.
Claims VerifyToken(const TokenVerifier& verifier, const std::string& token,
                   VerifyKeywords keywords);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_VERIFY_KEYWORDS_H_
