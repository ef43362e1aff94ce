// ExtAuthzServiceImpl: Envoy's external authorization API
// (envoy.service.auth.v3.Authorization/Check), so Envoy or Istio can ask
// authgate about each HTTP request directly.
//
// The bearer token comes from the request's Authorization header, read as
// RFC 6750 section 2.1 writes it: "Bearer" (any case), one space, then the
// token as is (BearerCredentials()); the token is then judged by the core
// exactly as ValidateToken judges it. Verdicts:
//   valid                 OK; the upstream request gets x-authgate-sub,
//                         x-authgate-username, x-authgate-client-id,
//                         x-authgate-token-use, x-authgate-scopes,
//                         x-authgate-groups, x-authgate-issuer,
//                         x-authgate-provider and x-authgate-expires-at
//                         (overwriting any the client sent; those of them
//                         this token has no value for are removed, so none
//                         can be forged)
//   no bearer token       401, WWW-Authenticate: Bearer realm="authgate"
//   token not acceptable  401, ... error="invalid_token" (RFC 6750 3.1)
//   scope/group missing   403, ... error="insufficient_scope"
//   provider unavailable  503
// The Check RPC itself succeeds; the verdict is in CheckResponse.status.
// Defaults come from ExtAuthzSettings; Envoy may override them per route
// with context_extensions (see ExtAuthzSettings); a malformed extension
// (e.g. authgate-scope-match "some") is a route error answered 500.
//
// With the browser face on (EnableSessionCookies), a request without an
// Authorization header is judged by its session cookie instead, exactly as
// /oauth2/auth judges it (refresh included), on the worker pool since that
// may wait on Redis or the provider: OK with the X-Auth-Request-* identity
// headers and x-authgate-sub (client copies of either family removed) and
// the Cookie header rewritten without authgate's cookies; a failure is 401
// (503 when the store or provider is down) with the reason.
//
// Reactions never block, as in AuthServiceImpl. Thread-safe.
//
//   ExtAuthzServiceImpl ext_authz(config.ext_authz, registry, metrics, logger);
//   builder.RegisterService(&ext_authz);   // same port as AuthService
#ifndef AUTHGATE_GRPC_SERVICE_EXT_AUTHZ_SERVICE_H_
#define AUTHGATE_GRPC_SERVICE_EXT_AUTHZ_SERVICE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service/arena_message_allocator.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/server_config.h"
#include "grpc_service/worker_pool.h"
#include "grpcpp/grpcpp.h"

#include "authgate/token_verifier.h"
#include "authgate/verified_token.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"

namespace authgate::service {

// The browser face's answer about one Cookie header (SessionGate, wired in
// main.cc so this library does not depend on the face).
struct CookieVerdict {
  absl::Status status;
  // Identity headers to set upstream (X-Auth-Request-*), when OK.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string subject;
  // The Cookie header without authgate's cookies ("" when none remain).
  std::string upstream_cookie;
  // Set-Cookie values for the browser (a refreshed session, or clearing a
  // dead one).
  std::vector<std::string> set_cookie;
};
using CookieJudge = std::function<CookieVerdict(const std::string& cookie)>;

class ExtAuthzServiceImpl final
    : public envoy::service::auth::v3::Authorization::CallbackService {
 public:
  // All pointers are required and must outlive the server.
  ExtAuthzServiceImpl(ExtAuthzSettings settings,
                      std::shared_ptr<const ProviderRegistry> registry,
                      std::shared_ptr<Metrics> metrics,
                      std::shared_ptr<Logger> logger);

  // Judges requests without an Authorization header by their Cookie header
  // with `judge`, on `pool`. Call before the server starts.
  void EnableSessionCookies(CookieJudge judge,
                            std::shared_ptr<WorkerPool> pool) {
    cookie_judge_ = std::move(judge);
    pool_ = std::move(pool);
  }

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const envoy::service::auth::v3::CheckRequest* request,
      envoy::service::auth::v3::CheckResponse* response) override;

 private:
  // Fills `response` with the verdict for `result`, records it.
  void Complete(const absl::StatusOr<VerifiedToken>& result,
                const envoy::service::auth::v3::CheckRequest& request,
                const VerifyOptions& options, absl::Time start,
                envoy::service::auth::v3::CheckResponse* response) const;

  // Fills `response` with the verdict of the session cookie path.
  void CompleteCookie(const CookieVerdict& verdict,
                      const envoy::service::auth::v3::CheckRequest& request,
                      absl::Time start,
                      envoy::service::auth::v3::CheckResponse* response) const;

  const ExtAuthzSettings settings_;
  CookieJudge cookie_judge_;
  std::shared_ptr<WorkerPool> pool_;
  std::shared_ptr<const ProviderRegistry> registry_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<Logger> logger_;
  ArenaMessageAllocator<envoy::service::auth::v3::CheckRequest,
                        envoy::service::auth::v3::CheckResponse>
      check_allocator_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_EXT_AUTHZ_SERVICE_H_
