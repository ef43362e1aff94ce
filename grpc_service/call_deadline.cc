#include "grpc_service/call_deadline.h"

#include <utility>

#include "authgate/status.h"

namespace authgate::service {
namespace {

thread_local absl::Time call_deadline = absl::InfiniteFuture();

}  // namespace

CallDeadlineScope::CallDeadlineScope(absl::Time deadline) {
  call_deadline = deadline;
}
CallDeadlineScope::~CallDeadlineScope() {
  call_deadline = absl::InfiniteFuture();
}

absl::Time CurrentCallDeadline() { return call_deadline; }

DeadlineBoundFetcher::DeadlineBoundFetcher(std::shared_ptr<HttpFetcher> inner,
                                           absl::Time (*now)())
    : inner_(std::move(inner)), now_(now) {}

absl::StatusOr<HttpResponse> DeadlineBoundFetcher::Fetch(
    const HttpRequest& request) {
  absl::Time deadline = CurrentCallDeadline();
  if (deadline == absl::InfiniteFuture()) return inner_->Fetch(request);
  absl::Duration left = deadline - now_();
  // libcurl's timeouts have millisecond resolution; less than that is none.
  if (left < absl::Milliseconds(1)) {
    return MakeError(absl::StatusCode::kDeadlineExceeded,
                     ErrorReason::kProviderTimeout,
                     "the call's deadline passed before the provider request");
  }
  if (left >= request.timeout) return inner_->Fetch(request);
  HttpRequest bounded = request;
  bounded.timeout = left;
  return inner_->Fetch(bounded);
}

}  // namespace authgate::service
