// Claims: the Python face of a VerifiedToken, shared by Verifier.verify(),
// Provider.verify() and TokenResponse.id_token_claims.
#ifndef AUTHGATE_PYTHON_SRC_CLAIMS_H_
#define AUTHGATE_PYTHON_SRC_CLAIMS_H_

#include <optional>
#include <utility>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include <pybind11/pybind11.h>

#include "authgate/verified_token.h"

namespace authgate::python {

// Read-only view of a verified token's claims. Holds the VerifiedToken (shared
// immutable data), so it stays valid after its verifier or provider is gone.
class Claims {
 public:
  explicit Claims(VerifiedToken token) : token_(std::move(token)) {}
  const VerifiedToken& token() const { return token_; }
  // Every claim; parsed on first use (needs no GIL).
  const nlohmann::json& all() const { return token_.claims(); }

 private:
  VerifiedToken token_;
};

// An aware UTC datetime.datetime, or None for an absent time (and for
// absl::InfiniteFuture()). Times beyond datetime's range saturate at
// datetime.min/max instead of raising. Needs the GIL.
pybind11::object ToDatetime(std::optional<absl::Time> time);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_CLAIMS_H_
