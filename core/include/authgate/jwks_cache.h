// JwksCache: a provider's live JSON Web Key Set, fetched over HTTP and kept
// fresh. It is the KeySource a TokenVerifier uses for a real provider.
//
// - WarmUp() fetches the set explicitly (readiness can wait on it).
// - Refresh on a TTL: Cache-Control max-age clamped to [min_ttl, max_ttl], or
//   default_ttl without one. A background thread refreshes ahead of expiry
//   (optional; tests drive RefreshIfDue() with a FakeClock instead).
// - An unknown kid triggers at most one refetch per refetch_cooldown; callers
//   arriving while a fetch is in flight wait for it and share its result, so
//   a flood of random kids costs at most one fetch per cooldown.
// - When the provider fails, the last good set keeps serving until it is
//   max_staleness past its TTL; the failure is counted, kept in last_error()
//   until the next successful fetch, and reported to options.on_fetch. Past
//   that bound Current() returns nullptr (tokens then fail with
//   provider_unavailable instead of trusting keys that may be revoked).
// - The background thread sleeps until its next deadline: the TTL minus
//   refresh_ahead, or after a failure the retry backoff (refetch_cooldown,
//   doubling per consecutive failure up to kMaxJwksRetryBackoff). It wakes
//   early only when a fetch completes or the cache is destroyed.
//
// Thread-safe. Current() never touches the network.
//
//   JwksCache::Dependencies deps;
//   deps.fetcher = CreateCurlHttpFetcher();
//   auto cache = JwksCache::Create(
//       "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/.well-known/jwks.json",
//       JwksCacheOptions(), deps).value();
//   absl::Status ready = cache->WarmUp();      // readiness probe
//   policy.keys = cache;                       // ProviderPolicy for the
//   verifier
#ifndef AUTHGATE_JWKS_CACHE_H_
#define AUTHGATE_JWKS_CACHE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "authgate/clock.h"
#include "authgate/http_fetcher.h"
#include "authgate/jwk_set.h"
#include "authgate/key_source.h"

namespace authgate {

inline constexpr absl::Duration kDefaultJwksRefetchCooldown = absl::Seconds(10);
// The longest wait between retries while the provider keeps failing (or the
// cooldown, when that is longer).
inline constexpr absl::Duration kMaxJwksRetryBackoff = absl::Minutes(5);

// The outcome of one fetch attempt, as JwksCacheOptions::on_fetch receives
// it. Carries no response body and no secret: the status is the one
// Refresh() returns.
struct JwksFetchEvent {
  std::string jwks_uri;
  bool success = false;
  // OK on success; otherwise why no set came (provider_unavailable, ...).
  absl::Status status;
  // Failures in a row including this one; 0 on success.
  uint64_t consecutive_failures = 0;
  // On success, how many failures in a row it ends (0: nothing recovered).
  uint64_t recovered_after = 0;
  // Started by a token with an unknown kid (not WarmUp/Refresh/schedule).
  bool unknown_kid = false;
  // A key set is still being served after this attempt.
  bool serving = false;
};

struct JwksCacheOptions {
  // TTL when the response has no usable Cache-Control max-age.
  absl::Duration default_ttl = absl::Hours(1);
  // Bounds applied to max-age (a provider cannot make us poll every second
  // or keep keys for a month). Cache-Control no-cache/no-store → min_ttl.
  absl::Duration min_ttl = absl::Minutes(1);
  absl::Duration max_ttl = absl::Hours(24);
  // Minimum time between two fetches started by unknown kids (and between a
  // failed fetch and the next attempt).
  absl::Duration refetch_cooldown = kDefaultJwksRefetchCooldown;
  // How long past its TTL the last good set keeps serving while refreshes
  // fail. Zero: never serve an expired set.
  absl::Duration max_staleness = absl::Hours(24);
  // The background refresh starts this long before the TTL runs out.
  absl::Duration refresh_ahead = absl::Seconds(30);
  // Per-fetch total timeout.
  absl::Duration fetch_timeout = absl::Seconds(5);
  // Run a background thread that refreshes ahead of expiry and retries after
  // failures. Off: the set is refreshed only by WarmUp(), Refresh(),
  // RefreshIfDue() and unknown kids.
  bool background_refresh = true;
  // Called after every fetch attempt, on the thread that fetched, with no
  // lock of the cache held; must not block nor call back into the cache
  // synchronously for long. Unset: nothing is called.
  std::function<void(const JwksFetchEvent&)> on_fetch;
};

// Counters for metrics and health pages.
struct JwksCacheStats {
  uint64_t fetches = 0;                // fetch attempts of any kind
  uint64_t fetch_failures = 0;         // attempts that did not yield a set
  uint64_t unknown_kid_refetches = 0;  // fetches triggered by an unknown kid
  uint64_t unknown_kid_throttled = 0;  // unknown kids answered from cooldown
  uint64_t key_sets_loaded = 0;        // successful fetches
  uint64_t consecutive_failures = 0;   // failed attempts since the last success
  std::optional<absl::Time> last_success;  // when the current set arrived
  std::optional<absl::Time> expires_at;    // end of its TTL
  // When the background thread fetches next (TTL refresh or retry); nullopt
  // before the first attempt.
  std::optional<absl::Time> next_fetch;
};

class JwksCache final : public KeySource {
 public:
  struct Dependencies {
    // Required.
    std::shared_ptr<HttpFetcher> fetcher;
    std::shared_ptr<const Clock> clock = SystemClock();
    // Test seam: called by the background thread each time it goes to
    // sleep, with how long it means to sleep (InfiniteDuration: until a
    // fetch completes or the cache is destroyed). Runs under the cache's
    // lock: it must not call into the cache.
    std::function<void(absl::Duration)> on_background_wait;
  };

  // Makes an empty cache; does not fetch. `jwks_uri` must be an http(s) URL.
  // Errors: kInvalidArgument config_invalid (empty or non-http URL, missing
  // fetcher, min_ttl > max_ttl, negative durations).
  static absl::StatusOr<std::shared_ptr<JwksCache>> Create(
      std::string jwks_uri, JwksCacheOptions options,
      Dependencies dependencies);

  ~JwksCache() override;  // stops the background thread
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // Fetches now unless a set is already loaded and fresh. OK when a usable
  // set is loaded afterwards. Errors are those of Refresh().
  absl::Status WarmUp();

  // Fetches now, ignoring TTL and cooldown (shares a fetch already in
  // flight). On failure the previous set stays. Errors: provider_timeout,
  // provider_unavailable (transport or non-200 status),
  // provider_response_too_large (over kMaxJwksBytes),
  // provider_response_invalid (not a JWKS); kUnavailable/kDeadlineExceeded.
  absl::Status Refresh();

  // Refreshes when the TTL (minus refresh_ahead) has run out, or when the
  // last attempt failed and its retry backoff has passed (whether or not the
  // set is still fresh). OK when nothing was due.
  absl::Status RefreshIfDue();

  // True when a set is being served.
  bool ready() const { return Current() != nullptr; }

  // KeySource. Current() is nullptr before the first good fetch and once the
  // set is past max_staleness. OnUnknownKeyId refetches at most once per
  // cooldown (shared by concurrent callers) and returns the set to use, which
  // may still lack the kid; kUnavailable provider_unavailable when no set
  // can be served.
  std::shared_ptr<const JwkSet> Current() const override;
  uint64_t generation() const override;
  absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) override;

  const std::string& jwks_uri() const { return jwks_uri_; }
  JwksCacheStats stats() const;
  // The outcome of the last fetch attempt (OK before any, and again after the
  // next success).
  absl::Status last_error() const;

 private:
  class State;
  JwksCache(std::string jwks_uri, std::shared_ptr<State> state);
  std::string jwks_uri_;
  std::shared_ptr<State> state_;
};

}  // namespace authgate

#endif  // AUTHGATE_JWKS_CACHE_H_
