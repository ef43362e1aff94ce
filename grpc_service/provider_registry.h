// ProviderRegistry: the server's configured identity providers, their OAuth
// clients and key sets, and the one TokenVerifier shared by every RPC.
//
// Each provider is built from its ProviderSpec alone: the verifier's policy
// is MakeProviderPolicy(spec, keys), and each entry of spec.clients becomes
// one OAuthClient (MakeProviderConfig(spec, client)). The verifier is built
// once, at start, with no network I/O:
//   - static keys (jwks_file, jwks_inline): MakeStaticKeys(spec); the
//     provider is ready at once, never fetches and has no OAuth client;
//   - live keys: a DeferredKeySource. A supervisor thread then sets the
//     provider up (one discovery when the spec asks for it, the OAuth
//     clients, the first JWKS fetch) and retries with exponential back-off
//     while the provider is down, so the server starts and answers
//     NOT_SERVING instead of exiting when a provider is unreachable at boot.
//     The verifier and the first client share one JwksCache; further clients
//     own theirs (fetched when they first verify an ID token).
// It reports readiness changes (every provider has keys) to a callback that
// drives the health service.
//
// Thread-safe.
//
//   auto registry = ProviderRegistry::Create(config, deps).value();
//   registry->Start([&](bool ready) { health->SetServingStatus(ready); });
//   registry->verifier().Verify(token, options);
//   absl::StatusOr<std::shared_ptr<OAuthClient>> client =
//       registry->Client("cognito", /*client_id=*/"");
//   registry->Stop();
#ifndef AUTHGATE_GRPC_SERVICE_PROVIDER_REGISTRY_H_
#define AUTHGATE_GRPC_SERVICE_PROVIDER_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc_service/deferred_key_source.h"
#include "grpc_service/logger.h"
#include "grpc_service/server_config.h"
#include "grpc_service/worker_pool.h"
#include "prometheus/metric_family.h"

#include "authgate/clock.h"
#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/jwks_cache.h"
#include "authgate/oauth_client.h"
#include "authgate/token_verifier.h"

namespace authgate::service {

// What GetProviderMetadata reports about one provider.
struct ProviderSnapshot {
  const ProviderSettings* settings = nullptr;
  // True once the provider is set up (discovery done, clients built); always
  // for static keys.
  bool set_up = false;
  // Discovered (or derived) metadata with the spec's endpoint overrides;
  // nullopt until set up and for static keys.
  std::optional<ProviderMetadata> metadata;
  std::shared_ptr<const JwkSet> keys;
  std::optional<JwksCacheStats> jwks_stats;
  absl::Status last_key_error;
};

class ProviderRegistry {
 public:
  struct Dependencies {
    // Shared by every provider. Required.
    std::shared_ptr<HttpFetcher> fetcher;
    std::shared_ptr<const Clock> clock = SystemClock();
    // Required.
    std::shared_ptr<Logger> logger;
  };

  // Builds the verifier (static key sets are read here). No network I/O.
  // Errors: the verifier's config_invalid (e.g. "provider b: issuer X is
  // claimed by two providers"), MakeStaticKeys' config_invalid.
  static absl::StatusOr<std::unique_ptr<ProviderRegistry>> Create(
      const ServerConfig& config, Dependencies dependencies);

  ~ProviderRegistry();  // Stop()s
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;

  // Starts the supervisor. `on_ready_change(all_ready)` is called from it
  // with the initial state and on every change.
  void Start(std::function<void(bool all_ready)> on_ready_change);
  // Stops the supervisor (waits for a set-up attempt in progress) and the
  // key lane (deferred calls still waiting are answered first).
  void Stop();

  const TokenVerifier& verifier() const { return *verifier_; }

  // The OAuth client `client_id` of provider `name`; empty `name` means the
  // only provider, empty `client_id` the provider's first client. Errors:
  // kInvalidArgument invalid_argument for an unknown name (or an empty one
  // when several providers are configured) or an unknown client_id;
  // kFailedPrecondition config_invalid for a provider with static keys or
  // without clients; kUnavailable provider_unavailable while the provider is
  // not set up.
  absl::StatusOr<std::shared_ptr<OAuthClient>> Client(
      absl::string_view name, absl::string_view client_id) const;

  // Errors: those of Client() about the name; a provider not yet set up is
  // reported (set_up false) rather than failed.
  absl::StatusOr<ProviderSnapshot> Snapshot(absl::string_view name) const;

  // OK when `name` is empty or names a configured provider; otherwise
  // kInvalidArgument invalid_argument (a caller error, not a bad token).
  absl::Status CheckProviderName(absl::string_view name) const;

  // True when every provider is set up and has keys.
  bool AllReady() const;
  // Each provider's name and whether it is set up and has keys, in order.
  std::vector<std::pair<std::string, bool>> Readiness() const;

  // Re-reads every client_secret_file (a Kubernetes Secret swapped in place)
  // and gives a changed value to its OAuth client for the requests that
  // start next. An unusable file (unreadable, empty, too large) keeps the
  // previous secret; it is logged (secret_reload_failed, naming field and
  // file, never a value) and counted once until the file changes again.
  // A static jwks_file is re-read the same way: a changed, usable set
  // replaces the keys (key_file_reloaded); an unusable one (unreadable, not
  // a JWKS, no keys) keeps the previous set (key_file_reload_failed).
  // Called by the server's poll thread and on SIGHUP.
  void ReloadSecrets();

  // Cache, JWKS and readiness figures for the metrics endpoint.
  std::vector<prometheus::MetricFamily> CollectMetrics() const;

 private:
  struct Slot;
  ProviderRegistry(Dependencies dependencies, absl::Duration retry_initial,
                   absl::Duration retry_max);

  absl::StatusOr<const Slot*> FindSlot(absl::string_view name) const;
  // One pass over the providers; returns when the next pass is due.
  // ReloadSecrets() for one static jwks_file provider.
  void ReloadKeyFile(Slot& slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  absl::Time SuperviseOnce();
  // Discovery, the OAuth clients and the verification JwksCache of a live
  // provider. May block on the network (supervisor thread only).
  absl::Status SetUp(Slot& slot);
  void Run(std::function<void(bool)> on_ready_change);

  Dependencies deps_;
  absl::Duration retry_initial_;
  absl::Duration retry_max_;
  // Runs the DeferredKeySources' lookups; stopped before they go away.
  std::unique_ptr<WorkerPool> key_lane_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<TokenVerifier> verifier_;

  // One ReloadSecrets() at a time (poll thread and SIGHUP).
  absl::Mutex reload_mu_;
  std::atomic<uint64_t> secret_reloads_ok_{0};
  std::atomic<uint64_t> secret_reloads_failed_{0};

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread supervisor_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_PROVIDER_REGISTRY_H_
