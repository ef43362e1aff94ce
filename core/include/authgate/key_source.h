// KeySource: where a TokenVerifier gets the keys of one provider.
//
// Implementations: StaticKeySource (a JWKS loaded from a string or file,
// swappable at run time) and JwksCache (live JWKS over HTTP with TTL refresh
// and rate-limited refetch on an unknown kid). Implementations are thread-safe;
// Current() is cheap and never blocks on the network.
//
//   std::shared_ptr<const JwkSet> keys = source->Current();
//   if (keys == nullptr || !keys->HasKeyId(kid)) {
//     AUTHGATE_ASSIGN_OR_RETURN(keys, source->OnUnknownKeyId(kid));
//   }
#ifndef AUTHGATE_KEY_SOURCE_H_
#define AUTHGATE_KEY_SOURCE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "authgate/jwk_set.h"

namespace authgate {

class KeySource {
 public:
  virtual ~KeySource() = default;

  // The current key set, or nullptr when none has been loaded yet.
  virtual std::shared_ptr<const JwkSet> Current() const = 0;

  // Changes whenever Current() changes: lets caches revalidate cheaply.
  virtual uint64_t generation() const = 0;

  // Called when a token names a kid that Current() lacks. May refetch the set
  // (at most once per cooldown, shared by concurrent callers) and returns the
  // set to use. Errors: kUnavailable provider_unavailable when no set has
  // ever been loaded.
  virtual absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) = 0;
};

}  // namespace authgate

#endif  // AUTHGATE_KEY_SOURCE_H_
