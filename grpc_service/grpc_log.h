// RouteGrpcLogs: gRPC's own log lines (gpr_log) through the JSON Logger, so
// stderr holds only JSON lines.
//
// Each becomes {"event":"grpc_log","level":...,"file":...,"line":N,
// "message":...}, gRPC's severity mapped to debug / info / error. The
// message is cut to kMaxGrpcLogMessage bytes; at debug severity (where
// gRPC's tracers dump frames and headers) it is dropped, and at any
// severity a message that looks like it carries a credential ("Bearer ",
// "authorization", a JWT's "eyJ") is replaced by a note, as is every line
// of gRPC's tcp and secure_endpoint code (their tracers dump socket bytes).
// GRPC_VERBOSITY still selects which lines gRPC emits (its default: errors
// only).
//
//   auto logger = std::make_shared<Logger>(LogLevel::kInfo);
//   RouteGrpcLogs(logger);   // before the first gRPC object is made
#ifndef AUTHGATE_GRPC_SERVICE_GRPC_LOG_H_
#define AUTHGATE_GRPC_SERVICE_GRPC_LOG_H_

#include <cstddef>
#include <memory>

#include "grpc_service/logger.h"

namespace authgate::service {

inline constexpr size_t kMaxGrpcLogMessage = 512;

// Installs the routing for the life of the process (gRPC has one global log
// function); `logger` is kept alive by it. Later calls do nothing.
void RouteGrpcLogs(std::shared_ptr<Logger> logger);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_GRPC_LOG_H_
