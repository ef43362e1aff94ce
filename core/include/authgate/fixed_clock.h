// FixedClock: a Clock that always reads one instant, for audits and
// reproducible reports (the CLI's --now) and for tests that need no
// advancing. Thread-safe.
//
//   auto clock = std::make_shared<FixedClock>(absl::FromUnixSeconds(1.7e9));
//   VerifierDependencies deps;
//   deps.clock = clock;
#ifndef AUTHGATE_FIXED_CLOCK_H_
#define AUTHGATE_FIXED_CLOCK_H_

#include "absl/time/time.h"

#include "authgate/clock.h"

namespace authgate {

class FixedClock final : public Clock {
 public:
  explicit FixedClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override { return now_; }

 private:
  const absl::Time now_;
};

}  // namespace authgate

#endif  // AUTHGATE_FIXED_CLOCK_H_
