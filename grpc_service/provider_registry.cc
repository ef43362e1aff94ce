#include "grpc_service/provider_registry.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "authgate/config_object.h"
#include "authgate/jwk_set.h"
#include "authgate/provider_spec.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "status_macros.h"

namespace authgate::service {

struct ProviderRegistry::Slot {
  ProviderSettings settings;
  // The verifier's keys: a DeferredKeySource for live keys (attached once
  // set up), the static set otherwise. Exactly one is set.
  std::shared_ptr<DeferredKeySource> deferred;
  std::shared_ptr<KeySource> static_keys;

  mutable absl::Mutex mu;
  bool set_up ABSL_GUARDED_BY(mu) = false;
  ProviderMetadata metadata ABSL_GUARDED_BY(mu);
  // The verifier's live cache: the first client's, or the provider's own
  // when it has no client.
  std::shared_ptr<JwksCache> jwks ABSL_GUARDED_BY(mu);
  // One per settings.spec.clients entry, in order.
  std::vector<std::shared_ptr<OAuthClient>> clients ABSL_GUARDED_BY(mu);
  // The current secret of each spec.clients entry: the spec's, then each
  // value ReloadSecrets() reads from its client_secret_file.
  std::vector<std::string> secrets ABSL_GUARDED_BY(mu);
  // ReloadSecrets() only: the last failure per client, so a file that
  // stays bad is reported once, not at every poll.
  std::vector<std::string> reload_errors;
  // ReloadSecrets() only, static jwks_file sets: the file's text the keys
  // in use came from, and the last failure to read a changed one.
  std::string key_file_text;
  std::string key_file_error;
  // Why the last set-up or key fetch failed; OK otherwise.
  absl::Status last_error ABSL_GUARDED_BY(mu);

  // Touched by the supervisor thread only.
  absl::Time next_attempt = absl::InfinitePast();
  absl::Duration backoff;
  bool was_ready = false;

  const std::string& name() const { return settings.spec.name; }
  bool is_static() const { return static_keys != nullptr; }
  bool IsSetUp() const {
    absl::MutexLock lock(&mu);
    return set_up;
  }
  std::shared_ptr<JwksCache> GetJwks() const {
    absl::MutexLock lock(&mu);
    return jwks;
  }
  bool Ready() const {
    if (is_static()) return static_keys->Current() != nullptr;
    std::shared_ptr<JwksCache> cache = GetJwks();
    return cache != nullptr && cache->ready();
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
  size_t live = 0;
  for (const ProviderSettings& settings : config.providers) {
    if (!settings.spec.keys.is_static()) ++live;
  }
  // Each live provider runs at most one key lookup at a time, so one thread
  // and one queue slot per provider never refuse one.
  registry->key_lane_ = std::make_unique<WorkerPool>(live, live);
  VerifierOptions options;
  options.cache_max_entries = config.cache_max_entries;
  options.cache_max_bytes = config.cache_max_bytes;
  options.max_token_bytes = config.max_token_bytes;
  for (const ProviderSettings& settings : config.providers) {
    auto slot = std::make_unique<Slot>();
    slot->settings = settings;
    {
      absl::MutexLock lock(&slot->mu);
      for (const OAuthClientSpec& client : settings.spec.clients) {
        slot->secrets.push_back(client.client_secret);
      }
    }
    slot->reload_errors.resize(settings.spec.clients.size());
    slot->backoff = config.provider_retry_initial;
    std::shared_ptr<KeySource> keys;
    if (settings.spec.keys.is_static()) {
      absl::StatusOr<std::shared_ptr<KeySource>> loaded =
          MakeStaticKeys(settings.spec);
      if (!loaded.ok()) {
        return MakeError(loaded.status().code(),
                         GetErrorReason(loaded.status()),
                         absl::StrCat("provider ", settings.spec.name, ": ",
                                      loaded.status().message()));
      }
      slot->static_keys = *std::move(loaded);
      keys = slot->static_keys;
      if (!settings.spec.keys.jwks_file.empty()) {
        // What ReloadSecrets() compares against; read again (not from the
        // spec) since the file may change between the two reads.
        slot->key_file_text =
            ReadConfigFile("jwks_file", settings.spec.keys.jwks_file,
                           kMaxJwksBytes)
                .value_or("");
      }
    } else {
      slot->deferred = std::make_shared<DeferredKeySource>(
          settings.spec.name, registry->key_lane_.get(),
          config.max_queued_calls);
      keys = slot->deferred;
    }
    options.providers.push_back(MakeProviderPolicy(settings.spec, keys));
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
  // Runs the lookups already queued, so every deferred call is answered.
  if (key_lane_ != nullptr) key_lane_->Stop();
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

absl::Status ProviderRegistry::SetUp(Slot& slot) {
  const ProviderSpec& spec = slot.settings.spec;
  ProviderMetadata metadata;
  // Blocks for discovery; the supervisor is the one thread that may wait on
  // the network here. Done once per provider, whatever its client count.
  if (spec.use_discovery) {
    AUTHGATE_ASSIGN_OR_RETURN(
        metadata, FetchProviderMetadata(*deps_.fetcher, spec.issuers.front(),
                                        spec.http_timeout));
  } else {
    metadata.issuer = spec.issuers.front();
  }
  ProviderEndpoints overrides = spec.endpoints;
  if (!spec.keys.jwks_uri.empty()) overrides.jwks_uri = spec.keys.jwks_uri;
  ApplyEndpointOverrides(overrides, metadata);
  if (metadata.jwks_uri.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid, "provider has no jwks_uri");
  }
  // The clients get the endpoints just found, so none repeats discovery;
  // made from the spec, they hold the ID tokens they receive to its rules.
  ProviderSpec discovered = spec;
  discovered.use_discovery = false;
  discovered.endpoints = {
      metadata.authorization_endpoint, metadata.token_endpoint,
      metadata.userinfo_endpoint,      metadata.revocation_endpoint,
      metadata.end_session_endpoint,   metadata.jwks_uri};
  discovered.keys.jwks_uri = metadata.jwks_uri;
  // Every key fetch reaches the log: a failed refresh while cached keys
  // still serve would otherwise only be counted. At most one failure line
  // per provider every 10 s; the recovery line always.
  discovered.keys.cache.on_fetch = [logger = deps_.logger, name = spec.name,
                                    limiter = std::make_shared<LogRateLimiter>(
                                        0.1)](const JwksFetchEvent& event) {
    if (event.success) {
      if (event.recovered_after == 0) return;
      logger->Info(
          "key_fetch_recovered",
          {{"provider", name}, {"after_failures", event.recovered_after}});
      return;
    }
    std::optional<uint64_t> dropped = limiter->Admit();
    if (!dropped.has_value()) return;
    logger->Warn(
        "key_fetch_failed",
        {{"provider", name},
         {"reason", std::string(ErrorReasonName(GetErrorReason(event.status)))},
         {"message", std::string(event.status.message())},
         {"consecutive_failures", event.consecutive_failures},
         {"serving_cached_keys", event.serving},
         {"unknown_kid", event.unknown_kid},
         {"suppressed", *dropped}});
  };
  OAuthClient::Dependencies client_deps;
  client_deps.fetcher = deps_.fetcher;
  client_deps.clock = deps_.clock;
  std::vector<std::shared_ptr<OAuthClient>> clients;
  std::vector<std::string> used_secrets;
  {
    absl::MutexLock lock(&slot.mu);
    used_secrets = slot.secrets;
  }
  for (size_t i = 0; i < spec.clients.size(); ++i) {
    OAuthClientSpec client = spec.clients[i];
    client.client_secret = used_secrets[i];
    AUTHGATE_ASSIGN_OR_RETURN(
        std::shared_ptr<OAuthClient> made,
        OAuthClient::Create(discovered, client, client_deps));
    clients.push_back(std::move(made));
  }
  std::shared_ptr<JwksCache> jwks;
  if (!clients.empty()) {
    jwks = clients.front()->jwks();
  } else {
    JwksCache::Dependencies jwks_deps;
    jwks_deps.fetcher = deps_.fetcher;
    jwks_deps.clock = deps_.clock;
    AUTHGATE_ASSIGN_OR_RETURN(
        jwks,
        JwksCache::Create(metadata.jwks_uri, discovered.keys.cache, jwks_deps));
  }
  {
    absl::MutexLock lock(&slot.mu);
    slot.metadata = metadata;
    // A secret reloaded while the clients were being made.
    for (size_t i = 0; i < clients.size(); ++i) {
      if (slot.secrets[i] != used_secrets[i]) {
        clients[i]->SetClientSecret(slot.secrets[i]);
      }
    }
    slot.clients = std::move(clients);
    slot.jwks = jwks;
    slot.set_up = true;
  }
  slot.deferred->Attach(jwks);
  deps_.logger->Info("provider_set_up",
                     {{"provider", spec.name},
                      {"kind", std::string(spec.profile().name)},
                      {"clients", spec.clients.size()},
                      {"jwks_uri", metadata.jwks_uri}});
  return absl::OkStatus();
}

absl::Time ProviderRegistry::SuperviseOnce() {
  absl::Time next = absl::InfiniteFuture();
  for (const std::unique_ptr<Slot>& slot_ptr : slots_) {
    Slot& slot = *slot_ptr;
    const std::string& name = slot.name();
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

    if (!slot.is_static()) {
      if (!slot.IsSetUp() && absl::Now() >= slot.next_attempt) {
        absl::Status set_up = SetUp(slot);
        if (!set_up.ok()) {
          fail("provider_setup_failed", set_up);
        } else {
          succeed();
        }
      }
      std::shared_ptr<JwksCache> jwks = slot.GetJwks();
      if (jwks != nullptr && !jwks->ready() &&
          absl::Now() >= slot.next_attempt) {
        absl::Status warm = jwks->WarmUp();
        if (!warm.ok()) {
          fail("jwks_fetch_failed", warm);
        } else {
          succeed();
          std::shared_ptr<const JwkSet> keys = jwks->Current();
          std::vector<std::string> kids;
          if (keys != nullptr) {
            for (const auto& key : keys->keys()) kids.push_back(key->key_id());
          }
          deps_.logger->Info("keys_loaded",
                             {{"provider", name}, {"kids", kids}});
        }
      }
    }
    bool ready = slot.Ready();
    // Keys may arrive without this loop (the cache's own retry, a token's
    // unknown-kid refetch): the set-up error it recorded is then stale.
    if (ready && !slot.is_static()) succeed();
    if (ready != slot.was_ready) {
      slot.was_ready = ready;
      deps_.logger->Info(
          ready ? "provider_ready" : "provider_not_ready",
          {{"provider", name}, {"keys", slot.is_static() ? "static" : "live"}});
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

std::vector<std::pair<std::string, bool>> ProviderRegistry::Readiness() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const std::unique_ptr<Slot>& slot : slots_) {
    out.emplace_back(slot->name(), slot->Ready());
  }
  return out;
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
    if (slot->name() == name) return slot.get();
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
    absl::string_view name, absl::string_view client_id) const {
  AUTHGATE_ASSIGN_OR_RETURN(const Slot* slot, FindSlot(name));
  const ProviderSpec& spec = slot->settings.spec;
  if (slot->is_static()) {
    // An OAuthClient verifies the ID tokens it receives with live keys.
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid,
                     absl::StrCat("provider ", spec.name,
                                  " has static keys: OAuth flows need live "
                                  "keys"));
  }
  if (spec.clients.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid,
                     absl::StrCat("provider ", spec.name,
                                  " has no OAuth client (set client_id)"));
  }
  const OAuthClientSpec* wanted = spec.FindClient(client_id);
  if (wanted == nullptr) {
    // Client ids are public identifiers; echo a bounded prefix.
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kInvalidArgument,
                     absl::StrCat("provider ", spec.name, " has no client \"",
                                  client_id.substr(0, 64), "\""));
  }
  size_t index = static_cast<size_t>(wanted - spec.clients.data());
  absl::MutexLock lock(&slot->mu);
  if (!slot->set_up || index >= slot->clients.size()) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable,
                     absl::StrCat("provider ", spec.name,
                                  " is not set up yet (discovery pending)"));
  }
  return slot->clients[index];
}

absl::StatusOr<ProviderSnapshot> ProviderRegistry::Snapshot(
    absl::string_view name) const {
  AUTHGATE_ASSIGN_OR_RETURN(const Slot* found, FindSlot(name));
  const Slot& slot = *found;
  ProviderSnapshot snapshot;
  snapshot.settings = &slot.settings;
  if (slot.is_static()) {
    snapshot.set_up = true;
    snapshot.keys = slot.static_keys->Current();
    return snapshot;
  }
  std::shared_ptr<JwksCache> jwks;
  {
    absl::MutexLock lock(&slot.mu);
    snapshot.set_up = slot.set_up;
    if (slot.set_up) snapshot.metadata = slot.metadata;
    snapshot.last_key_error = slot.last_error;
    jwks = slot.jwks;
  }
  if (jwks != nullptr) {
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
  prometheus::MetricFamily last_success =
      Family("authgate_jwks_last_success_timestamp_seconds",
             "Unix time the current key set arrived (live keys, once fetched)",
             MetricType::Gauge);
  for (const std::unique_ptr<Slot>& slot : slots_) {
    std::vector<prometheus::ClientMetric::Label> labels = {
        {"provider", slot->name()}};
    ready.metric.push_back(Sample(slot->Ready() ? 1 : 0, false, labels));
    JwksCacheStats jwks;
    std::shared_ptr<const JwkSet> set;
    if (slot->is_static()) {
      set = slot->static_keys->Current();
    } else if (std::shared_ptr<JwksCache> cache = slot->GetJwks()) {
      jwks = cache->stats();
      set = cache->Current();
    }
    size_t keys = set != nullptr ? set->keys().size() : 0;
    fetches.metric.push_back(
        Sample(static_cast<double>(jwks.fetches), true, labels));
    failures.metric.push_back(
        Sample(static_cast<double>(jwks.fetch_failures), true, labels));
    refetches.metric.push_back(
        Sample(static_cast<double>(jwks.unknown_kid_refetches), true, labels));
    key_count.metric.push_back(
        Sample(static_cast<double>(keys), false, labels));
    if (jwks.last_success.has_value()) {
      last_success.metric.push_back(
          Sample(absl::ToDoubleSeconds(*jwks.last_success - absl::UnixEpoch()),
                 false, labels));
    }
  }
  prometheus::MetricFamily reloads =
      Family("authgate_secret_reloads_total",
             "Secret and jwks_file re-reads that changed the value (ok) or "
             "found the file unusable and kept the previous one (failed)",
             MetricType::Counter);
  reloads.metric.push_back(Sample(
      static_cast<double>(secret_reloads_ok_.load(std::memory_order_relaxed)),
      true, {{"result", "ok"}}));
  reloads.metric.push_back(
      Sample(static_cast<double>(
                 secret_reloads_failed_.load(std::memory_order_relaxed)),
             true, {{"result", "failed"}}));
  for (auto* family : {&hits, &misses, &entries, &ready, &fetches, &failures,
                       &refetches, &key_count, &last_success, &reloads}) {
    out.push_back(std::move(*family));
  }
  return out;
}

void ProviderRegistry::ReloadKeyFile(Slot& slot) {
  const std::string& path = slot.settings.spec.keys.jwks_file;
  absl::StatusOr<std::string> text =
      ReadConfigFile("jwks_file", path, kMaxJwksBytes);
  if (text.ok() && *text == slot.key_file_text) {
    slot.key_file_error.clear();
    return;
  }
  absl::StatusOr<std::shared_ptr<const JwkSet>> keys =
      text.ok() ? JwkSet::Parse(*text) : text.status();
  // An empty set would refuse every token: as unusable as a broken file.
  if (keys.ok() && (*keys)->empty()) {
    keys = ConfigFieldError(
        "jwks_file",
        absl::StrCat(QuoteConfigText(path, 256), " holds no keys"));
  }
  auto source = std::dynamic_pointer_cast<StaticKeySource>(slot.static_keys);
  if (!keys.ok() || source == nullptr) {
    std::string message = keys.ok() ? "not a static key source"
                                    : std::string(keys.status().message());
    if (message == slot.key_file_error) return;
    slot.key_file_error = message;
    secret_reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    deps_.logger->Warn("key_file_reload_failed",
                       {{"provider", slot.name()},
                        {"field", "jwks_file"},
                        {"file", path},
                        {"message", message},
                        {"keeping", "previous keys"}});
    return;
  }
  std::vector<std::string> kids;
  for (const auto& key : (*keys)->keys()) kids.push_back(key->key_id());
  // A new generation: cached verdicts are re-checked against the new set.
  source->Update(*std::move(keys));
  slot.key_file_text = *std::move(text);
  slot.key_file_error.clear();
  secret_reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  deps_.logger->Info("key_file_reloaded", {{"provider", slot.name()},
                                           {"field", "jwks_file"},
                                           {"file", path},
                                           {"kids", kids}});
}

void ProviderRegistry::ReloadSecrets() {
  absl::MutexLock reload_lock(&reload_mu_);
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (slot->is_static() && !slot->settings.spec.keys.jwks_file.empty()) {
      ReloadKeyFile(*slot);
    }
    const std::vector<OAuthClientSpec>& clients = slot->settings.spec.clients;
    for (size_t i = 0; i < clients.size(); ++i) {
      const std::string& path = clients[i].client_secret_file;
      if (path.empty()) continue;
      // The same rules as at start (bounded read, trailing newline cut,
      // empty refused); the error names field and file, never the value.
      absl::StatusOr<std::string> text =
          ReadConfigFile("client_secret_file", path);
      absl::Status error;
      std::string value;
      if (text.ok()) {
        value = std::string(absl::StripTrailingAsciiWhitespace(*text));
        if (value.empty()) {
          error = ConfigFieldError(
              "client_secret_file",
              absl::StrCat(QuoteConfigText(path, 256), " is empty"));
        }
      } else {
        error = text.status();
      }
      std::string& last_error = slot->reload_errors[i];
      if (!error.ok()) {
        std::string message(error.message());
        if (message == last_error) continue;
        last_error = message;
        secret_reloads_failed_.fetch_add(1, std::memory_order_relaxed);
        deps_.logger->Warn("secret_reload_failed",
                           {{"provider", slot->name()},
                            {"client_id", clients[i].client_id},
                            {"field", "client_secret_file"},
                            {"file", path},
                            {"message", message},
                            {"keeping", "previous secret"}});
        continue;
      }
      last_error.clear();
      std::shared_ptr<OAuthClient> client;
      {
        absl::MutexLock lock(&slot->mu);
        if (slot->secrets[i] == value) continue;
        slot->secrets[i] = value;
        if (i < slot->clients.size()) client = slot->clients[i];
        // Under the lock: SetUp() compares against secrets[i] under it.
        if (client != nullptr) client->SetClientSecret(std::move(value));
      }
      secret_reloads_ok_.fetch_add(1, std::memory_order_relaxed);
      deps_.logger->Info("secret_reloaded",
                         {{"provider", slot->name()},
                          {"client_id", clients[i].client_id},
                          {"field", "client_secret_file"},
                          {"file", path}});
    }
  }
}

}  // namespace authgate::service
