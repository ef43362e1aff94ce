#include "grpc_service/grpc_log.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "grpc/support/log.h"

namespace authgate::service {
namespace {

// Set once, before gRPC logs (RouteGrpcLogs' contract), and never reset:
// gRPC may log from any thread until the process exits.
std::shared_ptr<Logger>* g_logger = nullptr;

bool MayCarryCredential(absl::string_view message) {
  std::string lower = absl::AsciiStrToLower(message);
  return absl::StrContains(lower, "bearer ") ||
         absl::StrContains(lower, "authorization") ||
         absl::StrContains(message, "eyJ");
}

void LogToJson(gpr_log_func_args* args) {
  Logger& logger = **g_logger;
  LogLevel level = LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) {
    level = LogLevel::kDebug;
  } else if (args->severity == GPR_LOG_SEVERITY_INFO) {
    level = LogLevel::kInfo;
  }
  if (!logger.Enabled(level)) return;
  absl::string_view file = args->file != nullptr ? args->file : "";
  // The path inside gRPC's tree is enough to find the line.
  size_t src = file.rfind("/src/");
  if (src != absl::string_view::npos) file.remove_prefix(src + 1);
  absl::string_view message = args->message != nullptr ? args->message : "";
  message = absl::StripTrailingAsciiWhitespace(message);
  std::string text;
  if (absl::StrContains(file, "tcp_") ||
      absl::StrContains(file, "secure_endpoint")) {
    // The tcp and secure_endpoint tracers hex-dump socket bytes: every
    // token and code of the calls.
    text = "(dropped: socket bytes)";
  } else if (level == LogLevel::kDebug) {
    text = "(dropped at debug severity: tracers may dump headers)";
  } else if (MayCarryCredential(message)) {
    text = "(dropped: may carry a credential)";
  } else {
    text = std::string(message.substr(0, kMaxGrpcLogMessage));
    if (message.size() > kMaxGrpcLogMessage) text += "...";
  }
  logger.Log(level, "grpc_log",
             {{"file", std::string(file)},
              {"line", args->line},
              {"message", std::move(text)}});
}

}  // namespace

void RouteGrpcLogs(std::shared_ptr<Logger> logger) {
  // Once per process: replacing the logger under a logging thread would race.
  if (g_logger != nullptr) return;
  g_logger = new std::shared_ptr<Logger>(std::move(logger));
  gpr_set_log_function(LogToJson);
}

}  // namespace authgate::service
