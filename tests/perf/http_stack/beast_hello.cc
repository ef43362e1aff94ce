// Hello server for scripts/bench_http_stack: Boost.Beast over Boost.Asio
// answering GET /oauth2/auth with 202 and three small headers, the shape of
// an auth_request answer. One io_context run by THREADS threads, each
// connection on its own strand, async accept/read/write, keep-alive.
// A standalone bench program, not part of the build.
//
// Usage: beast_hello THREADS  (prints the bound port, then serves until
// SIGTERM/SIGINT)

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}

  void Start() { Read(); }

 private:
  void Read() {
    request_ = {};
    http::async_read(
        stream_, buffer_, request_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec) self->Answer();
        });
  }

  void Answer() {
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    if (request_.method() == http::verb::get &&
        request_.target() == "/oauth2/auth") {
      response_.result(http::status::accepted);
      response_.set("X-Auth-Request-User", "bench-user");
      response_.set("X-Auth-Request-Email", "bench@example.com");
      response_.set("X-Auth-Request-Groups", "bench,readers");
    } else {
      response_.result(http::status::not_found);
    }
    response_.prepare_payload();
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec || !self->response_.keep_alive()) {
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send,
                                            ignored);
            return;
          }
          self->Read();
        });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::empty_body> response_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(asio::io_context& ioc)
      : ioc_(ioc), acceptor_(asio::make_strand(ioc)) {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  unsigned short Port() const { return acceptor_.local_endpoint().port(); }

  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
          if (!ec) {
            // Small answers in one segment: no Nagle delay.
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<Session>(std::move(socket))->Start();
          }
          self->Accept();
        });
  }

 private:
  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 16;
  asio::io_context ioc(threads);
  auto listener = std::make_shared<Listener>(ioc);
  std::printf("%u\n", listener->Port());
  std::fflush(stdout);
  listener->Accept();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
