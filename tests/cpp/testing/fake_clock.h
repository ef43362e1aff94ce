// FakeClock: a Clock tests move by hand. Thread-safe.
#ifndef AUTHGATE_TESTS_CPP_TESTING_FAKE_CLOCK_H_
#define AUTHGATE_TESTS_CPP_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "authgate/clock.h"

namespace authgate::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now = absl::FromUnixSeconds(1700000000))
      : now_(now) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace authgate::testing

#endif  // AUTHGATE_TESTS_CPP_TESTING_FAKE_CLOCK_H_
