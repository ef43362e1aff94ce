// AuthServiceImpl: the authgate.v1.AuthService gRPC API on the callback
// (reactor) API.
//
// Each handler converts the request, calls the core and finishes with
// ToGrpcStatus(); it holds no policy. Reactions never block (gRPC's rule):
//   - ValidateToken verifies inline inside a NonBlockingScope, which is pure
//     CPU when the provider's keys are cached; if the verifier needs the
//     network (cold JWKS, unknown kid) the call waits for the provider's one
//     key lookup as a continuation (FinishAfterKeys), holding no worker.
//   - ExchangeCode, RefreshToken, GetClientCredentialsToken, GetUserInfo and
//     RevokeToken always run on the worker pool and finish from there.
//   - BuildAuthorizationUrl, BuildLogoutUrl and GetProviderMetadata touch no
//     network and finish inline.
// Work that waited in the queue past the call's deadline (or whose client
// cancelled) is not started; it finishes DEADLINE_EXCEEDED / CANCELLED. A
// full queue answers RESOURCE_EXHAUSTED at once. An OAuth call's provider
// requests run under a CallDeadlineScope and end at the caller's deadline.
//
// Thread-safe; one instance serves every call.
//
//   AuthServiceImpl service(registry, pool, metrics, logger);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
#ifndef AUTHGATE_GRPC_SERVICE_AUTH_SERVICE_H_
#define AUTHGATE_GRPC_SERVICE_AUTH_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service/arena_message_allocator.h"
#include "grpc_service/deferred_key_source.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/worker_pool.h"
#include "grpcpp/grpcpp.h"

#include "authgate/v1/auth_service.grpc.pb.h"
#include "authgate/verified_token.h"

namespace authgate::service {

// Runs `work` on `pool` and finishes `reactor` with its status, unless the
// call was cancelled or its deadline passed while queued. Finishes with
// RESOURCE_EXHAUSTED at once when the queue is full. Shared by both
// services.
void FinishOnWorker(WorkerPool& pool, Metrics& metrics,
                    grpc::CallbackServerContext* context,
                    grpc::ServerUnaryReactor* reactor,
                    std::function<absl::Status()> work);

// After `scope` blocked on a key lookup: finishes `reactor` with `work`'s
// status once that lookup is done (DeferredKeySource; no thread waits
// meanwhile), unless the call was cancelled or its deadline passed.
// Finishes with RESOURCE_EXHAUSTED at once when too many calls wait for the
// provider's keys. Shared by both services.
void FinishAfterKeys(NonBlockingScope& scope, Metrics& metrics,
                     grpc::CallbackServerContext* context,
                     grpc::ServerUnaryReactor* reactor,
                     std::function<absl::Status()> work);

class AuthServiceImpl final : public v1::AuthService::CallbackService {
 public:
  // All arguments are required and must outlive the server.
  AuthServiceImpl(std::shared_ptr<const ProviderRegistry> registry,
                  std::shared_ptr<WorkerPool> pool,
                  std::shared_ptr<Metrics> metrics,
                  std::shared_ptr<Logger> logger);

  grpc::ServerUnaryReactor* ValidateToken(
      grpc::CallbackServerContext* context,
      const v1::ValidateTokenRequest* request,
      v1::ValidateTokenResponse* response) override;
  grpc::ServerUnaryReactor* ExchangeCode(
      grpc::CallbackServerContext* context,
      const v1::ExchangeCodeRequest* request,
      v1::ExchangeCodeResponse* response) override;
  grpc::ServerUnaryReactor* RefreshToken(
      grpc::CallbackServerContext* context,
      const v1::RefreshTokenRequest* request,
      v1::RefreshTokenResponse* response) override;
  grpc::ServerUnaryReactor* GetClientCredentialsToken(
      grpc::CallbackServerContext* context,
      const v1::GetClientCredentialsTokenRequest* request,
      v1::GetClientCredentialsTokenResponse* response) override;
  grpc::ServerUnaryReactor* GetUserInfo(
      grpc::CallbackServerContext* context,
      const v1::GetUserInfoRequest* request,
      v1::GetUserInfoResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(
      grpc::CallbackServerContext* context,
      const v1::RevokeTokenRequest* request,
      v1::RevokeTokenResponse* response) override;
  grpc::ServerUnaryReactor* BuildAuthorizationUrl(
      grpc::CallbackServerContext* context,
      const v1::BuildAuthorizationUrlRequest* request,
      v1::BuildAuthorizationUrlResponse* response) override;
  grpc::ServerUnaryReactor* BuildLogoutUrl(
      grpc::CallbackServerContext* context,
      const v1::BuildLogoutUrlRequest* request,
      v1::BuildLogoutUrlResponse* response) override;
  grpc::ServerUnaryReactor* GetProviderMetadata(
      grpc::CallbackServerContext* context,
      const v1::GetProviderMetadataRequest* request,
      v1::GetProviderMetadataResponse* response) override;

 private:
  // An OAuth call: resolves the provider (writing its configured name to
  // `provider`, for metrics), calls the client and fills the response.
  using OAuthWork = std::function<absl::Status(std::string* provider)>;

  // Turns a verification result into the response, the metric and the log
  // line; returns the status to finish with.
  absl::Status Complete(const absl::StatusOr<VerifiedToken>& result,
                        const v1::ValidateTokenRequest& request,
                        absl::Time start,
                        v1::ValidateTokenResponse* response) const;
  // Runs `work` on the worker pool with its metric and log line.
  void RunOAuthCall(grpc::CallbackServerContext* context,
                    grpc::ServerUnaryReactor* reactor, const char* call,
                    OAuthWork work);

  std::shared_ptr<const ProviderRegistry> registry_;
  std::shared_ptr<WorkerPool> pool_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<Logger> logger_;
  ArenaMessageAllocator<v1::ValidateTokenRequest, v1::ValidateTokenResponse>
      validate_allocator_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_AUTH_SERVICE_H_
