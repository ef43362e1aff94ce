#include "authgate/process_setup.h"

#include "absl/synchronization/mutex.h"

namespace authgate {

void PrepareProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace authgate
