#include "grpc_service/web/http_server.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "civetweb.h"

namespace authgate::service {
namespace {

// A header value as written: a byte that could end the line (CR, LF) or
// is another control becomes a space. Handlers already give clean values;
// this is the last line against a response-splitting claim.
void AppendHeaderValue(absl::string_view value, std::string& out) {
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back((u < 0x20 && c != '\t') || u == 0x7f ? ' ' : c);
  }
}

// The whole response in one write: civetweb's header API sends each line
// on its own (8 sends for an /oauth2/auth answer, measured 54 against 13
// µs of server CPU per request, scripts/bench_http_stack).
void Write(mg_connection* connection, const WebRequest& request,
           const WebResponse& response, bool close) {
  std::string out;
  out.reserve(256 + response.body.size());
  absl::StrAppend(&out, "HTTP/1.1 ", response.status, " ",
                  mg_get_response_code_text(connection, response.status),
                  "\r\n");
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&out, name, ": ");
    AppendHeaderValue(value, out);
    out.append("\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\n");
  if (close) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (request.method != "HEAD") out.append(response.body);
  mg_write(connection, out.data(), out.size());
}

// civetweb's own messages may quote a request line (which can carry a code
// or a token in its query): dropped, never logged.
int DropLogMessage(const mg_connection*, const char*) { return 1; }

}  // namespace

int HttpServer::OnRequest(::mg_connection* connection) {
  auto* self =
      static_cast<HttpServer*>(mg_get_user_data(mg_get_context(connection)));
  const mg_request_info* info = mg_get_request_info(connection);
  if (self == nullptr || info == nullptr) return 0;
  WebRequest request;
  request.method = info->request_method ? info->request_method : "";
  request.path = info->local_uri ? info->local_uri : "";
  request.query = info->query_string ? info->query_string : "";
  request.peer = absl::StrCat(info->remote_addr, ":", info->remote_port);
  for (int i = 0; i < info->num_headers; ++i) {
    const mg_header& header = info->http_headers[i];
    if (header.name == nullptr) continue;
    request.headers.emplace_back(absl::AsciiStrToLower(header.name),
                                 header.value ? header.value : "");
  }
  auto too_large = [&] {
    absl::Status status = MakeError(
        absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
        absl::StrCat("request body exceeds ", kMaxBodyBytes, " bytes"));
    nlohmann::json body = {{"error", "invalid_argument"},
                           {"message", std::string(status.message())}};
    WebResponse response = JsonResponse(413, body);
    AddReasonHeader(status, response);
    // The unread body would be taken for the next request: close.
    Write(connection, request, response, /*close=*/true);
    return 413;
  };
  if (info->content_length > static_cast<long long>(kMaxBodyBytes)) {
    return too_large();
  }
  if (info->content_length != 0) {
    char buffer[16 * 1024];
    while (true) {
      int n = mg_read(connection, buffer, sizeof(buffer));
      if (n <= 0) break;
      request.body.append(buffer, static_cast<size_t>(n));
      if (request.body.size() > kMaxBodyBytes) return too_large();
    }
  }
  WebResponse response = self->handler_(request);
  Write(connection, request, response, /*close=*/false);
  return response.status;
}

int HttpServer::OnHttpError(::mg_connection* connection, int status,
                            const char* /*message: may quote the request*/) {
  absl::Status refused = MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kInvalidArgument,
      status == 413 || status == 431
          ? absl::StrCat("request head exceeds ", kMaxHeaderBytes, " bytes")
          : "malformed HTTP request (header values may not hold control "
            "characters, tabs included)");
  nlohmann::json body = {{"error", "invalid_argument"},
                         {"message", std::string(refused.message())}};
  WebResponse response = JsonResponse(status, body);
  AddReasonHeader(refused, response);
  WebRequest request;  // unparsed: answer as to a GET
  request.method = "GET";
  Write(connection, request, response, /*close=*/true);
  return 0;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const Options& options, Handler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler)));
  std::string threads = std::to_string(options.threads);
  std::string timeout =
      std::to_string(absl::ToInt64Milliseconds(kRequestTimeout));
  std::string max_request = std::to_string(kMaxHeaderBytes);
  const char* mg_options[] = {
      "listening_ports", options.listen.c_str(), "num_threads", threads.c_str(),
      "request_timeout_ms", timeout.c_str(), "enable_keep_alive", "yes",
      // Without it a small answer after a small
      // request waits for the peer's delayed ACK
      // (40 ms; measured 360 requests/s).
      "tcp_nodelay", "1", "max_request_size", max_request.c_str(), nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  callbacks.begin_request = &HttpServer::OnRequest;
  callbacks.log_message = &DropLogMessage;
  callbacks.http_error = &HttpServer::OnHttpError;
  server->context_ = mg_start(&callbacks, server.get(), mg_options);
  if (server->context_ == nullptr) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, ErrorReason::kConfigInvalid,
        absl::StrCat("web.listen: cannot listen on ", options.listen));
  }
  mg_server_port ports[4];
  int count = mg_get_server_ports(server->context_, 4, ports);
  if (count > 0) server->port_ = ports[0].port;
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (context_ != nullptr) {
    mg_stop(context_);
    context_ = nullptr;
  }
}

}  // namespace authgate::service
