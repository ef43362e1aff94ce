// The seam between the verifier and OAuth bindings: ProviderPolicy(provider=)
// takes its keys, issuers and defaults from a bound Provider.
#ifndef AUTHGATE_PYTHON_SRC_POLICY_FROM_PROVIDER_H_
#define AUTHGATE_PYTHON_SRC_POLICY_FROM_PROVIDER_H_

#include <pybind11/pybind11.h>

#include "authgate/token_verifier.h"

namespace authgate::python {

// Fills policy.name, issuers, keys (the provider's live JWKS cache),
// audiences (its client id) and token_uses from `provider`. TypeError when
// `provider` is not an authgate.Provider.
void PolicyFromProvider(pybind11::handle provider, ProviderPolicy& policy);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_POLICY_FROM_PROVIDER_H_
