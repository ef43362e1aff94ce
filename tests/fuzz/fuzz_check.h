// What every fuzz target asserts beyond "no crash": a refusal is a typed
// error, i.e. it carries an ErrorReason. A violation aborts, which libFuzzer
// (and the replay driver) report as a crash.
#ifndef AUTHGATE_TESTS_FUZZ_FUZZ_CHECK_H_
#define AUTHGATE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"

#include "authgate/status.h"

namespace authgate::fuzz {

// Aborts unless `status` is OK or carries a reason.
inline void CheckTyped(const absl::Status& status, const char* what) {
  if (!status.ok() && GetErrorReason(status) == ErrorReason::kUnspecified) {
    std::fprintf(stderr, "%s: refusal without a reason: %s\n", what,
                 status.ToString().c_str());
    std::abort();
  }
}

// Aborts when `condition` is false: an invariant of the parser broke.
inline void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace authgate::fuzz

#endif  // AUTHGATE_TESTS_FUZZ_FUZZ_CHECK_H_
