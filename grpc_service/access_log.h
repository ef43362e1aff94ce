// AccessLogInterceptorFactory: one JSON line per RPC (server.access_log),
// written when the call sends its status:
//
//   {"level":"info","event":"access","peer":"ipv4:127.0.0.1:5555",
//    "method":"/authgate.v1.AuthService/ValidateToken","code":"OK",
//    "reason":"none","duration_ms":0.41}
//
// reason is the call's authgate-error-reason trailer (the stable
// ErrorReason name), "none" without one. Nothing from the request or its
// metadata is logged, so no token, code or secret can reach the line. A
// call cancelled before it sends a status writes no line. Every service is
// covered (health probes included), as a gRPC interceptor sees them all.
//
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> factories;
//   factories.push_back(std::make_unique<AccessLogInterceptorFactory>(logger));
//   builder.experimental().SetInterceptorCreators(std::move(factories));
#ifndef AUTHGATE_GRPC_SERVICE_ACCESS_LOG_H_
#define AUTHGATE_GRPC_SERVICE_ACCESS_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "grpc_service/logger.h"
#include "grpcpp/support/server_interceptor.h"

namespace authgate::service {

class AccessLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Maps gRPC's peer to the client's address when gRPC sees only a relay
  // (the header guard's "fd:N"); "" keeps gRPC's.
  using PeerResolver = std::function<std::string(absl::string_view)>;

  explicit AccessLogInterceptorFactory(std::shared_ptr<Logger> logger,
                                       PeerResolver resolve_peer = nullptr)
      : logger_(std::move(logger)), resolve_peer_(std::move(resolve_peer)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<Logger> logger_;
  PeerResolver resolve_peer_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_ACCESS_LOG_H_
