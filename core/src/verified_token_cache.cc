#include "verified_token_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace authgate::internal {

VerifiedTokenCache::VerifiedTokenCache(size_t max_entries, size_t max_bytes)
    : max_entries_per_shard_(std::max<size_t>(1, max_entries / kShards)),
      max_bytes_per_shard_(std::max<size_t>(1, max_bytes / kShards)) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardFor(
    absl::string_view token) {
  return shards_[absl::Hash<absl::string_view>{}(token) % kShards];
}

void VerifiedTokenCache::EraseLocked(Shard& shard,
                                     std::list<Node>::iterator it) {
  shard.bytes -= it->bytes;
  shard.index.erase(it->token);
  shard.lru.erase(it);
}

std::optional<CachedVerification> VerifiedTokenCache::Lookup(
    absl::string_view token, absl::Time now) {
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  auto found = shard.index.find(token);
  if (found == shard.index.end()) return std::nullopt;
  auto it = found->second;
  if (now >= it->expires_at) {
    EraseLocked(shard, it);
    return std::nullopt;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it);
  return it->entry;
}

void VerifiedTokenCache::Insert(absl::string_view token,
                                CachedVerification entry,
                                absl::Time expires_at) {
  size_t bytes =
      token.size() + entry.data->payload_json.size() + kEntryOverheadBytes;
  if (bytes > max_bytes_per_shard_) return;
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(token); found != shard.index.end()) {
    EraseLocked(shard, found->second);
  }
  while (!shard.lru.empty() && (shard.lru.size() >= max_entries_per_shard_ ||
                                shard.bytes + bytes > max_bytes_per_shard_)) {
    EraseLocked(shard, std::prev(shard.lru.end()));
  }
  shard.lru.push_front(
      Node{std::string(token), std::move(entry), expires_at, bytes});
  // The index keys view the token string owned by the list node, whose
  // address is stable for the node's lifetime.
  shard.index.emplace(shard.lru.front().token, shard.lru.begin());
  shard.bytes += bytes;
}

void VerifiedTokenCache::SetKeyGeneration(absl::string_view token,
                                          uint64_t generation) {
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(token); found != shard.index.end()) {
    found->second->entry.key_generation = generation;
  }
}

void VerifiedTokenCache::Erase(absl::string_view token) {
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(token); found != shard.index.end()) {
    EraseLocked(shard, found->second);
  }
}

size_t VerifiedTokenCache::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.lru.size();
  }
  return total;
}

}  // namespace authgate::internal
