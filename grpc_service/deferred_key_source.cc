#include "grpc_service/deferred_key_source.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

// Per thread: 0 outside a scope, 1 inside, 2 inside and blocked.
thread_local int non_blocking_state = 0;

}  // namespace

NonBlockingScope::NonBlockingScope() { non_blocking_state = 1; }
NonBlockingScope::~NonBlockingScope() { non_blocking_state = 0; }
bool NonBlockingScope::blocked() const { return non_blocking_state == 2; }

DeferredKeySource::DeferredKeySource(std::string provider_name)
    : provider_name_(std::move(provider_name)) {}

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
  if (non_blocking_state != 0) {
    non_blocking_state = 2;
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable,
                     "key lookup deferred to a worker thread");
  }
  return current->OnUnknownKeyId(key_id);
}

}  // namespace authgate::service
