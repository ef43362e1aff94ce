// HttpServer on a loopback port: requests reach the handler as WebRequests
// (lower-case header names, raw query, body), responses go out whole, and
// the bounds hold (413 for a large body, civetweb's header limit).
#include "grpc_service/web/http_server.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace authgate::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Sends `raw` on a new connection and reads until the server closes it or
// `responses` complete responses (by Content-Length) have arrived.
std::string Exchange(int port, const std::string& raw, int responses = 1) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return "";
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buffer[4096];
  auto complete = [&out]() {
    int count = 0;
    size_t at = 0;
    while (true) {
      size_t end = out.find("\r\n\r\n", at);
      if (end == std::string::npos) return count;
      size_t length_at = out.find("Content-Length: ", at);
      size_t length = 0;
      if (length_at != std::string::npos && length_at < end) {
        length = std::stoul(out.substr(length_at + 16));
      }
      if (out.size() < end + 4 + length) return count;
      at = end + 4 + length;
      ++count;
    }
  };
  while (complete() < responses) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
        {"127.0.0.1:0", 4}, [this](const WebRequest& request) {
          {
            absl::MutexLock lock(&mu_);
            last_ = request;
          }
          ++calls_;
          WebResponse response;
          response.status = 202;
          response.AddHeader("Set-Cookie", "a=1");
          response.AddHeader("Set-Cookie", "b=2");
          // A claim carrying CR LF must not split the response.
          if (request.path == "/inject") {
            response.AddHeader("X-Name", "a\r\nSet-Cookie: evil=1");
          }
          response.body = "hello";
          return response;
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
  }

  WebRequest last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

  absl::Mutex mu_;
  WebRequest last_;
  std::atomic<int> calls_{0};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, HandsTheRequestToTheHandler) {
  std::string response = Exchange(
      server_->port(),
      "POST /oauth2/auth?rd=%2Fx&a=b HTTP/1.1\r\nHost: app\r\n"
      "X-Mixed-Case: v\r\nCookie: c=1\r\nContent-Length: 4\r\n\r\nbody");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 202"));
  EXPECT_THAT(response, HasSubstr("Set-Cookie: a=1\r\n"));
  EXPECT_THAT(response, HasSubstr("Set-Cookie: b=2\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(response, HasSubstr("\r\n\r\nhello"));
  WebRequest request = last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/oauth2/auth");
  EXPECT_EQ(request.query, "rd=%2Fx&a=b");
  EXPECT_EQ(request.Header("x-mixed-case"), "v");
  EXPECT_EQ(request.Header("cookie"), "c=1");
  EXPECT_EQ(request.body, "body");
  EXPECT_THAT(request.peer, StartsWith("127.0.0.1:"));
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
  std::string get = "GET /a HTTP/1.1\r\nHost: app\r\n\r\n";
  std::string response = Exchange(server_->port(), get + get, 2);
  EXPECT_EQ(calls_.load(), 2);
  EXPECT_THAT(response, HasSubstr("hello"));
}

TEST_F(HttpServerTest, RefusesALargeBodyWithoutCallingTheHandler) {
  std::string response =
      Exchange(server_->port(),
               absl::StrCat("POST /v1/ValidateToken HTTP/1.1\r\nHost: app\r\n"
                            "Content-Length: ",
                            HttpServer::kMaxBodyBytes + 1, "\r\n\r\n"));
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(response, HasSubstr("authgate-error-reason: invalid_argument"));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpServerTest, RefusesHugeHeaders) {
  std::string response =
      Exchange(server_->port(),
               absl::StrCat("GET /a HTTP/1.1\r\nHost: app\r\nX-Big: ",
                            std::string(HttpServer::kMaxHeaderBytes + 100, 'a'),
                            "\r\n\r\n"));
  EXPECT_THAT(response, Not(HasSubstr("hello")));
  EXPECT_THAT(response, HasSubstr("authgate-error-reason: invalid_argument"));
  EXPECT_THAT(response, Not(HasSubstr("aaaa")));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpServerTest, PassesATokenAtTheVerifiersBoundWithSplitCookies) {
  // 16 KiB of token plus 11 KiB of session cookies: the handler decides.
  std::string response = Exchange(
      server_->port(),
      absl::StrCat("GET /oauth2/auth HTTP/1.1\r\nHost: app\r\n"
                   "Authorization: Bearer ",
                   std::string(16 * 1024 + 1, 't'),
                   "\r\nCookie: _authgate_0=", std::string(3800, 'c'),
                   "; _authgate_1=", std::string(3800, 'c'),
                   "; _authgate_2=", std::string(3800, 'c'), "\r\n\r\n"));
  EXPECT_THAT(response, StartsWith("HTTP/1.1 202"));
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(HttpServerTest, AnswersAMalformedRequestWithAReason) {
  // civetweb refuses a tab inside a header value before any handler runs.
  std::string response = Exchange(server_->port(),
                                  "GET /oauth2/auth HTTP/1.1\r\nHost: app\r\n"
                                  "Authorization: Bearer a\tb\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(response, HasSubstr("authgate-error-reason: invalid_argument"));
  EXPECT_THAT(response, Not(HasSubstr("Bearer")));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(HttpServerTest, NeverLetsAHeaderValueSplitTheResponse) {
  std::string response =
      Exchange(server_->port(), "GET /inject HTTP/1.1\r\nHost: app\r\n\r\n");
  EXPECT_THAT(response, HasSubstr("X-Name: a  Set-Cookie: evil=1\r\n"));
  EXPECT_THAT(response, Not(HasSubstr("\r\nSet-Cookie: evil=1")));
}

TEST(HttpServerStartTest, NamesTheAddressItCannotBind) {
  absl::StatusOr<std::unique_ptr<HttpServer>> first = HttpServer::Start(
      {"127.0.0.1:0", 1}, [](const WebRequest&) { return WebResponse(); });
  ASSERT_TRUE(first.ok());
  std::string busy = absl::StrCat("127.0.0.1:", (*first)->port());
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(
      {busy, 1}, [](const WebRequest&) { return WebResponse(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            absl::StrCat("web.listen: cannot listen on ", busy));
}

}  // namespace
}  // namespace authgate::service
