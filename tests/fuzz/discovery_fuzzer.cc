// libFuzzer target: an OpenID Connect discovery document from a hostile
// provider. Accepted metadata names the expected issuer and a jwks_uri.
#include <cstdint>
#include <string>

#include "authgate/discovery.h"
#include "authgate/provider_config.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr char kIssuer[] = "https://issuer.example";
  std::string text(reinterpret_cast<const char*>(data), size);
  auto metadata = authgate::ParseProviderMetadata(text, kIssuer);
  authgate::fuzz::CheckTyped(metadata.status(), "ParseProviderMetadata");
  if (!metadata.ok()) return 0;
  authgate::fuzz::Require(metadata->issuer == kIssuer, "issuer is exact");
  authgate::fuzz::Require(!metadata->jwks_uri.empty(), "jwks_uri is set");
  authgate::ProviderEndpoints overrides;
  overrides.token_endpoint = "https://issuer.example/token";
  authgate::ApplyEndpointOverrides(overrides, *metadata);
  authgate::fuzz::Require(metadata->token_endpoint == overrides.token_endpoint,
                          "an override wins");
  return 0;
}
