// Logger: structured JSON logs, one object per line, for authgate-server.
//
// Every line has "ts" (RFC 3339 UTC, milliseconds), "level" and "event",
// followed by the event's fields. Fields are public identifiers only: a token
// is logged as TokenFingerprint(token) under "token_fp", never whole or in
// part; codes, secrets and Authorization headers are never logged.
//
// Thread-safe: a line is formatted outside the lock and written with one
// fwrite under it, so concurrent lines never interleave.
//
// Events that clients can trigger at will (token_rejected, request_denied)
// can be rate-limited with LimitRate(); a line written after dropped ones
// carries "suppressed": N.
//
//   auto logger = std::make_shared<Logger>(LogLevel::kInfo);
//   logger->Info("token_rejected", {{"reason", "token_expired"},
//                                   {"token_fp", TokenFingerprint(jwt)}});
//   // {"ts":"2025-01-02T03:04:05.678Z","level":"info",
//   //  "event":"token_rejected","reason":"token_expired","token_fp":"1a2b..."}
#ifndef AUTHGATE_GRPC_SERVICE_LOGGER_H_
#define AUTHGATE_GRPC_SERVICE_LOGGER_H_

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpc_service/log_rate_limiter.h"
#include "nlohmann/json.hpp"

namespace authgate::service {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> LogLevelFromName(absl::string_view name);
absl::string_view LogLevelName(LogLevel level);

// One field of a log line: a name and any JSON value (string, number, bool,
// array).
using LogField = std::pair<std::string, nlohmann::json>;

class Logger {
 public:
  // Lines below `min_level` are dropped. `out` is not owned and must outlive
  // the logger; stderr by default.
  explicit Logger(LogLevel min_level, std::FILE* out = stderr);

  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // At most `per_second` lines of `event` from now on (0: no limit). Call
  // before the logger is shared between threads.
  void LimitRate(absl::string_view event, double per_second);

  // True when a line at `level` would be written: lets a caller skip
  // computing expensive fields (e.g. a fingerprint) for dropped lines.
  bool Enabled(LogLevel level) const { return level >= min_level_; }

  void Log(LogLevel level, absl::string_view event,
           std::initializer_list<LogField> fields = {});
  void Debug(absl::string_view event,
             std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kDebug, event, fields);
  }
  void Info(absl::string_view event,
            std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, event, fields);
  }
  void Warn(absl::string_view event,
            std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarn, event, fields);
  }
  void Error(absl::string_view event,
             std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, event, fields);
  }

 private:
  const LogLevel min_level_;
  // Written only by LimitRate, before concurrent use.
  absl::flat_hash_map<std::string, std::unique_ptr<LogRateLimiter>> limits_;
  absl::Mutex mu_;
  std::FILE* const out_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_LOGGER_H_
