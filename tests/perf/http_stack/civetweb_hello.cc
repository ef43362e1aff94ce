// Hello server for scripts/bench_http_stack: civetweb answering
// GET /oauth2/auth with 202 and three small headers, the shape of an
// auth_request answer. A standalone bench program, not part of the build.
//
// Usage: civetweb_hello THREADS [onewrite|headerapi]  (prints the bound port,
// then serves until SIGTERM/SIGINT)
//   onewrite   the whole answer in one mg_write (one send(2))
//   headerapi  mg_response_header_start/add/send, which sends every header
//              line with a send(2) of its own (8 per answer here)

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "civetweb.h"

namespace {

volatile std::sig_atomic_t stop = 0;

void OnSignal(int) { stop = 1; }

constexpr char kAnswer[] =
    "HTTP/1.1 202 Accepted\r\n"
    "X-Auth-Request-User: bench-user\r\n"
    "X-Auth-Request-Email: bench@example.com\r\n"
    "X-Auth-Request-Groups: bench,readers\r\n"
    "Content-Length: 0\r\n"
    "Connection: keep-alive\r\n\r\n";

bool header_api = false;

int AnswerAuth(mg_connection* conn, void*) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (std::strcmp(info->request_method, "GET") != 0) {
    mg_send_http_error(conn, 405, "%s", "");
    return 405;
  }
  if (!header_api) {
    mg_write(conn, kAnswer, sizeof(kAnswer) - 1);
    return 202;
  }
  mg_response_header_start(conn, 202);
  mg_response_header_add(conn, "X-Auth-Request-User", "bench-user", -1);
  mg_response_header_add(conn, "X-Auth-Request-Email", "bench@example.com", -1);
  mg_response_header_add(conn, "X-Auth-Request-Groups", "bench,readers", -1);
  mg_response_header_add(conn, "Content-Length", "0", -1);
  mg_response_header_send(conn);
  return 202;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string threads = argc > 1 ? argv[1] : "16";
  header_api = argc > 2 && std::strcmp(argv[2], "headerapi") == 0;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  mg_init_library(0);
  const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads",
                           threads.c_str(), "enable_keep_alive", "yes",
                           "keep_alive_timeout_ms", "30000",
                           // Small answers in one segment: no Nagle delay.
                           "tcp_nodelay", "1", nullptr};
  mg_callbacks callbacks{};
  mg_context* ctx = mg_start(&callbacks, nullptr, options);
  if (ctx == nullptr) {
    std::fprintf(stderr, "civetweb did not start\n");
    return 1;
  }
  mg_set_request_handler(ctx, "/oauth2/auth$", AnswerAuth, nullptr);
  mg_server_port ports[1];
  if (mg_get_server_ports(ctx, 1, ports) < 1) return 1;
  std::printf("%d\n", ports[0].port);
  std::fflush(stdout);
  while (!stop) pause();
  mg_stop(ctx);
  mg_exit_library();
  return 0;
}
