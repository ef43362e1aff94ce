// libFuzzer target: a provider description as JSON text (a providers file,
// --providers-file, Python keywords, the server's providers[i]):
// ParseConfigJson, then ParseProviderSpec, then every view built from an
// accepted spec (client configs, policy, static keys, the verifier, the
// description). Note: a spec may name files (client_secret_file, jwks_file);
// the seeds and dictionary name none, and jwks_file specs are not loaded.
#include <cstdint>
#include <memory>
#include <string>

#include "authgate/provider_spec.h"
#include "authgate/token_verifier.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using authgate::fuzz::CheckTyped;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto value = authgate::ParseConfigJson(text, "fuzz input");
  CheckTyped(value.status(), "ParseConfigJson");
  if (!value.ok()) return 0;
  auto spec = authgate::ParseProviderSpec(*value, "provider");
  CheckTyped(spec.status(), "ParseProviderSpec");
  if (!spec.ok()) return 0;
  authgate::fuzz::Require(!spec->issuers.empty(), "a spec has an issuer");
  for (const auto& client : spec->clients) {
    CheckTyped(authgate::MakeProviderConfig(*spec, client).status(),
               "MakeProviderConfig");
  }
  (void)authgate::DescribeProviderSpec(*spec).dump();
  if (!spec->keys.jwks_json.empty()) {
    auto keys = authgate::MakeStaticKeys(*spec);
    CheckTyped(keys.status(), "MakeStaticKeys");
    if (keys.ok()) {
      authgate::VerifierOptions options;
      options.providers.push_back(authgate::MakeProviderPolicy(*spec, *keys));
      CheckTyped(authgate::TokenVerifier::Create(std::move(options)).status(),
                 "TokenVerifier::Create");
    }
  }
  return 0;
}
