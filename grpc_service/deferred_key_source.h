// DeferredKeySource: the KeySource the server's shared TokenVerifier holds
// for one provider. It forwards to the provider's JwksCache once that exists
// (an OIDC provider's cache exists only after discovery succeeded, which may
// be long after start), and it lets a gRPC handler verify inline without ever
// blocking on the network, and without parking a thread while keys arrive.
//
// Inline verification: inside a NonBlockingScope, OnUnknownKeyId (the only
// KeySource call that may fetch) does not fetch; it marks the scope as
// blocked on this source and fails. The handler then discards that result
// and calls scope.Defer(resume): the first deferred call starts one lookup
// on the key lane (a small pool, one thread per live provider); calls
// deferred while it runs wait as continuations, holding no thread. When the
// lookup ends each `resume` runs on the lane thread, where re-running the
// verification gets that lookup's answer instead of fetching again. Tokens
// whose keys are cached therefore finish on gRPC's thread with no hop, and
// a flood of unknown kids during a slow fetch occupies one lane thread, not
// the worker pool that OAuth calls need.
//
// Thread-safe.
//
//   auto keys = std::make_shared<DeferredKeySource>("cognito", &lane, 1024);
//   policy.keys = keys;                        // verifier built once, at start
//   keys->Attach(client->jwks());              // later, when discovery worked
//   NonBlockingScope scope;
//   auto result = verifier.Verify(token, options);
//   if (scope.blocked() && !scope.Defer([=] { Finish(verifier.Verify(...)); }))
//   {
//     /* too many waiters: answer RESOURCE_EXHAUSTED */
//   }
#ifndef AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_
#define AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc_service/worker_pool.h"

#include "authgate/key_source.h"

namespace authgate::service {

class DeferredKeySource;

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

  // After blocked(): runs `resume` on the key lane once the lookup this
  // scope needed has finished (see the file comment). False when that
  // source already has its maximum of waiting calls, or the lane is
  // stopping; `resume` is then dropped and the caller answers on its own.
  bool Defer(std::function<void()> resume);
};

class DeferredKeySource final : public KeySource {
 public:
  // `lane` runs the lookups and must outlive this source's use; at most
  // `max_waiters` deferred calls wait on this source at a time.
  DeferredKeySource(std::string provider_name, WorkerPool* lane,
                    size_t max_waiters);

  // Starts forwarding to `target`. Called once per provider.
  void Attach(std::shared_ptr<KeySource> target);

  // True once Attach() was called.
  bool attached() const;

  // nullptr until attached, then the target's set.
  std::shared_ptr<const JwkSet> Current() const override;
  uint64_t generation() const override;
  // Unattached: kUnavailable provider_unavailable naming the provider.
  // Inside a NonBlockingScope: marks the scope blocked and fails the same
  // way without touching the network. In a deferred call's resume: the
  // answer of the lookup it waited for. Otherwise: the target's answer.
  absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) override;

 private:
  friend class NonBlockingScope;
  using Waiter = std::pair<std::string, std::function<void()>>;

  std::shared_ptr<KeySource> target() const;
  // Queues `resume` behind the lookup of `key_id`, starting one if none runs.
  bool Await(std::string key_id, std::function<void()> resume);
  // Lane thread: looks up, resumes the waiters, repeats while more arrived.
  void RunLookups(std::string key_id);

  const std::string provider_name_;
  WorkerPool* const lane_;
  const size_t max_waiters_;
  mutable absl::Mutex mu_;
  std::shared_ptr<KeySource> target_ ABSL_GUARDED_BY(mu_);
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  bool lookup_running_ ABSL_GUARDED_BY(mu_) = false;
  // Read on every verification: avoids the mutex once attached.
  std::atomic<KeySource*> fast_target_{nullptr};
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_DEFERRED_KEY_SOURCE_H_
