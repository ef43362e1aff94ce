#include "grpc_service/metrics.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace authgate::service {
namespace {

constexpr absl::string_view kRpcNames[] = {"ValidateToken", "Check"};
constexpr absl::string_view kResultNames[] = {"valid", "invalid", "denied",
                                              "error"};

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
}

Metrics::~Metrics() = default;

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

void Metrics::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  auto adapter = std::make_shared<CollectorAdapter>(std::move(collector));
  if (exposer_ != nullptr) exposer_->RegisterCollectable(adapter);
  // Keep it for an exposer started later.
  collectors_.push_back(std::move(adapter));
}

absl::StatusOr<int> Metrics::Serve(const std::string& address) {
  absl::MutexLock lock(&mu_);
  // civetweb reports a failed bind by throwing; stop it here.
  try {
    exposer_ =
        std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
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
  return ports.empty() ? 0 : ports.front();
}

}  // namespace authgate::service
