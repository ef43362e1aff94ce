#include "grpc_service/logger.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace authgate::service {

std::optional<LogLevel> LogLevelFromName(absl::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Logger::Logger(LogLevel min_level, std::FILE* out)
    : min_level_(min_level), out_(out) {}

void Logger::LimitRate(absl::string_view event, double per_second) {
  if (per_second > 0) {
    limits_[event] = std::make_unique<LogRateLimiter>(per_second);
  } else {
    limits_.erase(event);
  }
}

void Logger::Log(LogLevel level, absl::string_view event,
                 std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  uint64_t suppressed = 0;
  if (auto limit = limits_.find(event); limit != limits_.end()) {
    std::optional<uint64_t> admitted = limit->second->Admit();
    if (!admitted.has_value()) return;
    suppressed = *admitted;
  }
  // nlohmann keeps object keys sorted; ts/level/event are written first by
  // hand so a human scanning the stream sees them at the start of the line.
  nlohmann::json rest = nlohmann::json::object();
  for (const LogField& field : fields) {
    if (field.first == "ts" || field.first == "level" ||
        field.first == "event") {
      continue;
    }
    rest[field.first] = field.second;
  }
  if (suppressed > 0) rest["suppressed"] = suppressed;
  std::string line = "{\"ts\":\"";
  line += absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                           absl::UTCTimeZone());
  line += "\",\"level\":\"";
  absl::StrAppend(&line, LogLevelName(level));
  line += "\",\"event\":";
  // Replace invalid UTF-8 instead of throwing: fields can hold text that
  // came from a provider.
  line += nlohmann::json(std::string(event))
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string rest_text =
      rest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (rest_text.size() > 2) {
    line += ',';
    line.append(rest_text, 1, rest_text.size() - 1);
  } else {
    line += '}';
  }
  line += '\n';
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace authgate::service
