// authgate-server: the authgate gRPC token gateway.
//
// Start-up order: configuration is validated before anything binds (a bad
// one, a usage error included, prints one line naming the field and exits
// 2); --check_config runs the same validation, verifier included, and
// exits; then the metrics port,
// then the gRPC server, which answers health NOT_SERVING until every
// provider has keys. SIGTERM/SIGINT: health goes NOT_SERVING, new calls are
// refused, in-flight calls get `shutdown_grace` to finish, and the process
// exits 0.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc_service/auth_service.h"
#include "grpc_service/call_deadline.h"
#include "grpc_service/ext_authz_service.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/server_config.h"
#include "grpc_service/worker_pool.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "nlohmann/json.hpp"

#include "authgate/http_fetcher.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"

namespace authgate::service {
namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitStartError = 1;

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "authgate-server: %.*s\n",
               static_cast<int>(message.size()), message.data());
  return code;
}

absl::StatusOr<std::string> ReadPem(absl::string_view field,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid,
                     absl::StrCat(field, ": cannot read ", path));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const TlsSettings& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadPem("tls.cert_file", tls.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("tls.key_file", tls.key_file);
  if (!key.ok()) return key.status();
  grpc_ssl_client_certificate_request_type request =
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  std::string roots;
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPem("tls.client_ca_file", tls.client_ca_file);
    if (!ca.ok()) return ca.status();
    roots = *std::move(ca);
    request = tls.require_client_cert
                  ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  grpc::SslServerCredentialsOptions options(request);
  options.pem_root_certs = roots;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

// The registry the server runs with, built the same way for --check_config:
// the verifier's checks (one issuer claimed by two providers, static key
// sets) are part of validating a configuration. No network I/O.
absl::StatusOr<std::unique_ptr<ProviderRegistry>> BuildRegistry(
    const ServerConfig& config, std::shared_ptr<Logger> logger) {
  CurlOptions curl;
  curl.ca_file = config.provider_ca_file;
  for (const ProviderSettings& provider : config.providers) {
    if (provider.spec.allow_insecure_http) curl.allow_insecure_http = true;
  }
  ProviderRegistry::Dependencies registry_deps;
  registry_deps.fetcher =
      std::make_shared<DeadlineBoundFetcher>(CreateCurlHttpFetcher(curl));
  registry_deps.logger = std::move(logger);
  return ProviderRegistry::Create(config, registry_deps);
}

// --check_config's report: the providers as the server reads them, without
// secrets (DescribeProviderSpec).
std::string DescribeConfig(const ServerConfig& config) {
  nlohmann::json providers = nlohmann::json::array();
  for (const ProviderSettings& provider : config.providers) {
    nlohmann::json described = DescribeProviderSpec(provider.spec);
    described["origin"] = provider.origin;
    providers.push_back(std::move(described));
  }
  nlohmann::json report = {{"providers", std::move(providers)}};
  return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

int Run(int argc, char** argv) {
  // Block the shutdown signals before any thread exists: every thread
  // inherits the mask, and only sigwait() below receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  // Debian builds abseil with Mutex deadlock detection on; in a server it
  // adds a global graph update to every Mutex creation and nested lock.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig(args, ProcessEnvironment());
  if (!config.ok()) {
    return Fail(kExitConfigError, absl::StrCat("invalid configuration: ",
                                               config.status().message()));
  }
  if (config->help) {
    std::fputs(ServerUsage().c_str(), stdout);
    return 0;
  }
  if (config->version) {
    std::printf("%s\n", ServerVersion().c_str());
    return 0;
  }
  auto logger = std::make_shared<Logger>(config->log_level);
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> created =
      BuildRegistry(*config, logger);
  if (!created.ok()) {
    return Fail(kExitConfigError, absl::StrCat("invalid configuration: ",
                                               created.status().message()));
  }
  if (config->check_only) {
    // The start path below reads the TLS files too; refuse what it refuses.
    if (absl::Status tls = MakeCredentials(config->tls).status(); !tls.ok()) {
      return Fail(kExitConfigError,
                  absl::StrCat("invalid configuration: ", tls.message()));
    }
    std::printf("configuration ok: %zu provider(s)\n%s\n",
                config->providers.size(), DescribeConfig(*config).c_str());
    return 0;
  }
  for (const char* event : {"token_rejected", "request_denied"}) {
    logger->LimitRate(event, static_cast<double>(config->rejection_log_rate));
  }
  std::shared_ptr<ProviderRegistry> registry = *std::move(created);
  auto pool = std::make_shared<WorkerPool>(config->worker_threads,
                                           config->max_queued_calls);

  // Declared after registry and pool: destroyed first, so the scrape
  // collector below never outlives what it reads.
  auto metrics = std::make_shared<Metrics>();
  metrics->AddCollector([registry = registry.get(), pool = pool.get()] {
    std::vector<prometheus::MetricFamily> families = registry->CollectMetrics();
    prometheus::MetricFamily queued;
    queued.name = "authgate_worker_queue_depth";
    queued.help = "Calls waiting for a worker thread";
    queued.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric sample;
    sample.gauge.value = static_cast<double>(pool->queued());
    queued.metric.push_back(sample);
    families.push_back(std::move(queued));
    return families;
  });
  int metrics_port = 0;
  if (!config->metrics_listen.empty()) {
    absl::StatusOr<int> port = metrics->Serve(config->metrics_listen);
    if (!port.ok()) return Fail(kExitStartError, port.status().message());
    metrics_port = *port;
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeCredentials(config->tls);
  if (!credentials.ok()) {
    return Fail(kExitConfigError, absl::StrCat("invalid configuration: ",
                                               credentials.status().message()));
  }

  AuthServiceImpl auth_service(registry, pool, metrics, logger);
  ExtAuthzServiceImpl ext_authz_service(config->ext_authz, registry, pool,
                                        metrics, logger);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int tcp_port = 0;
  if (!config->listen.empty()) {
    builder.AddListeningPort(config->listen, *credentials, &tcp_port);
  }
  if (!config->unix_socket.empty()) {
    builder.AddListeningPort(absl::StrCat("unix:", config->unix_socket),
                             *credentials);
  }
  // gRPC sets SO_REUSEPORT by default: a second server on a busy port would
  // silently share it instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (config->max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               config->max_concurrent_streams);
  }
  builder.RegisterService(&auth_service);
  builder.RegisterService(&ext_authz_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || (!config->listen.empty() && tcp_port == 0)) {
    return Fail(kExitStartError,
                absl::StrCat("cannot listen on ",
                             config->listen.empty()
                                 ? absl::StrCat("unix:", config->unix_socket)
                                 : config->listen));
  }

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  // Register each service by name too, so a per-service probe works; the
  // all-services setter below then moves them together.
  for (const char* service :
       {"authgate.v1.AuthService", "envoy.service.auth.v3.Authorization"}) {
    health->SetServingStatus(service, false);
  }
  health->SetServingStatus(false);
  std::atomic<bool> draining{false};
  registry->Start([health, &draining](bool ready) {
    // Once draining, health stays NOT_SERVING whatever the providers do.
    if (!draining.load()) health->SetServingStatus(ready);
  });
  std::vector<std::string> provider_names;
  for (const ProviderSettings& provider : config->providers) {
    provider_names.push_back(provider.spec.name);
  }
  logger->Info("server_started", {{"listen", config->listen},
                                  {"port", tcp_port},
                                  {"unix_socket", config->unix_socket},
                                  {"metrics_port", metrics_port},
                                  {"tls", config->tls.enabled()},
                                  {"mtls", !config->tls.client_ca_file.empty()},
                                  {"providers", provider_names},
                                  {"worker_threads", config->worker_threads}});

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  draining.store(true);
  health->SetServingStatus(false);
  logger->Info(
      "shutdown_started",
      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"grace_ms", absl::ToInt64Milliseconds(config->shutdown_grace)}});
  absl::Time started = absl::Now();
  // Stops accepting at once; calls still running after the deadline are
  // cancelled. Workers keep running meanwhile so queued calls can finish.
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(config->shutdown_grace));
  pool->Stop();
  registry->Stop();
  server->Wait();
  logger->Info(
      "shutdown_complete",
      {{"drain_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
  return 0;
}

}  // namespace
}  // namespace authgate::service

int main(int argc, char** argv) { return authgate::service::Run(argc, argv); }
