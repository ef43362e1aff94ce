// The caller's gRPC deadline, carried to the provider round trips made for
// the call.
//
// OAuth RPCs run on the worker pool and call the provider through the
// OAuthClient, whose requests would otherwise wait the provider's whole
// http_timeout however soon the caller gives up. A CallDeadlineScope on the
// worker thread names the call's deadline; the DeadlineBoundFetcher the
// server hands to every OAuthClient shortens each request's timeout to the
// time left, and refuses to start one when none is left.
//
// Requests made outside a scope (the background JWKS refresh, start-up
// discovery) keep their own timeout.
//
//   auto fetcher = std::make_shared<DeadlineBoundFetcher>(
//       CreateCurlHttpFetcher(curl));                  // once, at start
//   ...
//   CallDeadlineScope scope(absl::FromChrono(context->deadline()));
//   client->Refresh(refresh_token);                     // on the worker
#ifndef AUTHGATE_GRPC_SERVICE_CALL_DEADLINE_H_
#define AUTHGATE_GRPC_SERVICE_CALL_DEADLINE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "authgate/http_fetcher.h"

namespace authgate::service {

// Sets the current thread's call deadline for its lifetime. Scopes do not
// nest.
class CallDeadlineScope {
 public:
  explicit CallDeadlineScope(absl::Time deadline);
  ~CallDeadlineScope();
  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;
};

// The current thread's call deadline; absl::InfiniteFuture() outside a scope.
absl::Time CurrentCallDeadline();

// Thread-safe decorator over another fetcher.
class DeadlineBoundFetcher final : public HttpFetcher {
 public:
  // `now` is injectable for tests.
  explicit DeadlineBoundFetcher(std::shared_ptr<HttpFetcher> inner,
                                absl::Time (*now)() = &absl::Now);

  // Inside a scope: the request's timeout becomes the smaller of its own and
  // the time left; with no time left, kDeadlineExceeded provider_timeout
  // without a request. Otherwise forwards unchanged.
  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) override;

 private:
  std::shared_ptr<HttpFetcher> inner_;
  absl::Time (*now_)();
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_CALL_DEADLINE_H_
