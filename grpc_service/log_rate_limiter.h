// LogRateLimiter: caps how many lines of one log event are written, so a
// client sending a flood of bad tokens cannot flood the log (or spend the
// server's CPU formatting it). A token bucket: `per_second` lines per second
// on average, bursts up to one second's worth. Dropped lines are counted and
// the next written line reports how many, so nothing is lost silently.
// Metrics still count every event.
//
// Thread-safe.
//
//   LogRateLimiter limiter(/*per_second=*/20);
//   if (std::optional<uint64_t> dropped = limiter.Admit()) {
//     Write(line, /*suppressed=*/*dropped);
//   }
#ifndef AUTHGATE_GRPC_SERVICE_LOG_RATE_LIMITER_H_
#define AUTHGATE_GRPC_SERVICE_LOG_RATE_LIMITER_H_

#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace authgate::service {

class LogRateLimiter {
 public:
  // `per_second` > 0. `now` is injectable for tests.
  explicit LogRateLimiter(double per_second, absl::Time (*now)() = &absl::Now);

  // nullopt: drop this line. Otherwise write it; the value is the number of
  // lines dropped since the last one admitted.
  std::optional<uint64_t> Admit();

 private:
  const double per_second_;
  absl::Time (*const now_)();
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time last_refill_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_LOG_RATE_LIMITER_H_
