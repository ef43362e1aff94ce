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

void Write(mg_connection* connection, const WebRequest& request,
           const WebResponse& response, bool close) {
  mg_response_header_start(connection, response.status);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(connection, name.c_str(), value.c_str(),
                           static_cast<int>(value.size()));
  }
  std::string length = std::to_string(response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  if (close) mg_response_header_add(connection, "Connection", "close", -1);
  mg_response_header_send(connection);
  if (request.method != "HEAD" && !response.body.empty()) {
    mg_write(connection, response.body.data(), response.body.size());
  }
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

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const Options& options, Handler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler)));
  std::string threads = std::to_string(options.threads);
  std::string timeout =
      std::to_string(absl::ToInt64Milliseconds(kRequestTimeout));
  std::string max_request = std::to_string(kMaxHeaderBytes);
  const char* mg_options[] = {"listening_ports",
                              options.listen.c_str(),
                              "num_threads",
                              threads.c_str(),
                              "request_timeout_ms",
                              timeout.c_str(),
                              "enable_keep_alive",
                              "yes",
                              "max_request_size",
                              max_request.c_str(),
                              nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  callbacks.begin_request = &HttpServer::OnRequest;
  callbacks.log_message = &DropLogMessage;
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
