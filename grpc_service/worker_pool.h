// WorkerPool: a fixed set of threads with a bounded queue, owned by the
// service, for work that may block on the network (OAuth calls, a cold JWKS).
// gRPC's callback reactions must not block, so handlers post such work here
// and finish the RPC from the worker.
//
// Bounded on purpose: when the provider is slow the queue fills and new
// work is refused at once (the caller answers RESOURCE_EXHAUSTED) instead of
// piling up memory and latency.
//
// Thread-safe.
//
//   WorkerPool pool(/*threads=*/4, /*max_queued=*/1024);
//   if (!pool.TrySubmit([reactor] { reactor->Finish(DoCall()); })) {
//     reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, ...));
//   }
//   pool.Stop();   // runs what was queued, then joins
#ifndef AUTHGATE_GRPC_SERVICE_WORKER_POOL_H_
#define AUTHGATE_GRPC_SERVICE_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace authgate::service {

class WorkerPool {
 public:
  // Starts `threads` threads (at least 1); at most `max_queued` tasks wait.
  WorkerPool(size_t threads, size_t max_queued);
  // Stops (see Stop()).
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. False when the queue is full or the pool is stopping;
  // the task is then not run and the caller must answer on its own.
  bool TrySubmit(std::function<void()> task);

  // Refuses new tasks, runs every queued one, joins the threads. Idempotent.
  void Stop();

  size_t queued() const;
  size_t busy() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  size_t busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Held while Stop() joins; not mu_, which the workers need to finish.
  absl::Mutex join_mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_WORKER_POOL_H_
