#include "grpc_service/metrics.h"

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

#include "CivetServer.h"
#include "civetweb.h"

namespace authgate::service {
namespace {

constexpr absl::string_view kRpcNames[] = {"ValidateToken", "Check"};
constexpr absl::string_view kResultNames[] = {"valid", "invalid", "denied",
                                              "error"};

// civetweb's begin_request callback has no user pointer of ours (the
// prometheus Exposer owns the server), so pages are found by local port.
ABSL_CONST_INIT absl::Mutex pages_mu(absl::kConstInit);
auto* const pages = new std::map<int, std::shared_ptr<Metrics::HealthPages>>();

// Answers GET /healthz and /readyz; 0 lets civetweb route anything else.
int AnswerHealthPage(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  if (info == nullptr || info->local_uri == nullptr) return 0;
  absl::string_view uri = info->local_uri;
  if (uri != "/healthz" && uri != "/readyz") return 0;
  std::shared_ptr<Metrics::HealthPages> found;
  {
    absl::MutexLock lock(&pages_mu);
    auto it = pages->find(info->server_port);
    if (it != pages->end()) found = it->second;
  }
  const std::function<Metrics::HealthReport()>* probe =
      found == nullptr ? nullptr
                       : (uri == "/healthz" ? &found->live : &found->ready);
  if (probe == nullptr || !*probe) return 0;
  Metrics::HealthReport report = (*probe)();
  std::string body = report.json + "\n";
  mg_printf(connection,
            "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %zu\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n",
            report.ok ? "200 OK" : "503 Service Unavailable", body.size());
  mg_write(connection, body.data(), body.size());
  return report.ok ? 200 : 503;
}

size_t ResultIndex(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kUnauthenticated:
      return 1;
    case absl::StatusCode::kPermissionDenied:
      return 2;
    default:
      return 3;
  }
}

// Token validation is tens of microseconds; provider calls are milliseconds
// to seconds. The buckets cover both ranges.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0};
}

class CollectorAdapter final : public prometheus::Collectable {
 public:
  explicit CollectorAdapter(Metrics::Collector collector)
      : collector_(std::move(collector)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return collector_();
  }

 private:
  Metrics::Collector collector_;
};

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  validations_ = &prometheus::BuildCounter()
                      .Name("authgate_token_validations_total")
                      .Help("Token validations by RPC, result and reason")
                      .Register(*registry_);
  validation_latency_family_ =
      &prometheus::BuildHistogram()
           .Name("authgate_token_validation_duration_seconds")
           .Help("Time to answer a token validation, queueing included")
           .Register(*registry_);
  for (size_t i = 0; i < kRpcs; ++i) {
    validation_latency_[i] = &validation_latency_family_->Add(
        {{"rpc", std::string(kRpcNames[i])}}, LatencyBuckets());
  }
  oauth_calls_ = &prometheus::BuildCounter()
                      .Name("authgate_oauth_calls_total")
                      .Help(
                          "Calls to providers' OAuth endpoints by provider, "
                          "call and result")
                      .Register(*registry_);
  oauth_latency_ = &prometheus::BuildHistogram()
                        .Name("authgate_oauth_call_duration_seconds")
                        .Help("Duration of calls to providers' OAuth endpoints")
                        .Register(*registry_);
  worker_rejections_ =
      &prometheus::BuildCounter()
           .Name("authgate_worker_rejections_total")
           .Help("Calls refused with RESOURCE_EXHAUSTED: worker queue full")
           .Register(*registry_)
           .Add({});
  web_requests_ =
      &prometheus::BuildCounter()
           .Name("authgate_web_requests_total")
           .Help("Browser-face HTTP requests by endpoint and status")
           .Register(*registry_);
  web_latency_ = &prometheus::BuildHistogram()
                      .Name("authgate_web_request_duration_seconds")
                      .Help("Time to answer a browser-face HTTP request")
                      .Register(*registry_);
}

Metrics::~Metrics() {
  absl::MutexLock lock(&mu_);
  // Stopped first: no HTTP thread is in a page once it is gone.
  exposer_.reset();
  absl::MutexLock pages_lock(&pages_mu);
  pages->erase(port_);
}

prometheus::Counter& Metrics::ValidationCounter(Rpc rpc, size_t result,
                                                ErrorReason reason) {
  size_t reason_index = static_cast<size_t>(reason);
  if (reason_index >= kReasons) reason_index = 0;
  size_t index =
      (static_cast<size_t>(rpc) * kResults + result) * kReasons + reason_index;
  prometheus::Counter* counter =
      validation_counters_[index].load(std::memory_order_acquire);
  if (counter != nullptr) return *counter;
  // Family::Add returns the existing series for equal labels, so a race
  // between two first uses resolves to the same counter.
  absl::string_view reason_name =
      result == 0 ? absl::string_view("none") : ErrorReasonName(reason);
  counter = &validations_->Add(
      {{"rpc", std::string(kRpcNames[static_cast<size_t>(rpc)])},
       {"result", std::string(kResultNames[result])},
       {"reason", std::string(reason_name)}});
  validation_counters_[index].store(counter, std::memory_order_release);
  return *counter;
}

void Metrics::RecordValidation(Rpc rpc, const absl::Status& status,
                               absl::Duration latency) {
  ValidationCounter(rpc, ResultIndex(status), GetErrorReason(status))
      .Increment();
  validation_latency_[static_cast<size_t>(rpc)]->Observe(
      absl::ToDoubleSeconds(latency));
}

void Metrics::RecordOAuthCall(absl::string_view provider,
                              absl::string_view call,
                              const absl::Status& status,
                              absl::Duration latency) {
  std::string result =
      status.ok() ? "ok" : std::string(ErrorReasonName(GetErrorReason(status)));
  oauth_calls_
      ->Add({{"provider", std::string(provider)},
             {"call", std::string(call)},
             {"result", result}})
      .Increment();
  oauth_latency_->Add({{"call", std::string(call)}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RecordWorkerRejection() { worker_rejections_->Increment(); }

void Metrics::RecordWebRequest(absl::string_view endpoint, int status,
                               absl::Duration latency) {
  // Family::Add finds an existing series under the family's lock: cheap
  // next to a request that parsed HTTP and opened a sealed cookie.
  web_requests_
      ->Add({{"endpoint", std::string(endpoint)},
             {"status", std::to_string(status)}})
      .Increment();
  web_latency_->Add({{"endpoint", std::string(endpoint)}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  auto adapter = std::make_shared<CollectorAdapter>(std::move(collector));
  if (exposer_ != nullptr) exposer_->RegisterCollectable(adapter);
  // Keep it for an exposer started later.
  collectors_.push_back(std::move(adapter));
}

absl::StatusOr<int> Metrics::Serve(const std::string& address,
                                   HealthPages health) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> options = {
      "listening_ports",
      address,
      "num_threads",
      std::to_string(kHttpThreads),
      // civetweb's default (30 s) let one idle connection hold a thread.
      "request_timeout_ms",
      std::to_string(absl::ToInt64Milliseconds(kHttpRequestTimeout)),
  };
  static const CivetCallbacks callbacks = [] {
    CivetCallbacks c;
    c.begin_request = &AnswerHealthPage;
    return c;
  }();
  // civetweb reports a failed bind by throwing; stop it here.
  try {
    exposer_ =
        std::make_unique<prometheus::Exposer>(std::move(options), &callbacks);
  } catch (const std::exception&) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, ErrorReason::kConfigInvalid,
        absl::StrCat("metrics_listen: cannot listen on ", address));
  }
  exposer_->RegisterCollectable(registry_);
  for (const auto& collector : collectors_) {
    exposer_->RegisterCollectable(collector);
  }
  std::vector<int> ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? 0 : ports.front();
  if (health.live || health.ready) {
    absl::MutexLock pages_lock(&pages_mu);
    (*pages)[port_] = std::make_shared<HealthPages>(std::move(health));
  }
  return port_;
}

}  // namespace authgate::service
