#include "grpc_service/provider_registry.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "authgate/status.h"

namespace authgate::service {

struct ProviderRegistry::Slot {
  ProviderSettings settings;
  std::shared_ptr<DeferredKeySource> keys;

  mutable absl::Mutex mu;
  std::shared_ptr<OAuthClient> client ABSL_GUARDED_BY(mu);
  // Why the last set-up or key fetch failed; OK otherwise.
  absl::Status last_error ABSL_GUARDED_BY(mu);

  // Touched by the supervisor thread only.
  absl::Time next_attempt = absl::InfinitePast();
  absl::Duration backoff;
  bool was_ready = false;

  std::shared_ptr<OAuthClient> GetClient() const {
    absl::MutexLock lock(&mu);
    return client;
  }
  bool Ready() const {
    std::shared_ptr<OAuthClient> c = GetClient();
    return c != nullptr && c->jwks()->ready();
  }
};

namespace {

prometheus::ClientMetric Sample(
    double value, bool counter,
    std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

}  // namespace

ProviderRegistry::ProviderRegistry(Dependencies dependencies,
                                   absl::Duration retry_initial,
                                   absl::Duration retry_max)
    : deps_(std::move(dependencies)),
      retry_initial_(retry_initial),
      retry_max_(retry_max) {}

ProviderRegistry::~ProviderRegistry() { Stop(); }

absl::StatusOr<std::unique_ptr<ProviderRegistry>> ProviderRegistry::Create(
    const ServerConfig& config, Dependencies dependencies) {
  if (dependencies.fetcher == nullptr || dependencies.logger == nullptr ||
      dependencies.clock == nullptr) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid,
                     "provider registry needs a fetcher, clock and logger");
  }
  std::unique_ptr<ProviderRegistry> registry(new ProviderRegistry(
      std::move(dependencies), config.provider_retry_initial,
      config.provider_retry_max));
  VerifierOptions options;
  options.cache_max_entries = config.cache_max_entries;
  options.cache_max_bytes = config.cache_max_bytes;
  for (const ProviderSettings& settings : config.providers) {
    auto slot = std::make_unique<Slot>();
    slot->settings = settings;
    slot->keys = std::make_shared<DeferredKeySource>(settings.config.name);
    slot->backoff = config.provider_retry_initial;
    ProviderPolicy policy = MakeProviderPolicy(settings.config, slot->keys);
    for (const std::string& audience : settings.extra_audiences) {
      policy.audiences.push_back(audience);
    }
    options.providers.push_back(std::move(policy));
    registry->slots_.push_back(std::move(slot));
  }
  TokenVerifier::Dependencies verifier_deps;
  verifier_deps.clock = registry->deps_.clock;
  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(std::move(options), verifier_deps);
  if (!verifier.ok()) return verifier.status();
  registry->verifier_ = *std::move(verifier);
  return registry;
}

void ProviderRegistry::Start(std::function<void(bool)> on_ready_change) {
  supervisor_ = std::thread(
      [this, callback = std::move(on_ready_change)] { Run(callback); });
}

void ProviderRegistry::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (supervisor_.joinable()) supervisor_.join();
}

void ProviderRegistry::Run(std::function<void(bool)> on_ready_change) {
  std::optional<bool> reported;
  for (;;) {
    absl::Time next = SuperviseOnce();
    bool ready = AllReady();
    if (!reported.has_value() || *reported != ready) {
      reported = ready;
      deps_.logger->Info(ready ? "serving" : "not_serving",
                         {{"providers", slots_.size()}});
      if (on_ready_change) on_ready_change(ready);
    }
    // Poll readiness at least every 250 ms: a key set can also disappear on
    // its own (past max_staleness) and health must follow.
    absl::Time wake = std::min(next, absl::Now() + absl::Milliseconds(250));
    absl::MutexLock lock(&stop_mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(stop_mu_) {
      return stopping_;
    };
    if (stop_mu_.AwaitWithDeadline(absl::Condition(&stopping), wake)) return;
  }
}

absl::Time ProviderRegistry::SuperviseOnce() {
  absl::Time next = absl::InfiniteFuture();
  for (const std::unique_ptr<Slot>& slot_ptr : slots_) {
    Slot& slot = *slot_ptr;
    const std::string& name = slot.settings.config.name;
    auto fail = [&](absl::string_view event, const absl::Status& status) {
      {
        absl::MutexLock lock(&slot.mu);
        slot.last_error = status;
      }
      deps_.logger->Warn(
          event,
          {{"provider", name},
           {"reason", std::string(ErrorReasonName(GetErrorReason(status)))},
           {"message", std::string(status.message())},
           {"retry_in_ms", absl::ToInt64Milliseconds(slot.backoff)}});
      slot.next_attempt = absl::Now() + slot.backoff;
      slot.backoff = std::min(slot.backoff * 2, retry_max_);
    };
    auto succeed = [&]() {
      absl::MutexLock lock(&slot.mu);
      slot.last_error = absl::OkStatus();
      slot.backoff = retry_initial_;
      slot.next_attempt = absl::InfinitePast();
    };

    std::shared_ptr<OAuthClient> client = slot.GetClient();
    if (client == nullptr && absl::Now() >= slot.next_attempt) {
      OAuthClient::Dependencies client_deps;
      client_deps.fetcher = deps_.fetcher;
      client_deps.clock = deps_.clock;
      // Blocks for discovery (OIDC); the supervisor is the one thread that
      // may wait on the network here.
      absl::StatusOr<std::shared_ptr<OAuthClient>> created =
          OAuthClient::Create(slot.settings.config, client_deps);
      if (!created.ok()) {
        fail("provider_setup_failed", created.status());
      } else {
        client = *std::move(created);
        {
          absl::MutexLock lock(&slot.mu);
          slot.client = client;
        }
        slot.keys->Attach(client->jwks());
        succeed();
        deps_.logger->Info("provider_set_up",
                           {{"provider", name},
                            {"kind", slot.settings.kind},
                            {"jwks_uri", client->metadata().jwks_uri}});
      }
    }
    if (client != nullptr && !client->jwks()->ready() &&
        absl::Now() >= slot.next_attempt) {
      absl::Status warm = client->WarmUp();
      if (!warm.ok()) {
        fail("jwks_fetch_failed", warm);
      } else {
        succeed();
        std::shared_ptr<const JwkSet> keys = client->jwks()->Current();
        std::vector<std::string> kids;
        if (keys != nullptr) {
          for (const auto& key : keys->keys()) kids.push_back(key->key_id());
        }
        deps_.logger->Info("keys_loaded", {{"provider", name}, {"kids", kids}});
      }
    }
    bool ready = slot.Ready();
    if (ready != slot.was_ready) {
      slot.was_ready = ready;
      deps_.logger->Info(ready ? "provider_ready" : "provider_not_ready",
                         {{"provider", name}});
    }
    if (!ready) next = std::min(next, slot.next_attempt);
  }
  return next;
}

bool ProviderRegistry::AllReady() const {
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (!slot->Ready()) return false;
  }
  return true;
}

absl::StatusOr<const ProviderRegistry::Slot*> ProviderRegistry::FindSlot(
    absl::string_view name) const {
  if (name.empty()) {
    if (slots_.size() == 1) return slots_.front().get();
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     "provider is required: several providers are configured");
  }
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (slot->settings.config.name == name) return slot.get();
  }
  // Provider names are configuration, not secrets; echo a bounded prefix.
  return MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
      absl::StrCat("unknown provider \"", name.substr(0, 64), "\""));
}

absl::Status ProviderRegistry::CheckProviderName(absl::string_view name) const {
  if (name.empty()) return absl::OkStatus();
  return FindSlot(name).status();
}

absl::StatusOr<std::shared_ptr<OAuthClient>> ProviderRegistry::Client(
    absl::string_view name) const {
  absl::StatusOr<const Slot*> slot = FindSlot(name);
  if (!slot.ok()) return slot.status();
  std::shared_ptr<OAuthClient> client = (*slot)->GetClient();
  if (client == nullptr) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable,
                     absl::StrCat("provider ", (*slot)->settings.config.name,
                                  " is not set up yet (discovery pending)"));
  }
  return client;
}

absl::StatusOr<ProviderSnapshot> ProviderRegistry::Snapshot(
    absl::string_view name) const {
  absl::StatusOr<const Slot*> found = FindSlot(name);
  if (!found.ok()) return found.status();
  const Slot& slot = **found;
  ProviderSnapshot snapshot;
  snapshot.settings = &slot.settings;
  {
    absl::MutexLock lock(&slot.mu);
    snapshot.client = slot.client;
    snapshot.last_key_error = slot.last_error;
  }
  if (snapshot.client != nullptr) {
    const std::shared_ptr<JwksCache>& jwks = snapshot.client->jwks();
    snapshot.keys = jwks->Current();
    snapshot.jwks_stats = jwks->stats();
    absl::Status fetch = jwks->last_error();
    if (!fetch.ok()) snapshot.last_key_error = fetch;
  }
  return snapshot;
}

std::vector<prometheus::MetricFamily> ProviderRegistry::CollectMetrics() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  VerifierStats stats = verifier_->stats();
  prometheus::MetricFamily hits =
      Family("authgate_verified_token_cache_hits_total",
             "Validations answered from the verified-token cache",
             MetricType::Counter);
  hits.metric.push_back(Sample(static_cast<double>(stats.cache_hits), true));
  prometheus::MetricFamily misses =
      Family("authgate_verified_token_cache_misses_total",
             "Validations that needed a signature check", MetricType::Counter);
  misses.metric.push_back(
      Sample(static_cast<double>(stats.cache_misses), true));
  prometheus::MetricFamily entries =
      Family("authgate_verified_token_cache_entries",
             "Tokens in the verified-token cache", MetricType::Gauge);
  entries.metric.push_back(
      Sample(static_cast<double>(stats.cache_entries), false));

  prometheus::MetricFamily ready =
      Family("authgate_provider_ready",
             "1 when the provider is set up and has keys", MetricType::Gauge);
  prometheus::MetricFamily fetches =
      Family("authgate_jwks_fetches_total", "JWKS fetch attempts",
             MetricType::Counter);
  prometheus::MetricFamily failures = Family(
      "authgate_jwks_fetch_failures_total",
      "JWKS fetch attempts that yielded no key set", MetricType::Counter);
  prometheus::MetricFamily refetches =
      Family("authgate_jwks_unknown_kid_refetches_total",
             "JWKS fetches triggered by a token with an unknown kid",
             MetricType::Counter);
  prometheus::MetricFamily key_count =
      Family("authgate_jwks_keys", "Usable keys in the current set",
             MetricType::Gauge);
  for (const std::unique_ptr<Slot>& slot : slots_) {
    std::vector<prometheus::ClientMetric::Label> labels = {
        {"provider", slot->settings.config.name}};
    ready.metric.push_back(Sample(slot->Ready() ? 1 : 0, false, labels));
    std::shared_ptr<OAuthClient> client = slot->GetClient();
    JwksCacheStats jwks;
    size_t keys = 0;
    if (client != nullptr) {
      jwks = client->jwks()->stats();
      if (auto set = client->jwks()->Current(); set != nullptr) {
        keys = set->keys().size();
      }
    }
    fetches.metric.push_back(
        Sample(static_cast<double>(jwks.fetches), true, labels));
    failures.metric.push_back(
        Sample(static_cast<double>(jwks.fetch_failures), true, labels));
    refetches.metric.push_back(
        Sample(static_cast<double>(jwks.unknown_kid_refetches), true, labels));
    key_count.metric.push_back(
        Sample(static_cast<double>(keys), false, labels));
  }
  for (auto* family : {&hits, &misses, &entries, &ready, &fetches, &failures,
                       &refetches, &key_count}) {
    out.push_back(std::move(*family));
  }
  return out;
}

}  // namespace authgate::service
