// authgate-server: the authgate gRPC token gateway.
//
// Start-up order: configuration is validated before anything binds (a bad
// one, a usage error included, prints one line naming the field and exits
// 2); PrepareStartup() then builds what the server runs with (registry and
// verifier, TLS credentials tried out on a loopback port), and
// --check_config runs exactly that and exits; then the metrics port, then
// the gRPC server. Health: "liveness" is SERVING while the process serves;
// "readiness" (and "", and each service's name) is SERVING once every
// provider has keys; the metrics port answers the same on /healthz and
// /readyz. SIGTERM/SIGINT: health goes NOT_SERVING, new connections are
// refused, in-flight calls get `shutdown_grace` to finish; at that deadline
// provider requests still running are aborted, so the process exits 0
// within the grace plus about a second. SIGHUP re-reads the secret files
// at once; they are also polled every `secret_poll_interval`.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc_service/access_log.h"
#include "grpc_service/auth_service.h"
#include "grpc_service/call_deadline.h"
#include "grpc_service/ext_authz_service.h"
#include "grpc_service/grpc_log.h"
#include "grpc_service/http2_guard.h"
#include "grpc_service/json_api/json_api.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/process_metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/server_config.h"
#include "grpc_service/web/http_server.h"
#include "grpc_service/web/web_face.h"
#include "grpc_service/worker_pool.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_posix.h"
#include "nlohmann/json.hpp"

#include "authgate/config_object.h"
#include "authgate/http_fetcher.h"
#include "authgate/process_setup.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/version.h"

namespace authgate::service {
namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitStartError = 1;

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "authgate-server: %.*s\n",
               static_cast<int>(message.size()), message.data());
  return code;
}

// Service names the health service answers. Readiness: every provider has
// keys; "" keeps that meaning, as before liveness existed.
constexpr const char* kLiveness = "liveness";
constexpr const char* kReadinessNames[] = {
    "", "readiness", "authgate.v1.AuthService",
    "envoy.service.auth.v3.Authorization"};

// The guard's bound over gRPC's: HPACK framing (literal prefixes, padding,
// priority) may make a block a little longer than the metadata it carries.
constexpr size_t kHeaderBlockSlack = 4096;

// How often gRPC re-reads the TLS files when secret polling is off (gRPC
// has no signal-driven reload).
constexpr absl::Duration kTlsRefreshWithoutPoll = absl::Seconds(60);

absl::Status TlsError(absl::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   ErrorReason::kConfigInvalid, message);
}

// Reads a PEM file (bounded, as every file the server reads) and checks it
// holds a block of the expected kind, naming field and file otherwise.
absl::StatusOr<std::string> ReadPem(absl::string_view field,
                                    const std::string& path,
                                    absl::string_view block,
                                    absl::string_view what) {
  absl::StatusOr<std::string> text = ReadConfigFile(field, path);
  if (text.ok() && (!absl::StrContains(*text, "-----BEGIN ") ||
                    !absl::StrContains(*text, block))) {
    return TlsError(absl::StrCat(field, ": \"", path, "\" is not ", what));
  }
  return text;
}

// TLS credentials whose files gRPC re-reads every `refresh` (a Kubernetes
// TLS Secret swapped in place): gRPC's own FileWatcherCertificateProvider,
// which keeps the pair it has when a new one fails to load.
std::shared_ptr<grpc::ServerCredentials> WatchedTlsCredentials(
    const TlsSettings& tls, grpc_ssl_client_certificate_request_type request,
    absl::Duration refresh) {
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key_file, tls.cert_file, tls.client_ca_file,
          static_cast<unsigned int>(
              std::max<int64_t>(1, absl::ToInt64Seconds(refresh))));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!tls.client_ca_file.empty()) options.watch_root_certs();
  options.set_cert_request_type(request);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const TlsSettings& tls, absl::Duration refresh) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert =
      ReadPem("tls.cert_file", tls.cert_file, "CERTIFICATE-----",
              "a PEM certificate chain");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(
      "tls.key_file", tls.key_file, "PRIVATE KEY-----", "a PEM private key");
  if (!key.ok()) return key.status();
  grpc_ssl_client_certificate_request_type request =
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  std::string roots;
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPem("tls.client_ca_file", tls.client_ca_file, "CERTIFICATE-----",
                "a PEM certificate bundle");
    if (!ca.ok()) return ca.status();
    roots = *std::move(ca);
    request = tls.require_client_cert
                  ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  grpc::SslServerCredentialsOptions options(request);
  options.pem_root_certs = roots;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::SslServerCredentials(options);
  // gRPC parses the PEM only when a port opens, and then says only that it
  // cannot listen: open one on loopback now, so the error names the files
  // and --check_config refuses what start-up would.
  grpc::ServerBuilder probe;
  int port = 0;
  probe.AddListeningPort("127.0.0.1:0", credentials, &port);
  std::unique_ptr<grpc::Server> server = probe.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::string ca =
        tls.client_ca_file.empty()
            ? ""
            : absl::StrCat(", tls.client_ca_file \"", tls.client_ca_file, "\"");
    return TlsError(absl::StrCat(
        "tls.cert_file \"", tls.cert_file, "\", tls.key_file \"", tls.key_file,
        "\"", ca,
        ": gRPC cannot use them (a malformed PEM block, or a key that does "
        "not match the certificate)"));
  }
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  // Checked once above with the files' content; served from the files so a
  // rotated certificate is picked up without a restart.
  return WatchedTlsCredentials(tls, request, refresh);
}

// The registry the server runs with: the verifier's checks (one issuer
// claimed by two providers, static key sets) are part of validating a
// configuration. No network I/O. Provider requests stop once `abort` says so.
absl::StatusOr<std::unique_ptr<ProviderRegistry>> BuildRegistry(
    const ServerConfig& config, std::shared_ptr<Logger> logger,
    std::function<bool()> abort) {
  CurlOptions curl;
  curl.ca_file = config.provider_ca_file;
  curl.abort = std::move(abort);
  for (const ProviderSettings& provider : config.providers) {
    if (provider.spec.allow_insecure_http) curl.allow_insecure_http = true;
  }
  ProviderRegistry::Dependencies registry_deps;
  registry_deps.fetcher =
      std::make_shared<DeadlineBoundFetcher>(CreateCurlHttpFetcher(curl));
  registry_deps.logger = std::move(logger);
  return ProviderRegistry::Create(config, registry_deps);
}

// What the server runs with, built from a validated configuration.
struct Startup {
  std::unique_ptr<ProviderRegistry> registry;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // The browser face; null unless web.listen is set.
  std::unique_ptr<WebFace> web;
};

// The one build shared by start-up and --check_config, so the check refuses
// exactly what start-up refuses. Errors name the field (and file).
absl::StatusOr<Startup> PrepareStartup(const ServerConfig& config,
                                       std::shared_ptr<Logger> logger,
                                       std::function<bool()> abort) {
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      BuildRegistry(config, logger, std::move(abort));
  if (!registry.ok()) return registry.status();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeCredentials(config.tls,
                      config.secret_poll_interval > absl::ZeroDuration()
                          ? config.secret_poll_interval
                          : kTlsRefreshWithoutPoll);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<WebFace> web;
  if (config.web.enabled()) {
    // Key ring, session store and redirect policy are read here, so
    // --check_config refuses what start-up would.
    WebFace::Dependencies web_deps;
    ProviderRegistry* providers = registry->get();
    web_deps.client = [providers, provider = config.web.provider,
                       client_id = config.web.client_id] {
      return providers->Client(provider, client_id);
    };
    web_deps.verifier = &providers->verifier();
    web_deps.logger = logger;
    absl::StatusOr<std::unique_ptr<WebFace>> face =
        WebFace::Create(config.web, std::move(web_deps));
    if (!face.ok()) return face.status();
    web = *std::move(face);
  }
  return Startup{*std::move(registry), *std::move(credentials), std::move(web)};
}

// The body of /readyz: overall and per provider, and the browser face's
// Redis session store when it has one (`web` may be null).
Metrics::HealthReport ReadinessReport(const ProviderRegistry& registry,
                                      const WebFace* web, bool draining) {
  nlohmann::json providers = nlohmann::json::object();
  bool all = true;
  for (const auto& [name, ready] : registry.Readiness()) {
    providers[name] = ready;
    all = all && ready;
  }
  nlohmann::json body = {{"providers", std::move(providers)}};
  if (web != nullptr && web->store()->kind() == "redis") {
    bool store_ok = web->store()->Ping().ok();
    body["session_store"] = store_ok;
    all = all && store_ok;
  }
  bool ok = all && !draining;
  body["status"] = draining ? "draining" : (ok ? "ready" : "not_ready");
  return {ok,
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
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
  if (config.web.enabled()) {
    report["web"] = {{"listen", config.web.listen},
                     {"prefix", config.web.prefix},
                     {"provider", config.web.provider},
                     {"client_id", config.web.client_id},
                     {"session_store", config.web.session_store}};
  }
  return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

int Run(int argc, char** argv) {
  // Block the shutdown signals before any thread exists: every thread
  // inherits the mask, and only sigwait() below receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGHUP);
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
  // Before the first gRPC object: its lines are JSON from the start.
  RouteGrpcLogs(logger);
  // Set at the drain deadline: provider requests still running then stop.
  auto cut_provider_requests = std::make_shared<std::atomic<bool>>(false);
  absl::StatusOr<Startup> startup =
      PrepareStartup(*config, logger, [cut = cut_provider_requests] {
        return cut->load(std::memory_order_relaxed);
      });
  if (!startup.ok()) {
    return Fail(kExitConfigError, absl::StrCat("invalid configuration: ",
                                               startup.status().message()));
  }
  if (config->check_only) {
    std::printf("configuration ok: %zu provider(s)\n%s\n",
                config->providers.size(), DescribeConfig(*config).c_str());
    return 0;
  }
  for (const char* event : {"token_rejected", "request_denied"}) {
    logger->LimitRate(event, static_cast<double>(config->rejection_log_rate));
  }
  std::shared_ptr<ProviderRegistry> registry = std::move(startup->registry);
  // After the registry (its client and verifier), before the metrics port
  // (whose /readyz reads its store): destroyed in between.
  std::shared_ptr<WebFace> web = std::move(startup->web);
  auto pool = std::make_shared<WorkerPool>(config->worker_threads,
                                           config->max_queued_calls);

  // Declared after registry and pool: destroyed first, so the scrape
  // collector below never outlives what it reads.
  auto metrics = std::make_shared<Metrics>();
  metrics->AddCollector([registry = registry.get(), pool = pool.get()] {
    std::vector<prometheus::MetricFamily> families = registry->CollectMetrics();
    for (prometheus::MetricFamily& family : CollectProcessMetrics(kVersion)) {
      families.push_back(std::move(family));
    }
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
  std::atomic<bool> draining{false};
  int metrics_port = 0;
  if (!config->metrics_listen.empty()) {
    Metrics::HealthPages pages;
    pages.live = [&draining] {
      // The process answers: it is alive, draining or not.
      return Metrics::HealthReport{true, draining.load()
                                             ? R"({"status":"draining"})"
                                             : R"({"status":"serving"})"};
    };
    pages.ready = [registry = registry.get(), web = web.get(), &draining] {
      return ReadinessReport(*registry, web, draining.load());
    };
    absl::StatusOr<int> port =
        metrics->Serve(config->metrics_listen, std::move(pages));
    if (!port.ok()) return Fail(kExitStartError, port.status().message());
    metrics_port = *port;
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      std::move(startup->credentials);

  // Plaintext TCP goes through the header guard (see http2_guard.h); TLS
  // connections cannot be read before gRPC, so gRPC listens itself.
  std::unique_ptr<Http2Guard> guard;
  if (!config->listen.empty() && config->header_guard &&
      !config->tls.enabled()) {
    absl::StatusOr<std::unique_ptr<Http2Guard>> listening = Http2Guard::Listen(
        config->listen, {config->max_metadata_bytes + kHeaderBlockSlack});
    if (!listening.ok()) {
      return Fail(kExitStartError, listening.status().message());
    }
    guard = *std::move(listening);
  }

  AuthServiceImpl auth_service(registry, pool, metrics, logger);
  ExtAuthzServiceImpl ext_authz_service(config->ext_authz, registry, metrics,
                                        logger);
  if (web != nullptr) {
    // A Check without an Authorization header is judged by its session
    // cookie, as /oauth2/auth judges it.
    ext_authz_service.EnableSessionCookies(
        [web](const std::string& cookie) { return web->JudgeCookie(cookie); },
        pool);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int tcp_port = 0;
  if (!config->listen.empty() && guard == nullptr) {
    builder.AddListeningPort(config->listen, credentials, &tcp_port);
  }
  if (!config->unix_socket.empty()) {
    builder.AddListeningPort(absl::StrCat("unix:", config->unix_socket),
                             credentials);
  }
  // gRPC sets SO_REUSEPORT by default: a second server on a busy port would
  // silently share it instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Bounds on what a client may send (docs/grpc.md, "Limits"): all metadata
  // of a request (advertised as SETTINGS_MAX_HEADER_LIST_SIZE), HTTP/2
  // frames (gRPC's own default, stated) and request messages, which fail
  // RESOURCE_EXHAUSTED above the bound.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE,
                             static_cast<int>(config->max_metadata_bytes));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, 16384);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config->max_message_bytes));
  if (config->max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               config->max_concurrent_streams);
  }
  if (config->access_log) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    AccessLogInterceptorFactory::PeerResolver peer_of;
    if (guard != nullptr) {
      peer_of = [guard = guard.get()](absl::string_view peer) {
        return guard->PeerOf(peer);
      };
    }
    interceptors.push_back(
        std::make_unique<AccessLogInterceptorFactory>(logger, peer_of));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.RegisterService(&auth_service);
  builder.RegisterService(&ext_authz_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server != nullptr && guard != nullptr) {
    guard->Start([server = server.get()](int fd) {
      grpc::AddInsecureChannelFromFd(server, fd);
    });
    tcp_port = guard->port();
  }
  if (server == nullptr || (!config->listen.empty() && tcp_port == 0)) {
    return Fail(kExitStartError,
                absl::StrCat("cannot listen on ",
                             config->listen.empty()
                                 ? absl::StrCat("unix:", config->unix_socket)
                                 : config->listen));
  }

  // The browser face, once the JSON API's in-process channel exists.
  std::unique_ptr<HttpServer> http;
  if (web != nullptr) {
    web->SetJsonApi(std::make_shared<JsonApi>(
        server->InProcessChannel(grpc::ChannelArguments())));
    absl::StatusOr<std::unique_ptr<HttpServer>> started = HttpServer::Start(
        {config->web.listen, config->web.threads},
        [web, metrics](const WebRequest& request) {
          absl::Time start = absl::Now();
          WebResponse response = web->Handle(request);
          metrics->RecordWebRequest(web->EndpointLabel(request.path),
                                    response.status, absl::Now() - start);
          return response;
        });
    if (!started.ok()) {
      return Fail(kExitStartError, started.status().message());
    }
    http = *std::move(started);
    logger->Info("web_started",
                 {{"listen", config->web.listen},
                  {"port", http->port()},
                  {"prefix", config->web.prefix},
                  {"session_store", std::string(web->store()->kind())}});
  }

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  // Liveness does not follow the providers: an outage must not restart
  // pods that would come back to the same outage.
  health->SetServingStatus(kLiveness, true);
  for (const char* service : kReadinessNames) {
    health->SetServingStatus(service, false);
  }
  registry->Start([health, &draining](bool ready) {
    // Once draining, readiness stays NOT_SERVING whatever the providers do.
    if (draining.load()) return;
    for (const char* service : kReadinessNames) {
      health->SetServingStatus(service, ready);
    }
  });
  std::vector<std::string> provider_names;
  for (const ProviderSettings& provider : config->providers) {
    provider_names.push_back(provider.spec.name);
  }
  logger->Info("server_started", {{"listen", config->listen},
                                  {"port", tcp_port},
                                  {"unix_socket", config->unix_socket},
                                  {"metrics_port", metrics_port},
                                  {"web_port", http ? http->port() : 0},
                                  {"tls", config->tls.enabled()},
                                  {"mtls", !config->tls.client_ca_file.empty()},
                                  {"providers", provider_names},
                                  {"worker_threads", config->worker_threads}});

  // Secret files change in place (a Kubernetes Secret swaps its ..data
  // symlink): re-read their content every poll interval, and at once on
  // SIGHUP. Content, not mtime or inotify, decides: a swapped symlink keeps
  // the path and may keep the mtime, and the files are tiny.
  absl::Mutex reload_mu;
  bool reload_now = false;
  bool reload_stop = false;
  std::thread reloader([&] {
    auto due = [&] {
      reload_mu.AssertHeld();
      return reload_now || reload_stop;
    };
    absl::MutexLock lock(&reload_mu);
    while (true) {
      if (config->secret_poll_interval > absl::ZeroDuration()) {
        reload_mu.AwaitWithTimeout(absl::Condition(&due),
                                   config->secret_poll_interval);
      } else {
        reload_mu.Await(absl::Condition(&due));
      }
      if (reload_stop) break;
      reload_now = false;
      reload_mu.Unlock();
      registry->ReloadSecrets();
      if (web != nullptr) web->ReloadKeys();
      reload_mu.Lock();
    }
  });

  int signal_number = 0;
  while (true) {
    sigwait(&shutdown_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    logger->Info("reload_requested", {{"signal", "SIGHUP"}});
    absl::MutexLock lock(&reload_mu);
    reload_now = true;
  }
  {
    absl::MutexLock lock(&reload_mu);
    reload_stop = true;
  }
  reloader.join();
  draining.store(true);
  health->SetServingStatus(false);
  if (guard != nullptr) guard->StopAccepting();
  logger->Info(
      "shutdown_started",
      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"grace_ms", absl::ToInt64Milliseconds(config->shutdown_grace)}});
  absl::Time started = absl::Now();
  absl::Time deadline = started + config->shutdown_grace;
  // At the deadline, provider requests still running are aborted: a call
  // (or lookup, or set-up) waiting on a slow provider then ends at once
  // instead of holding the exit for the provider's whole timeout.
  absl::Notification drained;
  std::thread cutter([&drained, &deadline, cut = cut_provider_requests] {
    if (!drained.WaitForNotificationWithDeadline(deadline)) cut->store(true);
  });
  // Stops accepting at once; calls still running after the deadline are
  // cancelled. Workers keep running meanwhile so queued calls can finish.
  // The browser face stops listening at once and finishes its requests
  // while gRPC drains (its JSON API calls are gRPC calls).
  std::thread web_stopper([&http] {
    if (http != nullptr) http->Stop();
  });
  server->Shutdown(absl::ToChronoTime(deadline));
  web_stopper.join();
  pool->Stop();
  registry->Stop();
  server->Wait();
  drained.Notify();
  cutter.join();
  if (guard != nullptr) guard->Stop();
  logger->Info(
      "shutdown_complete",
      {{"drain_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
  return 0;
}

}  // namespace
}  // namespace authgate::service

int main(int argc, char** argv) {
  authgate::PrepareProcess();
  return authgate::service::Run(argc, argv);
}
