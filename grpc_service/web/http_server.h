// HttpServer: the browser face's HTTP/1.1 listener (civetweb's C API, the
// library the metrics port already runs on), turning each request into a
// WebRequest for a handler (WebFace::Handle) and writing its WebResponse.
//
// Bounds: request line and headers at most kMaxHeaderBytes (civetweb's
// max_request_size), bodies at most kMaxBodyBytes (413),
// request_timeout_ms kRequestTimeout, keep-alive on. What civetweb refuses
// itself (a head over the bound, a malformed request: civetweb also refuses
// control characters in header values, tabs included) is answered by
// OnHttpError in the face's JSON with authgate-error-reason
// invalid_argument, never with the request's text.
//
//   auto server = HttpServer::Start({"127.0.0.1:0", 16}, handler).value();
//   int port = server->port();
//   server->Stop();   // waits for requests in progress
#ifndef AUTHGATE_GRPC_SERVICE_WEB_HTTP_SERVER_H_
#define AUTHGATE_GRPC_SERVICE_WEB_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc_service/web/web_types.h"

struct mg_connection;
struct mg_context;

namespace authgate::service {

class HttpServer {
 public:
  using Handler = std::function<WebResponse(const WebRequest&)>;

  // A token up to the verifier's bound (16 KiB) must reach the handler
  // (which answers token_too_large) with a session split over three
  // cookies (11 KiB) and a proxy's own headers beside it.
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;
  static constexpr size_t kMaxBodyBytes = 1024 * 1024;
  static constexpr absl::Duration kRequestTimeout = absl::Seconds(10);

  struct Options {
    std::string listen;  // "host:port"; port 0 picks a free one
    size_t threads = 16;
  };

  // Errors: kFailedPrecondition config_invalid naming web.listen when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const Options& options, Handler handler);

  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops listening and waits for the requests in progress. Idempotent.
  void Stop();

  int port() const { return port_; }

 private:
  explicit HttpServer(Handler handler) : handler_(std::move(handler)) {}
  static int OnRequest(::mg_connection* connection);
  static int OnHttpError(::mg_connection* connection, int status,
                         const char* message);

  Handler handler_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WEB_HTTP_SERVER_H_
