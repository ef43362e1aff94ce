// ServerConfig: authgate-server's validated configuration, from a JSON
// config file, the environment and command-line flags (later sources win:
// file < environment < flags).
//
// This file reads only what belongs to the server (listeners, TLS, threads,
// logs, the shared verifier's limits, ext_authz defaults). A provider is the
// core's one description, ProviderSpec: each `providers[i]` object of the file
// is read by ParseProviderSpec(), and the COGNITO_* / AUTH_COGNITO_* variables
// by ProviderJsonFromEnvironment(), so the server adds no provider key,
// default or rule of its own.
//
// The file is JSON (comments allowed, see examples/authgate.jsonc and
// docs/grpc.md); JSON because nlohmann_json is already a dependency and the
// schema is small, so YAML would add a library for no gain. Unknown keys are
// errors, so a typo cannot silently disable a check.
//
// Environment:
//   AUTHGATE_CONFIG                 config file path (when --config is absent)
//   COGNITO_* / AUTH_COGNITO_*      one Cognito pool
//   (ProviderJsonFromEnvironment
//                                   lists them); it overrides the file's
//                                   provider of the same name key by key
//   AUTHGATE_LISTEN, AUTHGATE_UNIX_SOCKET, AUTHGATE_METRICS_LISTEN,
//   AUTHGATE_LOG_LEVEL, AUTHGATE_WEB_LISTEN
//                                   server settings
// Every variable above except AUTHGATE_CONFIG also has a NAME_FILE form that
// reads the value from a file (trailing newline dropped), for secrets mounted
// as files; setting both forms is an error.
//
// Any error is one line naming the offending field, flag or variable, and
// never contains a secret's value.
//
//   absl::StatusOr<ServerConfig> config =
//       LoadServerConfig(args, ProcessEnvironment());
//   if (!config.ok()) { std::fprintf(stderr, "%s\n", ...); return 2; }
#ifndef AUTHGATE_GRPC_SERVICE_SERVER_CONFIG_H_
#define AUTHGATE_GRPC_SERVICE_SERVER_CONFIG_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc_service/logger.h"
#include "grpc_service/web/web_settings.h"

#include "authgate/provider_spec.h"
#include "authgate/token_verifier.h"

namespace authgate::service {

// TLS on the service port. Disabled when cert_file is empty.
struct TlsSettings {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key (read at start, never logged)
  std::string client_ca_file;  // PEM CAs for client certificates (mTLS)
  // With client_ca_file: reject clients without a valid certificate.
  bool require_client_cert = false;

  bool enabled() const { return !cert_file.empty(); }
};

// Defaults of the ext_authz Check service. Envoy can override each per route
// through context_extensions ("authgate-provider", "authgate-token-uses",
// "authgate-audiences", "authgate-scopes", "authgate-scope-match",
// "authgate-groups", "authgate-group-match"; lists comma- or
// space-separated; matches "all" or "any"), and require a nonce with
// "authgate-nonce".
struct ExtAuthzSettings {
  std::string provider;
  std::vector<std::string> token_uses;
  std::vector<std::string> audiences;
  std::vector<std::string> required_scopes;
  Match scope_match = Match::kAll;
  std::vector<std::string> required_groups;
  Match group_match = Match::kAny;
  // realm= of the WWW-Authenticate challenge.
  std::string realm = "authgate";
  // Keep the Authorization header on the upstream request (false strips it
  // once checked, so upstreams cannot replay the token).
  bool forward_authorization = true;
};

// One configured identity provider.
struct ProviderSettings {
  // The core's description, as ParseProviderSpec() read it.
  ProviderSpec spec;
  // Where it was defined, for messages: "providers[0]",
  // "COGNITO_* environment" or "providers[0] (with COGNITO_* environment)".
  std::string origin;
};

struct ServerConfig {
  // gRPC TCP address, "host:port" ("127.0.0.1:0" picks a free port). Empty
  // disables TCP (then unix_socket is required).
  std::string listen = "127.0.0.1:50051";
  // Unix domain socket path; empty for none.
  std::string unix_socket;
  TlsSettings tls;
  // Prometheus /metrics HTTP address; empty disables it.
  std::string metrics_listen = "127.0.0.1:9464";
  // How long SIGTERM/SIGINT waits for in-flight calls before cancelling.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Threads and queue bound of the pool that runs network-touching calls.
  size_t worker_threads = 4;
  size_t max_queued_calls = 1024;
  // gRPC's own callback threads are managed by gRPC; this caps concurrent
  // streams per connection (0: gRPC's default).
  int max_concurrent_streams = 0;
  // HTTP/2 and message bounds of the gRPC port (docs/grpc.md, "Limits").
  // The largest header block (all metadata of one request) a client may
  // send; the header guard cuts a connection exceeding it before gRPC
  // parses it. Between 1 KiB and 1 MiB.
  size_t max_metadata_bytes = 16 * 1024;
  // The largest request message; larger ones fail RESOURCE_EXHAUSTED.
  // Between 1 KiB and 64 MiB.
  size_t max_message_bytes = 1024 * 1024;
  // Relay plaintext TCP connections through the header guard (Http2Guard).
  // Needed while gRPC's own HPACK parser is unbounded (Debian's 1.51);
  // turn off only behind a proxy that bounds request headers.
  bool header_guard = true;
  // How often client_secret_file contents are re-read (a Kubernetes Secret
  // changes in place); 0 = only on SIGHUP. At most 1h.
  absl::Duration secret_poll_interval = absl::Seconds(5);
  // One JSON line per RPC (event "access"): peer, method, code, reason,
  // duration_ms, provider; never a token.
  bool access_log = false;
  LogLevel log_level = LogLevel::kInfo;
  // Lines per second of token_rejected and request_denied (each); 0 = no
  // limit. Clients choose how many bad tokens they send.
  size_t rejection_log_rate = 20;
  // The shared verifier: longest token accepted (checked before any
  // decoding) and its verified-token cache.
  size_t max_token_bytes = kMaxTokenBytes;
  size_t cache_max_entries = 16384;
  size_t cache_max_bytes = 32 * 1024 * 1024;
  // Back-off for providers that are not ready (discovery or first JWKS
  // fetch failed): first retry after the initial delay, doubling up to max.
  absl::Duration provider_retry_initial = absl::Seconds(1);
  absl::Duration provider_retry_max = absl::Seconds(30);
  // CA bundle for HTTPS to providers (empty: system store).
  std::string provider_ca_file;
  std::vector<ProviderSettings> providers;
  ExtAuthzSettings ext_authz;
  // The browser face (docs/web.md); off unless web.listen is set.
  WebSettings web;

  // Set by --check_config: validate, print a summary and exit 0.
  bool check_only = false;
  // Set by --help / --version: print ServerUsage() / ServerVersion() and
  // exit 0 (nothing else is read).
  bool help = false;
  bool version = false;
};

// Builds and validates the configuration from `args` (argv without argv[0];
// flags take hyphens or underscores alike, "--name=value" or "--name value")
// and `env` (the core's Environment; ProcessEnvironment() in production).
// Does no network I/O; checks that need the providers together (one issuer
// claimed twice) are the verifier's, run by ProviderRegistry::Create().
// Errors: kInvalidArgument config_invalid whose message is one line naming
// the field, flag or variable, e.g.
//   "COGNITO_ISSUER: ends in '/' but a Cognito pool's issuer does not ..."
//   "config file /etc/authgate.json: providers[0].isuer: unknown field"
//   "--shutdown_grace: invalid duration \"ten\" ..."
//   "--frobnicate: unknown flag (see --help)"
absl::StatusOr<ServerConfig> LoadServerConfig(
    const std::vector<std::string>& args, const Environment& env);

// The --help text.
std::string ServerUsage();

// The --version line: "authgate-server " + authgate::kVersion.
std::string ServerVersion();

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SERVER_CONFIG_H_
