#include "grpc_service/log_rate_limiter.h"

#include <algorithm>

namespace authgate::service {

LogRateLimiter::LogRateLimiter(double per_second, absl::Time (*now)())
    : per_second_(per_second),
      now_(now),
      tokens_(std::max(1.0, per_second)),
      last_refill_(now()) {}

std::optional<uint64_t> LogRateLimiter::Admit() {
  absl::MutexLock lock(&mu_);
  absl::Time now = now_();
  double elapsed = absl::ToDoubleSeconds(now - last_refill_);
  if (elapsed > 0) {
    tokens_ =
        std::min(std::max(1.0, per_second_), tokens_ + elapsed * per_second_);
    last_refill_ = now;
  }
  if (tokens_ < 1.0) {
    ++dropped_;
    return std::nullopt;
  }
  tokens_ -= 1.0;
  uint64_t dropped = dropped_;
  dropped_ = 0;
  return dropped;
}

}  // namespace authgate::service
