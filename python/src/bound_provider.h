// The seam between the verifier and OAuth bindings: what a bound Provider
// holds, so ProviderPolicy(provider=...) and Verifier.from_provider() can
// re-read its spec and share its live keys.
#ifndef AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_
#define AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_

#include <memory>

#include "nlohmann/json.hpp"

#include "authgate/oauth_client.h"
#include "authgate/provider_spec.h"
#include "authgate/token_verifier.h"

namespace authgate::python {

// authgate.Provider: one OAuth client of one provider. Immutable after
// construction, so every member may be read without the GIL.
struct BoundProvider {
  // The spec object the keywords became (JSON, as ParseProviderSpec read
  // it). ProviderPolicy(provider=p, **overrides) parses it again with the
  // overrides laid over it, so both go through the one parser.
  nlohmann::json spec_json;
  ProviderSpec spec;
  // The OAuth client (MakeProviderConfig of the chosen client).
  std::shared_ptr<OAuthClient> client;
  // MakeProviderPolicy(spec, the client's live keys): Provider.verify.
  std::shared_ptr<TokenVerifier> verifier;
};

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_
