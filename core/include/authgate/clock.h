// The time seam: every time-dependent rule reads a Clock, so tests use a fake
// clock and never sleep.
//
//   std::shared_ptr<const Clock> clock = SystemClock();
//   absl::Time now = clock->Now();
#ifndef AUTHGATE_CLOCK_H_
#define AUTHGATE_CLOCK_H_

#include <memory>

#include "absl/time/time.h"

namespace authgate {

// Thread-safe source of the current time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The process-wide wall clock (absl::Now()). Thread-safe singleton.
std::shared_ptr<const Clock> SystemClock();

}  // namespace authgate

#endif  // AUTHGATE_CLOCK_H_
