// DeferredKeySource: the KeySource the server's shared TokenVerifier holds
// for one provider. It forwards to the provider's JwksCache once that exists
// (an OIDC provider's cache exists only after discovery succeeded, which may
// be long after start), and it lets a gRPC handler verify inline without ever
// blocking on the network.
//
// Inline verification: inside a NonBlockingScope, OnUnknownKeyId (the only
// KeySource call that may fetch) does not fetch; it marks the scope as
// blocked and fails. The handler then discards that result and re-runs the
// verification on the worker pool, where a fetch is allowed. Tokens whose
// keys are cached (and repeated tokens, served by the verified-token cache)
// therefore finish on gRPC's thread with no hop.
//
// Thread-safe.
//
//   auto keys = std::make_shared<DeferredKeySource>("cognito");
//   policy.keys = keys;                        // verifier built once, at start
//   keys->Attach(client->jwks());              // later, when discovery worked
//   {
//     NonBlockingScope scope;
//     auto result = verifier.Verify(token, options);
//     if (scope.blocked()) { /* re-run on the worker pool */ }
//   }
#ifndef AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_
#define AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "authgate/key_source.h"

namespace authgate::service {

// Marks the current thread as one that must not block (a gRPC reaction)
// for its lifetime. Scopes do not nest.
class NonBlockingScope {
 public:
  NonBlockingScope();
  ~NonBlockingScope();
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;

  // True when some KeySource call in this scope needed the network.
  bool blocked() const;
};

class DeferredKeySource final : public KeySource {
 public:
  explicit DeferredKeySource(std::string provider_name);

  // Starts forwarding to `target`. Called once per provider.
  void Attach(std::shared_ptr<KeySource> target);

  // True once Attach() was called.
  bool attached() const;

  // nullptr until attached, then the target's set.
  std::shared_ptr<const JwkSet> Current() const override;
  uint64_t generation() const override;
  // Unattached: kUnavailable provider_unavailable naming the provider.
  // Inside a NonBlockingScope: marks the scope blocked and fails the same
  // way without touching the network. Otherwise: the target's answer.
  absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) override;

 private:
  std::shared_ptr<KeySource> target() const;

  const std::string provider_name_;
  mutable absl::Mutex mu_;
  std::shared_ptr<KeySource> target_ ABSL_GUARDED_BY(mu_);
  // Read on every verification: avoids the mutex once attached.
  std::atomic<KeySource*> fast_target_{nullptr};
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_
