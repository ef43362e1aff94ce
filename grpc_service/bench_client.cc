// authgate-bench-client: a small gRPC load generator for the gRPC benchmarks
// (tests/perf/hot_paths/grpc_table.py).
//
// Sends unary calls with pre-serialized requests through gRPC's generic
// callback API, so the client spends as little CPU as possible per call
// (it shares the machine with the server under test). Two modes:
//   closed loop (default): `--concurrency` calls always in flight; measures
//     peak throughput.
//   open loop (--rate=N): N calls per second on a fixed schedule; latency is
//     measured from the scheduled send time, so a stalled server cannot hide
//     its queueing delay (no coordinated omission).
// Prints one JSON object with calls, errors, calls/s and latency percentiles.
//
//   authgate-bench-client --target=127.0.0.1:50051 --rpc=validate
//       --tokens_file=tokens.txt --concurrency=32 --duration=10s
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"

#include "authgate/v1/auth_service.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "127.0.0.1:50051";
  std::string rpc = "validate";  // "validate" or "health"
  std::string tokens_file;
  int concurrency = 32;
  int channels = 2;
  double rate = 0;  // calls/s; 0 = closed loop
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(2);
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--")) return false;
    size_t eq = arg.find('=');
    if (eq == absl::string_view::npos) return false;
    absl::string_view name = arg.substr(0, eq);
    std::string value(arg.substr(eq + 1));
    bool ok = true;
    if (name == "target") {
      options.target = value;
    } else if (name == "rpc") {
      options.rpc = value;
    } else if (name == "tokens_file") {
      options.tokens_file = value;
    } else if (name == "concurrency") {
      ok = absl::SimpleAtoi(value, &options.concurrency);
    } else if (name == "channels") {
      ok = absl::SimpleAtoi(value, &options.channels);
    } else if (name == "rate") {
      ok = absl::SimpleAtod(value, &options.rate);
    } else if (name == "duration") {
      ok = absl::ParseDuration(value, &options.duration);
    } else if (name == "warmup") {
      ok = absl::ParseDuration(value, &options.warmup);
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return options.concurrency > 0 && options.channels > 0 &&
         (options.rpc == "validate" || options.rpc == "health");
}

grpc::ByteBuffer Serialize(const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The health request is an empty HealthCheckRequest (service ""): zero
// bytes on the wire, so no generated health stub is needed.
grpc::ByteBuffer EmptyRequest() {
  grpc::Slice slice("");
  return grpc::ByteBuffer(&slice, 1);
}

class Load {
 public:
  Load(const Options& options, std::vector<grpc::ByteBuffer> requests)
      : options_(options), requests_(std::move(requests)) {
    for (int i = 0; i < options.channels; ++i) {
      grpc::ChannelArguments args;
      // Distinct channels open distinct connections (HTTP/2 streams of one
      // connection would serialize on one server thread).
      args.SetInt("authgate.bench.channel", i);
      stubs_.push_back(
          std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
              options.target, grpc::InsecureChannelCredentials(), args)));
    }
    method_ = options.rpc == "health"
                  ? "/grpc.health.v1.Health/Check"
                  : "/authgate.v1.AuthService/ValidateToken";
  }

  void Run() {
    start_ = Clock::now();
    measure_from_ = start_ + absl::ToChronoNanoseconds(options_.warmup);
    stop_at_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    if (options_.rate > 0) {
      RunOpenLoop();
    } else {
      for (int i = 0; i < options_.concurrency; ++i) Issue(Clock::now());
    }
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return in_flight_ == 0 && stopping_; });
  }

  void Report() {
    std::vector<int64_t> all = latencies_ns_;
    std::sort(all.begin(), all.end());
    auto percentile = [&](double p) -> double {
      if (all.empty()) return 0;
      size_t index = static_cast<size_t>(p * (all.size() - 1));
      return all[index] / 1000.0;
    };
    double seconds = absl::ToDoubleSeconds(options_.duration);
    std::printf(
        "{\"rpc\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,\"rate\":%.0f,"
        "\"calls\":%zu,\"errors\":%zu,\"seconds\":%.3f,\"calls_per_s\":%.1f,"
        "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
        "\"first_error\":\"%s\"}\n",
        options_.rpc.c_str(), options_.rate > 0 ? "open" : "closed",
        options_.concurrency, options_.rate, all.size(), errors_, seconds,
        all.size() / seconds, percentile(0.50), percentile(0.90),
        percentile(0.99), all.empty() ? 0.0 : all.back() / 1000.0,
        first_error_.c_str());
  }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer response;
    Clock::time_point scheduled;
  };

  void RunOpenLoop() {
    auto interval =
        std::chrono::nanoseconds(static_cast<int64_t>(1e9 / options_.rate));
    Clock::time_point next = Clock::now();
    while (next < stop_at_) {
      std::this_thread::sleep_until(next);
      Issue(next);
      next += interval;
    }
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    done_cv_.notify_all();
  }

  void Issue(Clock::time_point scheduled) {
    auto* call = new Call;
    call->scheduled = scheduled;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
    uint64_t n = next_request_.fetch_add(1, std::memory_order_relaxed);
    const grpc::ByteBuffer& request = requests_[n % requests_.size()];
    grpc::GenericStub& stub = *stubs_[n % stubs_.size()];
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++in_flight_;
    }
    stub.UnaryCall(&call->context, method_, grpc::StubOptions(), &request,
                   &call->response,
                   [this, call](grpc::Status status) { Done(call, status); });
  }

  void Done(Call* call, const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    bool closed_loop = options_.rate <= 0;
    bool again = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      if (call->scheduled >= measure_from_ && now <= stop_at_) {
        if (status.ok()) {
          latencies_ns_.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(
                  now - call->scheduled)
                  .count());
        } else {
          if (errors_++ == 0) {
            first_error_ =
                absl::StrCat(status.error_code(), " ", status.error_message());
            std::replace(first_error_.begin(), first_error_.end(), '"', '\'');
          }
        }
      }
      if (closed_loop) {
        if (now < stop_at_) {
          again = true;
        } else {
          stopping_ = true;
        }
      }
      if (in_flight_ == 0 && stopping_) done_cv_.notify_all();
    }
    delete call;
    if (again) Issue(Clock::now());
  }

  const Options options_;
  const std::vector<grpc::ByteBuffer> requests_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::string method_;
  std::atomic<uint64_t> next_request_{0};
  Clock::time_point start_, measure_from_, stop_at_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  int in_flight_ = 0;
  bool stopping_ = false;
  std::vector<int64_t> latencies_ns_;
  size_t errors_ = 0;
  std::string first_error_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: authgate-bench-client --target=HOST:PORT "
                 "--rpc=validate|health [--tokens_file=PATH] "
                 "[--concurrency=N] [--channels=N] [--rate=CALLS_PER_S] "
                 "[--duration=10s] [--warmup=2s]\n");
    return 2;
  }
  std::vector<grpc::ByteBuffer> requests;
  if (options.rpc == "health") {
    requests.push_back(EmptyRequest());
  } else {
    std::ifstream in(options.tokens_file);
    std::string line;
    while (std::getline(in, line)) {
      absl::string_view token = absl::StripAsciiWhitespace(line);
      if (token.empty()) continue;
      authgate::v1::ValidateTokenRequest request;
      request.set_token(std::string(token));
      requests.push_back(Serialize(request));
    }
    if (requests.empty()) {
      std::fprintf(stderr, "no tokens in --tokens_file=%s\n",
                   options.tokens_file.c_str());
      return 2;
    }
  }
  Load load(options, std::move(requests));
  load.Run();
  load.Report();
  return 0;
}
