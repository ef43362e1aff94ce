// IsOk() and StatusIs(code[, reason]) for absl::Status and absl::StatusOr<T>.
// absl/status/status_matchers.h is not in abseil 20220623.
#ifndef AUTHGATE_TESTS_CPP_TESTING_STATUS_MATCHERS_H_
#define AUTHGATE_TESTS_CPP_TESTING_STATUS_MATCHERS_H_

#include <optional>
#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

#include "authgate/status.h"

namespace authgate::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, reason,
           "has code " + absl::StatusCodeToString(code) + " and reason " +
               std::string(ErrorReasonName(reason))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status << " (reason "
                   << ErrorReasonName(GetErrorReason(status)) << ")";
  return status.code() == code && GetErrorReason(status) == reason;
}

}  // namespace authgate::testing

#endif  // AUTHGATE_TESTS_CPP_TESTING_STATUS_MATCHERS_H_
