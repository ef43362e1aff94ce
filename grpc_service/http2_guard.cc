#include "grpc_service/http2_guard.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

#include "authgate/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

namespace authgate::service {
namespace {

// RFC 9113 §3.4, §4.1, §6.
constexpr size_t kPrefaceBytes = 24;
constexpr size_t kFrameHeaderBytes = 9;
constexpr uint8_t kHeaders = 0x1;
constexpr uint8_t kPushPromise = 0x5;
constexpr uint8_t kContinuation = 0x9;
constexpr uint8_t kGoAway = 0x7;
constexpr uint32_t kEnhanceYourCalm = 0xb;
constexpr size_t kBufferBytes = 64 * 1024;
constexpr uint32_t kIn = EPOLLIN;
constexpr uint32_t kOut = EPOLLOUT;
constexpr uint32_t kNone = 0;

// Follows the client's byte stream frame by frame, reading only headers.
class FrameScanner {
 public:
  explicit FrameScanner(size_t max_block) : max_block_(max_block) {}

  // False once a header block exceeds the bound (checked as each frame
  // header arrives, before its payload).
  bool Scan(const uint8_t* data, size_t size) {
    while (size > 0) {
      size_t n = 0;
      if (preface_left_ > 0) {
        n = std::min(preface_left_, size);
        preface_left_ -= n;
      } else if (payload_left_ > 0) {
        n = static_cast<size_t>(std::min<uint64_t>(payload_left_, size));
        payload_left_ -= n;
      } else {
        n = std::min(kFrameHeaderBytes - have_, size);
        std::memcpy(header_ + have_, data, n);
        have_ += n;
        if (have_ == kFrameHeaderBytes) {
          have_ = 0;
          if (!OnFrameHeader()) return false;
        }
      }
      data += n;
      size -= n;
    }
    return true;
  }

 private:
  bool OnFrameHeader() {
    uint32_t length =
        (uint32_t{header_[0]} << 16) | (uint32_t{header_[1]} << 8) | header_[2];
    uint8_t type = header_[3];
    payload_left_ = length;
    if (type == kHeaders || type == kPushPromise) {
      block_bytes_ = length;
    } else if (type == kContinuation) {
      block_bytes_ += length;
    } else {
      return true;
    }
    // A CONTINUATION adds to the block its HEADERS started; END_HEADERS
    // needs no tracking, since the next HEADERS starts a new count.
    return block_bytes_ <= max_block_;
  }

  const size_t max_block_;
  size_t preface_left_ = kPrefaceBytes;
  uint8_t header_[kFrameHeaderBytes] = {};
  size_t have_ = 0;
  uint64_t payload_left_ = 0;
  uint64_t block_bytes_ = 0;
};

// Bytes read from one side and not yet written to the other.
struct Pipe {
  char data[kBufferBytes];
  size_t begin = 0;
  size_t end = 0;
  bool eof = false;  // the source will send no more
  bool empty() const { return begin == end; }
  bool full() const { return end == kBufferBytes; }
};

struct Connection;
struct Endpoint {
  Connection* connection;
  bool client;
};

struct Connection {
  explicit Connection(size_t max_block) : scanner(max_block) {}
  int client = -1;
  int upstream = -1;    // the socket pair end the relay keeps
  int handed_off = -1;  // gRPC's end, the key of the peer table
  Pipe up;              // client -> gRPC
  Pipe down;            // gRPC -> client
  FrameScanner scanner;
  Endpoint client_end{this, true};
  Endpoint upstream_end{this, false};
  uint32_t client_events = 0;
  uint32_t upstream_events = 0;
};

absl::Status ListenError(const std::string& address, absl::string_view why) {
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   ErrorReason::kConfigInvalid,
                   absl::StrCat("cannot listen on ", address, ": ", why));
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// gRPC's spelling of a TCP peer: "ipv4:1.2.3.4:5", "ipv6:[::1]:5".
std::string PeerName(const sockaddr_storage& address) {
  char host[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return absl::StrCat("ipv4:", host, ":", ntohs(in->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return absl::StrCat("ipv6:[", host, "]:", ntohs(in6->sin6_port));
  }
  return "unknown";
}

}  // namespace

class Http2Guard::Relay {
 public:
  Relay(int listen_fd, size_t max_block, std::atomic<uint64_t>* refused,
        Http2Guard* owner)
      : listen_fd_(listen_fd),
        max_block_(max_block),
        refused_(refused),
        owner_(owner) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &wake_;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
    event.data.ptr = &listen_fd_;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_fd_, &event);
  }

  ~Relay() {
    while (!connections_.empty()) Close(*connections_.begin(), false);
    for (Connection* connection : closed_) delete connection;
    if (listen_fd_ >= 0) close(listen_fd_);
    close(wake_);
    close(epoll_);
  }

  void Signal(int command) {
    command_.store(std::max(command_.load(), command));
    uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = write(wake_, &one, sizeof(one));
  }

  // Runs until Signal(kStop).
  void Run(const HandOff& hand_off) {
    epoll_event events[64];
    for (;;) {
      int count = epoll_wait(epoll_, events, 64, -1);
      if (count < 0 && errno != EINTR) return;
      for (int i = 0; i < count; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &wake_) {
          uint64_t value = 0;
          [[maybe_unused]] ssize_t ignored = read(wake_, &value, sizeof(value));
          if (command_.load() >= kStopAccepting && listen_fd_ >= 0) {
            // Closed, not just unwatched: the kernel would go on accepting.
            epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_fd_, nullptr);
            close(listen_fd_);
            listen_fd_ = -1;
          }
          if (command_.load() >= kStop) return;
        } else if (tag == &listen_fd_) {
          Accept(hand_off);
        } else {
          Connection* connection = static_cast<Endpoint*>(tag)->connection;
          if (closed_.count(connection) != 0) continue;
          Pump(connection);
          // A side that hung up would report it on every wait: flush what
          // could be flushed above, then end the connection.
          if ((events[i].events & (EPOLLHUP | EPOLLERR)) != 0 &&
              closed_.count(connection) == 0) {
            Close(connection, true);
          }
        }
      }
      // Freed after the batch: a later event of it may still be in hand.
      for (Connection* connection : closed_) delete connection;
      closed_.clear();
    }
  }

  static constexpr int kStopAccepting = 1;
  static constexpr int kStop = 2;

 private:
  void Accept(const HandOff& hand_off) {
    for (;;) {
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      int client = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                           &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) return;  // EAGAIN, or a failure for this one only
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                     pair) != 0) {
        close(client);
        continue;
      }
      SetNoDelay(client);
      auto* connection = new Connection(max_block_);
      connection->client = client;
      connection->upstream = pair[0];
      connection->handed_off = pair[1];
      {
        absl::MutexLock lock(&owner_->peers_mu_);
        owner_->peers_[pair[1]] = {connection, PeerName(address)};
      }
      connections_.insert(connection);
      Watch(connection, EPOLL_CTL_ADD);
      hand_off(pair[1]);
    }
  }

  // Moves what can move in both directions, then updates the interest set.
  void Pump(Connection* c) {
    bool ok = Move(c, c->client, c->up, c->upstream, /*scan=*/true) &&
              Move(c, c->upstream, c->down, c->client, /*scan=*/false);
    if (!ok || (c->up.eof && c->up.empty() && c->down.eof && c->down.empty())) {
      Close(c, true);
      return;
    }
    Watch(c, EPOLL_CTL_MOD);
  }

  // Reads from `from` into `pipe` and writes the pipe to `to`. False when
  // the connection must end.
  bool Move(Connection* c, int from, Pipe& pipe, int to, bool scan) {
    for (;;) {
      if (!pipe.eof && !pipe.full()) {
        ssize_t n = read(from, pipe.data + pipe.end, kBufferBytes - pipe.end);
        if (n > 0) {
          if (scan &&
              !c->scanner.Scan(
                  reinterpret_cast<const uint8_t*>(pipe.data) + pipe.end,
                  static_cast<size_t>(n))) {
            Refuse(c);
            return false;
          }
          pipe.end += static_cast<size_t>(n);
        } else if (n == 0) {
          pipe.eof = true;
        } else if (errno != EAGAIN && errno != EINTR) {
          return false;
        }
      }
      bool progressed = false;
      while (!pipe.empty()) {
        ssize_t n = send(to, pipe.data + pipe.begin, pipe.end - pipe.begin,
                         MSG_NOSIGNAL);
        if (n <= 0) {
          if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
          break;
        }
        pipe.begin += static_cast<size_t>(n);
        progressed = true;
      }
      if (pipe.empty()) {
        pipe.begin = pipe.end = 0;
        if (pipe.eof) {
          shutdown(to, SHUT_WR);
          return true;
        }
      }
      // Read again only when the write side drained the buffer; otherwise
      // wait for EPOLLOUT.
      if (!pipe.empty() || !progressed) return true;
    }
  }

  // GOAWAY ENHANCE_YOUR_CALM (RFC 9113 §6.8) when nothing is half-sent to
  // the client, so it learns why; then the connection closes.
  void Refuse(Connection* c) {
    refused_->fetch_add(1);
    if (!c->down.empty()) return;
    std::string debug =
        absl::StrCat("header block exceeds ", max_block_, " bytes");
    uint32_t length = static_cast<uint32_t>(8 + debug.size());
    std::string frame;
    frame.push_back(static_cast<char>((length >> 16) & 0xff));
    frame.push_back(static_cast<char>((length >> 8) & 0xff));
    frame.push_back(static_cast<char>(length & 0xff));
    frame.push_back(static_cast<char>(kGoAway));
    frame.append(5, '\0');  // flags, stream 0
    frame.append(4, '\0');  // last stream id: none was processed past this
    for (int shift = 24; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((kEnhanceYourCalm >> shift) & 0xff));
    }
    frame += debug;
    send(c->client, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }

  void Watch(Connection* c, int op) {
    uint32_t client = (c->up.eof || c->up.full() ? kNone : kIn) |
                      (c->down.empty() ? kNone : kOut);
    uint32_t upstream = (c->down.eof || c->down.full() ? kNone : kIn) |
                        (c->up.empty() ? kNone : kOut);
    if (op == EPOLL_CTL_ADD || client != c->client_events) {
      epoll_event event{};
      event.events = client;
      event.data.ptr = &c->client_end;
      epoll_ctl(epoll_, op, c->client, &event);
      c->client_events = client;
    }
    if (op == EPOLL_CTL_ADD || upstream != c->upstream_events) {
      epoll_event event{};
      event.events = upstream;
      event.data.ptr = &c->upstream_end;
      epoll_ctl(epoll_, op, c->upstream, &event);
      c->upstream_events = upstream;
    }
  }

  // `deferred`: freed after the current event batch.
  void Close(Connection* c, bool deferred) {
    {
      // gRPC may have closed its end already and the number been reused by
      // a newer connection: erase only this connection's entry.
      absl::MutexLock lock(&owner_->peers_mu_);
      auto it = owner_->peers_.find(c->handed_off);
      if (it != owner_->peers_.end() && it->second.first == c) {
        owner_->peers_.erase(it);
      }
    }
    close(c->client);
    close(c->upstream);
    connections_.erase(c);
    if (deferred) {
      closed_.insert(c);
    } else {
      delete c;
    }
  }

  int listen_fd_;
  const size_t max_block_;
  std::atomic<uint64_t>* refused_;
  Http2Guard* owner_;
  int epoll_ = -1;
  int wake_ = -1;
  std::atomic<int> command_{0};
  std::unordered_set<Connection*> connections_;
  std::unordered_set<Connection*> closed_;
};

absl::StatusOr<std::unique_ptr<Http2Guard>> Http2Guard::Listen(
    const std::string& address, Options options) {
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return ListenError(address, "not host:port");
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(),
                       service.c_str(), &hints, &found);
  if (rc != 0) return ListenError(address, gai_strerror(rc));
  std::string why = "no usable address";
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
      why = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return ListenError(address, why);
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
  int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::unique_ptr<Http2Guard>(new Http2Guard(fd, bound_port, options));
}

Http2Guard::Http2Guard(int listen_fd, int port, Options options)
    : port_(port),
      options_(options),
      relay_(std::make_unique<Relay>(listen_fd, options.max_header_block_bytes,
                                     &refused_, this)) {}

std::string Http2Guard::PeerOf(absl::string_view grpc_peer) const {
  int fd = -1;
  if (!absl::ConsumePrefix(&grpc_peer, "fd:") ||
      !absl::SimpleAtoi(grpc_peer, &fd)) {
    return "";
  }
  absl::MutexLock lock(&peers_mu_);
  auto it = peers_.find(fd);
  return it != peers_.end() ? it->second.second : "";
}

Http2Guard::~Http2Guard() { Stop(); }

void Http2Guard::Start(HandOff hand_off) {
  thread_ = std::thread(
      [this, hand_off = std::move(hand_off)] { relay_->Run(hand_off); });
}

void Http2Guard::StopAccepting() { relay_->Signal(Relay::kStopAccepting); }

void Http2Guard::Stop() {
  if (relay_ == nullptr) return;
  relay_->Signal(Relay::kStop);
  if (thread_.joinable()) thread_.join();
  relay_.reset();
}

}  // namespace authgate::service
