#include "grpc_service/access_log.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc_service/status_conversion.h"
#include "grpcpp/support/interceptor.h"

namespace authgate::service {
namespace {

using grpc::experimental::InterceptionHookPoints;

// grpc::StatusCode's canonical names.
const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kNames))) {
    return "UNKNOWN";
  }
  return kNames[index];
}

class AccessLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessLogInterceptor(
      grpc::experimental::ServerRpcInfo* info, Logger* logger,
      const AccessLogInterceptorFactory::PeerResolver* resolve_peer)
      : info_(info),
        logger_(logger),
        resolve_peer_(resolve_peer),
        start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Write(methods);
    }
    methods->Proceed();
  }

 private:
  void Write(grpc::experimental::InterceptorBatchMethods* methods) {
    grpc::Status status = methods->GetSendStatus();
    std::string reason = "none";
    if (std::multimap<std::string, std::string>* trailers =
            methods->GetSendTrailingMetadata()) {
      auto it = trailers->find(kErrorReasonMetadataKey);
      if (it != trailers->end()) reason = it->second;
    }
    double duration_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
    std::string peer = info_->server_context()->peer();
    if (*resolve_peer_ != nullptr) {
      std::string resolved = (*resolve_peer_)(peer);
      if (!resolved.empty()) peer = std::move(resolved);
    }
    logger_->Info("access", {{"peer", std::move(peer)},
                             {"method", info_->method()},
                             {"code", CodeName(status.error_code())},
                             {"reason", std::move(reason)},
                             {"duration_ms", duration_ms}});
  }

  grpc::experimental::ServerRpcInfo* info_;
  Logger* logger_;
  const AccessLogInterceptorFactory::PeerResolver* resolve_peer_;
  absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor*
AccessLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new AccessLogInterceptor(info, logger_.get(), &resolve_peer_);
}

}  // namespace authgate::service
