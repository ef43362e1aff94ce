// authgate-bench-noop-server: the "call that does nothing" baseline of
// tests/perf/hot_paths/grpc_table.py.
//
// Serves authgate.v1.AuthService/ValidateToken on gRPC's callback API and
// answers every call with an empty OK response, finished inline on the
// reactor thread (no verification, no worker hop), plus gRPC's standard
// health service. What matters for the per-call cost is set up as
// authgate-server does it (grpc_service/main.cc): the same channel
// arguments at their default values, the callback API, the same
// PrepareProcess() (abseil's debug-only deadlock detector off), shutdown
// signals blocked before any thread starts. It has no header guard:
// grpc_table.py measures authgate-server with and without its guard against
// this plain listener. The other AuthService methods answer UNIMPLEMENTED.
//
// Plaintext, loopback only; a benchmark peer, not a product. Prints
// {"port": N} on stdout once serving, exits 0 on SIGTERM or SIGINT.
//
//   authgate-bench-noop-server --listen=127.0.0.1:0
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

#include "authgate/process_setup.h"
#include "authgate/v1/auth_service.grpc.pb.h"

namespace {

// authgate-server's defaults (grpc_service/server_config.h).
constexpr int kMaxMetadataBytes = 16 * 1024;
constexpr int kMaxMessageBytes = 1024 * 1024;

class NoopAuthService final
    : public authgate::v1::AuthService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ValidateToken(
      grpc::CallbackServerContext* context,
      const authgate::v1::ValidateTokenRequest* /*request*/,
      authgate::v1::ValidateTokenResponse* /*response*/) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int Run(int argc, char** argv) {
  // As authgate-server: every thread inherits the mask, only sigwait()
  // below receives the signals.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  CLI::App app("authgate-bench-noop-server: a ValidateToken that does nothing");
  std::string listen = "127.0.0.1:0";
  int max_concurrent_streams = 0;
  app.add_option("--listen", listen, "HOST:PORT (port 0 picks a free one)");
  app.add_option("--max_concurrent_streams", max_concurrent_streams,
                 "per connection (0: gRPC's default, as authgate-server)");
  CLI11_PARSE(app, argc, argv);

  NoopAuthService service;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, 16384);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  if (max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               max_concurrent_streams);
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "authgate-bench-noop-server: cannot listen on %s\n",
                 listen.c_str());
    return 1;
  }
  std::printf("{\"port\": %d}\n", port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As authgate-server's main(): gRPC's mutexes are abseil's.
  authgate::PrepareProcess();
  return Run(argc, argv);
}
