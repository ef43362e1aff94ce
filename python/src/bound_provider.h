// The seam between the verifier and OAuth bindings: what a bound Provider
// holds, so ProviderPolicy(provider=...) and Verifier.from_provider() can
// re-read its spec and share its live keys, and the one verify() both
// Verifier.verify and Provider.verify run.
#ifndef AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_
#define AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "nlohmann/json.hpp"

#include "authgate/oauth_client.h"
#include "authgate/provider_spec.h"
#include "authgate/token_verifier.h"
#include "claims.h"

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

// The keywords as VerifyOptions. A bad scope_match or group_match throws
// StatusError invalid_argument (a ConfigurationError). Needs no GIL.
VerifyOptions ToVerifyOptions(VerifyKeywords keywords);

// Verifier.verify / Provider.verify: ToVerifyOptions, then the core. Throws
// StatusError with the core's verdict. Needs no GIL.
Claims VerifyToken(const TokenVerifier& verifier, const std::string& token,
                   VerifyKeywords keywords);

}  // namespace authgate::python

#endif  // AUTHGATE_PYTHON_SRC_BOUND_PROVIDER_H_
