#include "authgate/jwks_cache.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "curl_http_fetcher.h"

#include "authgate/status.h"
#include "json_util.h"

namespace authgate {
namespace {

// The schedule's floor: even a zero TTL or cooldown (possible through the
// C++ options, not the configuration's ranges) cannot make the background
// thread fetch in a tight loop.
constexpr absl::Duration kMinFetchInterval = absl::Milliseconds(100);

// The TTL a response asks for: max-age clamped to the configured bounds;
// no-cache / no-store mean "as short as allowed".
absl::Duration TtlFromCacheControl(absl::string_view cache_control,
                                   const JwksCacheOptions& options) {
  std::optional<absl::Duration> ttl;
  for (absl::string_view directive : absl::StrSplit(cache_control, ',')) {
    directive = absl::StripAsciiWhitespace(directive);
    std::string lower = absl::AsciiStrToLower(directive);
    absl::string_view d = lower;
    if (d == "no-cache" || d == "no-store") {
      ttl = absl::ZeroDuration();
      break;
    }
    if (absl::ConsumePrefix(&d, "max-age=")) {
      d = absl::StripPrefix(absl::StripSuffix(d, "\""), "\"");
      int64_t seconds = 0;
      if (absl::SimpleAtoi(d, &seconds) && seconds >= 0) {
        ttl = absl::Seconds(seconds);
      }
    }
  }
  if (!ttl.has_value()) return options.default_ttl;
  return std::clamp(*ttl, options.min_ttl, options.max_ttl);
}

}  // namespace

class JwksCache::State {
 public:
  State(std::string uri, JwksCacheOptions options, Dependencies deps)
      : uri_(std::move(uri)), options_(options), deps_(std::move(deps)) {}

  ~State() { StopBackground(); }

  void StartBackground() {
    thread_ = std::thread([this] { BackgroundLoop(); });
  }

  void StopBackground() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      wake_.SignalAll();
    }
    if (thread_.joinable()) thread_.join();
  }

  std::shared_ptr<const JwkSet> Current() const {
    absl::Time now = deps_.clock->Now();
    absl::MutexLock lock(&mu_);
    return ServableLocked(now);
  }

  uint64_t generation() const {
    absl::Time now = deps_.clock->Now();
    absl::MutexLock lock(&mu_);
    // Crossing the staleness bound changes Current() without a fetch.
    return generation_ * 2 +
           (set_ != nullptr && ServableLocked(now) == nullptr);
  }

  absl::Status WarmUp() {
    absl::Time now = deps_.clock->Now();
    {
      absl::MutexLock lock(&mu_);
      if (set_ != nullptr && now < expires_at_) return absl::OkStatus();
    }
    absl::Status status = Refresh();
    if (Current() != nullptr) return absl::OkStatus();
    return status;
  }

  absl::Status Refresh() {
    absl::MutexLock lock(&mu_);
    return FetchLocked();
  }

  absl::Status RefreshIfDue() {
    absl::MutexLock lock(&mu_);
    if (!DueLocked(deps_.clock->Now())) return absl::OkStatus();
    return FetchLocked();
  }

  absl::StatusOr<std::shared_ptr<const JwkSet>> OnUnknownKeyId(
      absl::string_view key_id) {
    absl::MutexLock lock(&mu_);
    absl::Time now = deps_.clock->Now();
    std::shared_ptr<const JwkSet> set = ServableLocked(now);
    if (set != nullptr && set->HasKeyId(key_id)) return set;
    // A flood of unknown kids costs at most one fetch per cooldown, and a
    // failed attempt of any kind is not repeated within one either. A set
    // fetched moments ago on schedule does not delay a rotated kid.
    bool cooling = (last_kid_fetch_.has_value() &&
                    now - *last_kid_fetch_ < options_.refetch_cooldown) ||
                   (!last_result_.ok() && last_attempt_.has_value() &&
                    now - *last_attempt_ < options_.refetch_cooldown);
    if (in_flight_) {
      // Share the fetch already under way instead of starting another.
      WaitForFetchLocked();
    } else if (cooling) {
      ++stats_.unknown_kid_throttled;
    } else {
      ++stats_.unknown_kid_refetches;
      last_kid_fetch_ = now;
      FetchLocked(/*unknown_kid=*/true).IgnoreError();
    }
    set = ServableLocked(deps_.clock->Now());
    if (set != nullptr) return set;
    return NoSetError();
  }

  JwksCacheStats stats() const {
    absl::MutexLock lock(&mu_);
    JwksCacheStats stats = stats_;
    std::optional<absl::Time> next = NextFetchLocked();
    if (next.has_value() && *next != absl::InfiniteFuture()) {
      stats.next_fetch = next;
    }
    return stats;
  }

  absl::Status last_error() const {
    absl::MutexLock lock(&mu_);
    return last_result_;
  }

 private:
  std::shared_ptr<const JwkSet> ServableLocked(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (set_ == nullptr) return nullptr;
    // Bounded staleness: keys the provider may have revoked are not trusted
    // forever just because it is unreachable.
    if (now > expires_at_ + options_.max_staleness) return nullptr;
    return set_;
  }

  // How long after a failure the next attempt waits: the cooldown, doubled
  // per further consecutive failure, capped.
  absl::Duration RetryBackoffLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Duration backoff =
        std::max(options_.refetch_cooldown, kMinFetchInterval);
    absl::Duration cap = std::max(backoff, kMaxJwksRetryBackoff);
    for (uint64_t i = 1; i < stats_.consecutive_failures && backoff < cap;
         ++i) {
      backoff *= 2;
    }
    return std::min(backoff, cap);
  }

  // The one schedule both RefreshIfDue() and the background thread follow,
  // so the thread never wakes to find nothing due: after a failure, the
  // retry backoff (even while the set is fresh, so last_error() clears once
  // the provider is back); otherwise the TTL minus refresh_ahead. nullopt
  // before the first attempt (nothing to keep fresh yet); InfiniteFuture
  // while a fetch is in flight (its completion wakes the thread).
  std::optional<absl::Time> NextFetchLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!last_attempt_.has_value()) {
      // RefreshIfDue() before any attempt fetches; the thread waits.
      return std::nullopt;
    }
    if (in_flight_) return absl::InfiniteFuture();
    if (set_ == nullptr || !last_result_.ok()) {
      return *last_attempt_ + RetryBackoffLocked();
    }
    // refresh_ahead never takes more than half a short TTL.
    absl::Time loaded = stats_.last_success.value_or(*last_attempt_);
    absl::Duration half =
        std::max((expires_at_ - loaded) / 2, kMinFetchInterval);
    return std::max(expires_at_ - options_.refresh_ahead, loaded + half);
  }

  bool DueLocked(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (in_flight_) return false;
    std::optional<absl::Time> next = NextFetchLocked();
    return !next.has_value() || now >= *next;
  }

  absl::Status NoSetError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string detail =
        last_result_.ok() ? "" : absl::StrCat(": ", last_result_.message());
    return MakeError(
        absl::StatusCode::kUnavailable, ErrorReason::kProviderUnavailable,
        absl::StrCat("no usable JWKS from ",
                     internal::json_util::Printable(uri_), detail));
  }

  void WaitForFetchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t seen = completed_fetches_;
    while (completed_fetches_ == seen) fetch_done_.Wait(&mu_);
  }

  // Runs one fetch (or joins the one in flight) and returns its outcome.
  absl::Status FetchLocked(bool unknown_kid = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (in_flight_) {
      WaitForFetchLocked();
      return last_result_;
    }
    in_flight_ = true;
    last_attempt_ = deps_.clock->Now();
    ++stats_.fetches;
    mu_.Unlock();
    absl::Duration ttl;
    absl::StatusOr<std::shared_ptr<const JwkSet>> fetched = FetchOnce(ttl);
    absl::Time done = deps_.clock->Now();
    mu_.Lock();
    JwksFetchEvent event;
    event.success = fetched.ok();
    event.unknown_kid = unknown_kid;
    if (fetched.ok()) {
      set_ = *std::move(fetched);
      expires_at_ = done + ttl;
      ++generation_;
      ++stats_.key_sets_loaded;
      stats_.last_success = done;
      stats_.expires_at = expires_at_;
      event.recovered_after = stats_.consecutive_failures;
      stats_.consecutive_failures = 0;
      last_result_ = absl::OkStatus();
    } else {
      ++stats_.fetch_failures;
      ++stats_.consecutive_failures;
      last_result_ = fetched.status();
    }
    event.status = last_result_;
    event.consecutive_failures = stats_.consecutive_failures;
    event.serving = ServableLocked(done) != nullptr;
    in_flight_ = false;
    ++completed_fetches_;
    fetch_done_.SignalAll();
    wake_.SignalAll();
    absl::Status result = last_result_;
    if (options_.on_fetch) {
      // Outside the lock: the callback logs, and may read stats().
      event.jwks_uri = uri_;
      mu_.Unlock();
      options_.on_fetch(event);
      mu_.Lock();
    }
    return result;
  }

  // The HTTP round trip and parse; no lock held.
  absl::StatusOr<std::shared_ptr<const JwkSet>> FetchOnce(absl::Duration& ttl) {
    HttpRequest request;
    request.method = "GET";
    request.url = uri_;
    request.headers = {{"Accept", "application/json"}};
    request.timeout = options_.fetch_timeout;
    request.max_response_bytes = kMaxJwksBytes;
    absl::StatusOr<HttpResponse> response = deps_.fetcher->Fetch(request);
    if (!response.ok()) return response.status();
    if (response->status_code != 200) {
      return MakeError(
          absl::StatusCode::kUnavailable, ErrorReason::kProviderUnavailable,
          absl::StrCat("JWKS fetch from ", internal::json_util::Printable(uri_),
                       " returned HTTP ", response->status_code));
    }
    if (response->body.size() > kMaxJwksBytes) {
      return MakeError(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge,
                       absl::StrCat("JWKS exceeds ", kMaxJwksBytes, " bytes"));
    }
    absl::StatusOr<std::shared_ptr<const JwkSet>> set =
        JwkSet::Parse(response->body);
    if (!set.ok()) {
      return MakeError(
          absl::StatusCode::kUnavailable, ErrorReason::kProviderResponseInvalid,
          absl::StrCat("JWKS from ", internal::json_util::Printable(uri_),
                       " is unusable: ", set.status().message()));
    }
    ttl = TtlFromCacheControl(response->Header("cache-control"), options_);
    return set;
  }

  // Sleeps until the schedule's next deadline, fetches when it is due, and
  // repeats; a completed fetch (which moves the deadline) or the destructor
  // wakes it early. Because DueLocked() reads the same schedule, a wake-up
  // at the deadline always fetches and never spins.
  void BackgroundLoop() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      absl::Time now = deps_.clock->Now();
      if (DueLocked(now) && last_attempt_.has_value()) {
        FetchLocked().IgnoreError();
        continue;
      }
      std::optional<absl::Time> next = NextFetchLocked();
      absl::Duration wait = next.has_value() && *next != absl::InfiniteFuture()
                                ? *next - now
                                : absl::InfiniteDuration();
      // Under the lock, so no fetch can complete unseen between the report
      // and the wait.
      if (deps_.on_background_wait) deps_.on_background_wait(wait);
      wake_.WaitWithTimeout(&mu_, wait);
    }
  }

  const std::string uri_;
  const JwksCacheOptions options_;
  const Dependencies deps_;

  mutable absl::Mutex mu_;
  absl::CondVar fetch_done_;
  absl::CondVar wake_;
  std::shared_ptr<const JwkSet> set_ ABSL_GUARDED_BY(mu_);
  absl::Time expires_at_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  std::optional<absl::Time> last_attempt_ ABSL_GUARDED_BY(mu_);
  // When an unknown kid last started a fetch (its own cooldown).
  std::optional<absl::Time> last_kid_fetch_ ABSL_GUARDED_BY(mu_);
  absl::Status last_result_ ABSL_GUARDED_BY(mu_);
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t completed_fetches_ ABSL_GUARDED_BY(mu_) = 0;
  JwksCacheStats stats_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

absl::StatusOr<std::shared_ptr<JwksCache>> JwksCache::Create(
    std::string jwks_uri, JwksCacheOptions options, Dependencies dependencies) {
  auto config_error = [](absl::string_view message) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid, message);
  };
  absl::StatusOr<internal::UrlParts> url = internal::ParseUrl(jwks_uri);
  if (!url.ok() || (url->scheme != "https" && url->scheme != "http")) {
    return config_error("jwks_uri is not an http(s) URL");
  }
  if (dependencies.fetcher == nullptr) {
    return config_error("JwksCache needs an HttpFetcher");
  }
  if (dependencies.clock == nullptr) dependencies.clock = SystemClock();
  if (options.min_ttl < absl::ZeroDuration() ||
      options.min_ttl > options.max_ttl) {
    return config_error("jwks min_ttl must be within [0, max_ttl]");
  }
  if (options.default_ttl < options.min_ttl ||
      options.default_ttl > options.max_ttl) {
    return config_error("jwks default_ttl must be within [min_ttl, max_ttl]");
  }
  if (options.refetch_cooldown < absl::ZeroDuration() ||
      options.max_staleness < absl::ZeroDuration() ||
      options.refresh_ahead < absl::ZeroDuration() ||
      options.fetch_timeout <= absl::ZeroDuration()) {
    return config_error("jwks durations must not be negative");
  }
  // An infinite timeout or cooldown disables the very bound it names
  // (ProviderSpec's ranges refuse them with the field's name first).
  for (absl::Duration d :
       {options.default_ttl, options.max_ttl, options.refetch_cooldown,
        options.max_staleness, options.refresh_ahead, options.fetch_timeout}) {
    if (d == absl::InfiniteDuration()) {
      return config_error("jwks durations must be finite");
    }
  }
  bool background = options.background_refresh;
  auto state =
      std::make_shared<State>(jwks_uri, options, std::move(dependencies));
  if (background) state->StartBackground();
  return std::shared_ptr<JwksCache>(
      new JwksCache(std::move(jwks_uri), std::move(state)));
}

JwksCache::JwksCache(std::string jwks_uri, std::shared_ptr<State> state)
    : jwks_uri_(std::move(jwks_uri)), state_(std::move(state)) {}

JwksCache::~JwksCache() { state_->StopBackground(); }

absl::Status JwksCache::WarmUp() { return state_->WarmUp(); }
absl::Status JwksCache::Refresh() { return state_->Refresh(); }
absl::Status JwksCache::RefreshIfDue() { return state_->RefreshIfDue(); }
std::shared_ptr<const JwkSet> JwksCache::Current() const {
  return state_->Current();
}
uint64_t JwksCache::generation() const { return state_->generation(); }
absl::StatusOr<std::shared_ptr<const JwkSet>> JwksCache::OnUnknownKeyId(
    absl::string_view key_id) {
  return state_->OnUnknownKeyId(key_id);
}
JwksCacheStats JwksCache::stats() const { return state_->stats(); }
absl::Status JwksCache::last_error() const { return state_->last_error(); }

}  // namespace authgate
