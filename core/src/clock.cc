#include "authgate/clock.h"

#include "absl/time/clock.h"

namespace authgate {
namespace {

class WallClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

std::shared_ptr<const Clock> SystemClock() {
  static const auto* const kClock =
      new std::shared_ptr<const Clock>(std::make_shared<WallClock>());
  return *kClock;
}

}  // namespace authgate
