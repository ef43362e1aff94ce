#include "verified_token_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace authgate::internal {

namespace {

// How much of a token's end the hash reads. A token that can be in the
// cache ends in a signature, whose last bytes are as good as random and
// which no caller can choose for a token that verifies; hashing them and
// the length rather than the whole 1 KB takes the hash out of a hit's
// profile (9% of a Python hit). Tokens crafted to share those bytes cost a
// compare per probe, no more: only verified tokens are inserted, and
// equality compares whole tokens.
constexpr size_t kHashedTailBytes = 64;

uint64_t TokenHash(absl::string_view token) {
  size_t tail = std::min(token.size(), kHashedTailBytes);
  return absl::HashOf(token.size(), token.substr(token.size() - tail));
}

}  // namespace

CacheKey::CacheKey(absl::string_view token)
    : token(token), hash(TokenHash(token)) {}

VerifiedTokenCache::VerifiedTokenCache(size_t max_entries, size_t max_bytes)
    : max_entries_per_shard_(std::max<size_t>(1, max_entries / kShards)),
      max_bytes_per_shard_(std::max<size_t>(1, max_bytes / kShards)) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardFor(
    const CacheKey& key) const {
  // The top bits: the map's own probing uses the low ones.
  return shards_[(key.hash >> 56) % kShards];
}

void VerifiedTokenCache::EraseLocked(Shard& shard, NodeList::iterator it) {
  shard.bytes -= it->bytes;
  shard.index.erase(CacheKey(it->entry.data->token, it->hash));
  shard.fifo.erase(it);
}

void VerifiedTokenCache::EvictOneLocked(Shard& shard) {
  // Second chance: an entry used since it last came up goes to the front
  // once; a shard of used entries still ends, as every flag gets cleared.
  while (true) {
    auto oldest = std::prev(shard.fifo.end());
    if (!oldest->used.exchange(false, std::memory_order_relaxed) ||
        shard.fifo.size() == 1) {
      EraseLocked(shard, oldest);
      return;
    }
    shard.fifo.splice(shard.fifo.begin(), shard.fifo, oldest);
  }
}

std::optional<CachedVerification> VerifiedTokenCache::Lookup(
    const CacheKey& key, absl::Time now) const {
  Shard& shard = ShardFor(key);
  absl::ReaderMutexLock lock(&shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return std::nullopt;
  const Node& node = *found->second;
  // An expired entry stays until evicted or replaced by the insert that
  // follows this miss; a shared lock cannot remove it.
  if (now >= node.expires_at) return std::nullopt;
  if (!node.used.load(std::memory_order_relaxed)) {
    node.used.store(true, std::memory_order_relaxed);
  }
  return node.entry;
}

void VerifiedTokenCache::Insert(const CacheKey& key, CachedVerification entry,
                                absl::Time expires_at) {
  size_t bytes = entry.data->HeapBytes() + kIndexBytes;
  if (bytes > max_bytes_per_shard_) return;
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    EraseLocked(shard, found->second);
  }
  while (!shard.fifo.empty() && (shard.fifo.size() >= max_entries_per_shard_ ||
                                 shard.bytes + bytes > max_bytes_per_shard_)) {
    EvictOneLocked(shard);
  }
  shard.fifo.emplace_front(key.hash, std::move(entry), expires_at, bytes);
  // The index key views the token owned by the node's TokenData, which
  // lives as long as the node.
  shard.index.emplace(CacheKey(shard.fifo.front().entry.data->token, key.hash),
                      shard.fifo.begin());
  shard.bytes += bytes;
}

void VerifiedTokenCache::SetKeyGeneration(const CacheKey& key,
                                          uint64_t generation) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    found->second->entry.key_generation = generation;
  }
}

void VerifiedTokenCache::Erase(const CacheKey& key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    EraseLocked(shard, found->second);
  }
}

size_t VerifiedTokenCache::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::ReaderMutexLock lock(&shard.mu);
    total += shard.fifo.size();
  }
  return total;
}

}  // namespace authgate::internal
