// Metrics: authgate-server's Prometheus metrics, served on their own HTTP
// port so the gRPC port never speaks HTTP/1, with the /healthz and /readyz
// probe pages.
//
//   authgate_token_validations_total{rpc,result,reason}   counter
//   authgate_token_validation_duration_seconds{rpc}       histogram
//   authgate_oauth_calls_total{provider,call,result}      counter
//   authgate_oauth_call_duration_seconds{call}            histogram
//   authgate_worker_rejections_total                      counter
//   authgate_web_requests_total{endpoint,status}          counter
//   authgate_web_request_duration_seconds{endpoint}       histogram
// plus whatever registered collectors report at scrape time (verified-token
// cache hits, JWKS fetches and failures, provider readiness, queue depth).
//
// rpc is "ValidateToken" or "Check"; result is "valid", "invalid"
// (UNAUTHENTICATED), "denied" (PERMISSION_DENIED) or "error"; reason is the
// stable ErrorReason name ("none" when valid). Label values never hold
// tokens or other caller input.
//
// Thread-safe. The per-validation path touches only pre-resolved counters
// (no label lookup after the first time a combination is seen).
//
//   auto metrics = std::make_shared<Metrics>();
//   metrics->RecordValidation(Metrics::Rpc::kValidateToken, status, elapsed);
//   absl::StatusOr<int> port = metrics->Serve("127.0.0.1:9464");
#ifndef AUTHGATE_GRPC_SERVICE_METRICS_H_
#define AUTHGATE_GRPC_SERVICE_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

#include "authgate/status.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace authgate::service {

class Metrics {
 public:
  enum class Rpc { kValidateToken = 0, kCheck = 1 };

  // Reports metric families at scrape time (must be thread-safe).
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One token validation and its outcome.
  void RecordValidation(Rpc rpc, const absl::Status& status,
                        absl::Duration latency);

  // One call to a provider's OAuth endpoint made for an RPC; `call` is
  // "exchange_code", "refresh", "client_credentials", "userinfo", "revoke".
  void RecordOAuthCall(absl::string_view provider, absl::string_view call,
                       const absl::Status& status, absl::Duration latency);

  // A call refused because the worker queue was full.
  void RecordWorkerRejection();

  // One request of the browser face; `endpoint` is one of a fixed set
  // (WebFace::EndpointLabel), `status` the HTTP status answered.
  void RecordWebRequest(absl::string_view endpoint, int status,
                        absl::Duration latency);

  // Adds families computed at scrape time.
  void AddCollector(Collector collector);

  // One health probe's answer: `ok` selects 200 or 503, `json` is the body.
  struct HealthReport {
    bool ok = false;
    std::string json;
  };
  // GET /healthz (liveness) and GET /readyz (readiness). Called from the
  // HTTP threads; must be thread-safe and cheap.
  struct HealthPages {
    std::function<HealthReport()> live;
    std::function<HealthReport()> ready;
  };

  // Starts the HTTP endpoint on `address` ("host:port", port 0 picks one):
  // /metrics, and `health`'s pages when set. kHttpThreads threads serve it,
  // and a connection that sends no request within kHttpRequestTimeout is
  // dropped, so idle connections cannot hold every thread for long.
  // Returns the bound port. Errors: kFailedPrecondition config_invalid when
  // the address cannot be bound.
  absl::StatusOr<int> Serve(const std::string& address,
                            HealthPages health = {});

  static constexpr int kHttpThreads = 8;
  static constexpr absl::Duration kHttpRequestTimeout = absl::Seconds(2);

  const std::shared_ptr<prometheus::Registry>& registry() const {
    return registry_;
  }

 private:
  static constexpr size_t kRpcs = 2;
  static constexpr size_t kResults = 4;
  static constexpr size_t kReasons =
      static_cast<size_t>(ErrorReason::kInternal) + 1;

  prometheus::Counter& ValidationCounter(Rpc rpc, size_t result,
                                         ErrorReason reason);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* validations_;
  prometheus::Family<prometheus::Histogram>* validation_latency_family_;
  std::array<prometheus::Histogram*, kRpcs> validation_latency_;
  prometheus::Family<prometheus::Counter>* oauth_calls_;
  prometheus::Family<prometheus::Histogram>* oauth_latency_;
  prometheus::Counter* worker_rejections_;
  prometheus::Family<prometheus::Counter>* web_requests_;
  prometheus::Family<prometheus::Histogram>* web_latency_;
  // Lazily resolved counters, [rpc][result][reason].
  std::array<std::atomic<prometheus::Counter*>, kRpcs * kResults * kReasons>
      validation_counters_{};
  absl::Mutex mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors_
      ABSL_GUARDED_BY(mu_);
  std::unique_ptr<prometheus::Exposer> exposer_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_METRICS_H_
