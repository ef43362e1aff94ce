// The AuthService RPCs over HTTP+JSON (POST /v1/{Rpc}, docs/web.md): the
// request message in protobuf's canonical JSON, answered by calling the same
// RPC on the server through its in-process channel, so verdicts and reasons
// are those of the gRPC face by construction.
//
//   JsonApi api(server->InProcessChannel(grpc::ChannelArguments()));
//   JsonApiReply reply = api.Call("ValidateToken", R"({"token": "..."})",
//                                 absl::Seconds(5));
//   // reply.http_status 200 and the response message's JSON, or e.g. 401
//   // {"code": 16, "message": "...", "reason": "token_expired"}.
#ifndef AUTHGATE_GRPC_SERVICE_JSON_API_JSON_API_H_
#define AUTHGATE_GRPC_SERVICE_JSON_API_JSON_API_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace authgate::service {

// Largest request body Call accepts (the HTTP server also bounds it).
inline constexpr size_t kMaxJsonApiBodyBytes = 1 << 20;

struct JsonApiReply {
  int http_status = 200;
  std::string body;  // application/json
  // e.g. {"authgate-error-reason", "token_expired"} on every error.
  std::vector<std::pair<std::string, std::string>> headers;
};

// HTTP status of a gRPC status code (the contract's table: INVALID_ARGUMENT
// 400, UNAUTHENTICATED 401, ..., others 500).
int HttpStatusFromGrpcCode(int grpc_code);

class JsonApi {
 public:
  explicit JsonApi(std::shared_ptr<grpc::Channel> channel);

  // `rpc`: the path segment after "/v1/" ("ValidateToken"). `timeout`: the
  // call's deadline from now. Thread-safe.
  JsonApiReply Call(absl::string_view rpc, absl::string_view body,
                    absl::Duration timeout) const;

 private:
  // The stub and the RPC table (json_api.cc), shared by copies.
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_JSON_API_JSON_API_H_
