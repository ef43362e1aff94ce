// Propagation macros in abseil's names behind the project prefix: abseil
// 20220623 has no status_macros.h, so switching later is a rename.
#ifndef AUTHGATE_SRC_STATUS_MACROS_H_
#define AUTHGATE_SRC_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AUTHGATE_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status authgate_status_ = (expr);            \
    if (!authgate_status_.ok()) return authgate_status_; \
  } while (false)

#define AUTHGATE_STATUS_CONCAT_INNER_(a, b) a##b
#define AUTHGATE_STATUS_CONCAT_(a, b) AUTHGATE_STATUS_CONCAT_INNER_(a, b)

#define AUTHGATE_ASSIGN_OR_RETURN(lhs, expr) \
  AUTHGATE_ASSIGN_OR_RETURN_IMPL_(           \
      AUTHGATE_STATUS_CONCAT_(authgate_statusor_, __LINE__), lhs, expr)

#define AUTHGATE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // AUTHGATE_SRC_STATUS_MACROS_H_
