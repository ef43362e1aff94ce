// libFuzzer target: JwkSet::Parse on arbitrary bytes (a hostile JWKS URL)
// never crashes, and a refusal is always a typed error.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "authgate/jwk_set.h"
#include "authgate/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto set = authgate::JwkSet::Parse(text);
  if (!set.ok() && authgate::GetErrorReason(set.status()) ==
                       authgate::ErrorReason::kUnspecified) {
    std::abort();
  }
  if (set.ok()) {
    for (const auto& key : (*set)->keys()) {
      (void)(*set)->Find(key->key_id(), authgate::Algorithm::kRs256);
    }
  }
  return 0;
}
