#include "grpc_service/deferred_key_source.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

enum class Mode { kBlocking, kNonBlocking, kBlocked, kResuming };

// Per thread: what OnUnknownKeyId may do here.
struct ThreadState {
  Mode mode = Mode::kBlocking;
  // kBlocked: the source and kid the scope needed.
  DeferredKeySource* source = nullptr;
  std::string key_id;
  // kResuming: the finished lookup, answered to its source's waiters.
  const absl::StatusOr<std::shared_ptr<const JwkSet>>* result = nullptr;
};
thread_local ThreadState state;

absl::Status Deferred() {
  return MakeError(absl::StatusCode::kUnavailable,
                   ErrorReason::kProviderUnavailable,
                   "key lookup deferred until the provider answers");
}

}  // namespace

NonBlockingScope::NonBlockingScope() {
  state = {};
  state.mode = Mode::kNonBlocking;
}
NonBlockingScope::~NonBlockingScope() { state = {}; }
bool NonBlockingScope::blocked() const { return state.mode == Mode::kBlocked; }

bool NonBlockingScope::Defer(std::function<void()> resume) {
  if (state.mode != Mode::kBlocked || state.source == nullptr) return false;
  return state.source->Await(state.key_id, std::move(resume));
}

DeferredKeySource::DeferredKeySource(std::string provider_name,
                                     WorkerPool* lane, size_t max_waiters)
    : provider_name_(std::move(provider_name)),
      lane_(lane),
      max_waiters_(max_waiters) {}

void DeferredKeySource::Attach(std::shared_ptr<KeySource> target) {
  absl::MutexLock lock(&mu_);
  // target_ keeps the object alive for as long as this source lives, so the
  // raw pointer published below never dangles.
  target_ = std::move(target);
  fast_target_.store(target_.get(), std::memory_order_release);
}

bool DeferredKeySource::attached() const {
  return fast_target_.load(std::memory_order_acquire) != nullptr;
}

std::shared_ptr<KeySource> DeferredKeySource::target() const {
  absl::MutexLock lock(&mu_);
  return target_;
}

std::shared_ptr<const JwkSet> DeferredKeySource::Current() const {
  KeySource* target = fast_target_.load(std::memory_order_acquire);
  return target == nullptr ? nullptr : target->Current();
}

uint64_t DeferredKeySource::generation() const {
  KeySource* target = fast_target_.load(std::memory_order_acquire);
  // Attaching changes the answer of Current(), so it must change the
  // generation too: 0 before, the target's (offset by one) after.
  return target == nullptr ? 0 : target->generation() + 1;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> DeferredKeySource::OnUnknownKeyId(
    absl::string_view key_id) {
  std::shared_ptr<KeySource> current = target();
  if (current == nullptr) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable,
                     absl::StrCat("provider ", provider_name_,
                                  " is not set up yet (discovery pending)"));
  }
  switch (state.mode) {
    case Mode::kBlocking:
      return current->OnUnknownKeyId(key_id);
    case Mode::kResuming:
      // A resumed call shares the lookup it waited for; a token of another
      // provider here would be a bug, and must not fetch on the lane.
      if (state.source == this) return *state.result;
      return Deferred();
    case Mode::kNonBlocking:
      state.mode = Mode::kBlocked;
      state.source = this;
      state.key_id = std::string(key_id);
      return Deferred();
    case Mode::kBlocked:
      return Deferred();
  }
  return Deferred();
}

bool DeferredKeySource::Await(std::string key_id,
                              std::function<void()> resume) {
  absl::MutexLock lock(&mu_);
  if (waiters_.size() >= max_waiters_) return false;
  waiters_.emplace_back(std::move(key_id), std::move(resume));
  if (lookup_running_) return true;
  std::string first = waiters_.front().first;
  if (!lane_->TrySubmit([this, first] { RunLookups(first); })) {
    waiters_.pop_back();
    return false;
  }
  lookup_running_ = true;
  return true;
}

void DeferredKeySource::RunLookups(std::string key_id) {
  for (;;) {
    // Blocks on the network at most once per round; the JwksCache shares a
    // fetch in flight and holds unknown kids to its refetch cooldown.
    absl::StatusOr<std::shared_ptr<const JwkSet>> result =
        target()->OnUnknownKeyId(key_id);
    std::vector<Waiter> ready;
    {
      absl::MutexLock lock(&mu_);
      ready.swap(waiters_);
    }
    state = {Mode::kResuming, this, "", &result};
    for (Waiter& waiter : ready) waiter.second();
    state = {};
    absl::MutexLock lock(&mu_);
    if (waiters_.empty()) {
      lookup_running_ = false;
      return;
    }
    // Calls deferred while the waiters above resumed need a lookup of their
    // own: the answer they would share may predate their kid.
    key_id = waiters_.front().first;
  }
}

}  // namespace authgate::service
