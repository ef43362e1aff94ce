// SingleFlight: concurrent calls with the same key share one execution and
// its result (the Go singleflight pattern). Used to collapse concurrent
// refreshes of one refresh token and concurrent client_credentials requests.
#ifndef AUTHGATE_SRC_SINGLE_FLIGHT_H_
#define AUTHGATE_SRC_SINGLE_FLIGHT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace authgate::internal {

template <typename T>
class SingleFlight {
 public:
  // Runs `fn` unless a call with `key` is under way, in which case it waits
  // for that call and returns a copy of its result. Only concurrent calls
  // are collapsed: once a call finished, the next one runs `fn` again.
  template <typename Fn>
  absl::StatusOr<T> Do(const std::string& key, Fn&& fn) {
    std::shared_ptr<Call> call;
    {
      absl::MutexLock lock(&mu_);
      auto it = calls_.find(key);
      if (it != calls_.end()) {
        call = it->second;
        ++shared_calls_;
        while (!call->done) done_.Wait(&mu_);
        return call->result;
      }
      call = std::make_shared<Call>();
      calls_.emplace(key, call);
    }
    absl::StatusOr<T> result = fn();
    absl::MutexLock lock(&mu_);
    call->result = result;
    call->done = true;
    calls_.erase(key);
    done_.SignalAll();
    return result;
  }

  // Number of calls that joined another one (for tests and metrics).
  uint64_t shared_calls() const {
    absl::MutexLock lock(&mu_);
    return shared_calls_;
  }

 private:
  struct Call {
    bool done = false;
    absl::StatusOr<T> result = absl::UnknownError("pending");
  };
  mutable absl::Mutex mu_;
  absl::CondVar done_;
  absl::flat_hash_map<std::string, std::shared_ptr<Call>> calls_
      ABSL_GUARDED_BY(mu_);
  uint64_t shared_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_SINGLE_FLIGHT_H_
