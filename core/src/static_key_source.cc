#include "authgate/static_key_source.h"

#include <utility>

#include "authgate/status.h"

namespace authgate {

StaticKeySource::StaticKeySource(std::shared_ptr<const JwkSet> keys)
    : keys_(std::move(keys)) {}

absl::StatusOr<std::shared_ptr<StaticKeySource>> StaticKeySource::FromJwksJson(
    absl::string_view json) {
  absl::StatusOr<std::shared_ptr<const JwkSet>> set = JwkSet::Parse(json);
  if (!set.ok()) return set.status();
  return std::make_shared<StaticKeySource>(*std::move(set));
}

absl::StatusOr<std::shared_ptr<StaticKeySource>> StaticKeySource::FromJwksFile(
    const std::string& path) {
  absl::StatusOr<std::shared_ptr<const JwkSet>> set = JwkSet::ParseFile(path);
  if (!set.ok()) return set.status();
  return std::make_shared<StaticKeySource>(*std::move(set));
}

void StaticKeySource::Update(std::shared_ptr<const JwkSet> keys) {
  absl::MutexLock lock(&mu_);
  keys_ = std::move(keys);
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const JwkSet> StaticKeySource::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_;
}

uint64_t StaticKeySource::generation() const {
  return generation_.load(std::memory_order_acquire);
}

absl::StatusOr<std::shared_ptr<const JwkSet>> StaticKeySource::OnUnknownKeyId(
    absl::string_view /*key_id*/) {
  std::shared_ptr<const JwkSet> keys = Current();
  if (keys == nullptr) {
    return MakeError(absl::StatusCode::kUnavailable,
                     ErrorReason::kProviderUnavailable, "no keys loaded");
  }
  return keys;
}

}  // namespace authgate
