// Http2Guard: the plaintext TCP front of the gRPC port. It accepts each
// connection itself, hands gRPC one end of a socket pair
// (grpc::AddInsecureChannelFromFd) and relays bytes between the two, reading
// only the HTTP/2 frame headers the client sends. A header block (HEADERS or
// PUSH_PROMISE plus its CONTINUATION frames) larger than the bound ends the
// connection with GOAWAY ENHANCE_YOUR_CALM before gRPC sees the excess.
//
// Why: Debian's gRPC 1.51 HPACK parser buffers a header value until it is
// complete and re-copies the buffer on every frame, so one 100 MiB value
// keeps a gRPC thread busy for minutes; GRPC_ARG_MAX_METADATA_SIZE is only
// checked once the value is whole (CVE-2023-33953, fixed upstream in 1.53.2
// and later). TLS connections cannot be read here; see docs/grpc.md.
//
// Thread-safe. One relay thread serves every connection.
//
//   auto guard = Http2Guard::Listen("0.0.0.0:50051", {16 * 1024}).value();
//   guard->Start([&](int fd) { grpc::AddInsecureChannelFromFd(server, fd); });
//   ...
//   guard->StopAccepting();   // SIGTERM: no new connections
//   server->Shutdown(deadline);
//   guard->Stop();            // closes what is left, joins
#ifndef AUTHGATE_GRPC_SERVICE_HTTP2_GUARD_H_
#define AUTHGATE_GRPC_SERVICE_HTTP2_GUARD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace authgate::service {

class Http2Guard {
 public:
  struct Options {
    // The largest header block accepted, in bytes (frame payloads summed).
    size_t max_header_block_bytes = 16 * 1024;
  };
  // Receives gRPC's end of a new connection's socket pair (and owns it).
  using HandOff = std::function<void(int fd)>;

  // Binds and listens on "host:port" (port 0 picks one). Errors:
  // kFailedPrecondition config_invalid "cannot listen on ADDRESS: why".
  static absl::StatusOr<std::unique_ptr<Http2Guard>> Listen(
      const std::string& address, Options options);

  ~Http2Guard();  // Stop()s
  Http2Guard(const Http2Guard&) = delete;
  Http2Guard& operator=(const Http2Guard&) = delete;

  // The bound port.
  int port() const { return port_; }
  // Starts the relay thread; `hand_off` is called from it.
  void Start(HandOff hand_off);
  // Closes the listening socket (soon, from the relay thread): new
  // connections are refused.
  void StopAccepting();
  // Closes every connection and joins the thread. Idempotent.
  void Stop();

  // Connections cut for an oversized header block (for metrics).
  uint64_t refused() const { return refused_.load(); }

  // gRPC names a guarded connection's peer "fd:N" (its end of the socket
  // pair): the client's address behind it ("ipv4:127.0.0.1:5555",
  // "ipv6:[::1]:5555"), or "" for anything else. Thread-safe.
  std::string PeerOf(absl::string_view grpc_peer) const;

 private:
  class Relay;
  Http2Guard(int listen_fd, int port, Options options);

  const int port_;
  const Options options_;
  // Before relay_, which fills it: gRPC's fd -> (connection, client).
  mutable absl::Mutex peers_mu_;
  absl::flat_hash_map<int, std::pair<const void*, std::string>> peers_
      ABSL_GUARDED_BY(peers_mu_);
  std::unique_ptr<Relay> relay_;
  std::thread thread_;
  std::atomic<uint64_t> refused_{0};
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_HTTP2_GUARD_H_
