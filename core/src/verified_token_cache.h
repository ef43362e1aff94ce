// VerifiedTokenCache: a bounded, sharded LRU of tokens whose signature and
// provider-level claims already checked out, keyed by the whole token string
// (Envoy's JwtCache pattern). A repeated token then skips the signature check;
// the caller still re-checks time, key presence and per-call policy on a hit.
// Thread-safe: each shard has its own lock, so there is no global lock.
#ifndef AUTHGATE_SRC_VERIFIED_TOKEN_CACHE_H_
#define AUTHGATE_SRC_VERIFIED_TOKEN_CACHE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "token_data.h"

namespace authgate::internal {

struct CachedVerification {
  std::shared_ptr<const TokenData> data;
  size_t provider_index = 0;
  // KeySource::generation() when the signing key was last known present.
  uint64_t key_generation = 0;
};

class VerifiedTokenCache {
 public:
  // Bounds are split evenly across shards; an entry costs its token's size
  // plus its payload's size plus a fixed overhead.
  VerifiedTokenCache(size_t max_entries, size_t max_bytes);

  // The entry for `token`, unless absent or expired (now >= expires_at, which
  // also drops it).
  std::optional<CachedVerification> Lookup(absl::string_view token,
                                           absl::Time now);

  // Adds or replaces the entry; it lives until `expires_at` at most. Evicts
  // least recently used entries past the bounds.
  void Insert(absl::string_view token, CachedVerification entry,
              absl::Time expires_at);

  // Records that the entry's key was seen in key set `generation`.
  void SetKeyGeneration(absl::string_view token, uint64_t generation);

  void Erase(absl::string_view token);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntryOverheadBytes = 256;

  struct Node {
    std::string token;
    CachedVerification entry;
    absl::Time expires_at;
    size_t bytes;
  };
  struct Shard {
    mutable absl::Mutex mu;
    std::list<Node> lru ABSL_GUARDED_BY(mu);  // most recent first
    absl::flat_hash_map<absl::string_view, std::list<Node>::iterator> index
        ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardFor(absl::string_view token);
  static void EraseLocked(Shard& shard, std::list<Node>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const size_t max_entries_per_shard_;
  const size_t max_bytes_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_VERIFIED_TOKEN_CACHE_H_
