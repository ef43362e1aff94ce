// VerifiedTokenCache: a bounded, sharded cache of tokens whose signature and
// provider-level claims already checked out, keyed by the whole token string
// (Envoy's JwtCache pattern). A repeated token then skips the signature check;
// the caller still re-checks time, key presence and per-call policy on a hit.
//
// Built for the hit: the token is hashed once per verification (CacheKey),
// a lookup takes its shard's lock shared and writes nothing but a "recently
// used" flag, and eviction is second-chance FIFO (CLOCK): the oldest entry
// goes unless it was used since it last came up, which approximates LRU
// without reordering a list on every hit. The hash reads a token's length
// and its signature's last bytes only. An entry stores no copy of the
// token: its key views the token TokenData already owns.
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
  // data->token is the cache key.
  std::shared_ptr<const TokenData> data;
  size_t provider_index = 0;
  // KeySource::generation() when the signing key was last known present.
  uint64_t key_generation = 0;
};

// A token and its hash, computed once and used by every cache call.
struct CacheKey {
  explicit CacheKey(absl::string_view token);
  CacheKey(absl::string_view token, uint64_t hash) : token(token), hash(hash) {}
  absl::string_view token;
  uint64_t hash;
};

class VerifiedTokenCache {
 public:
  // Bounds are split evenly across shards; an entry costs what its
  // TokenData holds (TokenData::HeapBytes) plus its place in the index.
  VerifiedTokenCache(size_t max_entries, size_t max_bytes);

  // The entry for `key`, unless absent or expired (now >= expires_at).
  std::optional<CachedVerification> Lookup(const CacheKey& key,
                                           absl::Time now) const;

  // Adds or replaces the entry for entry.data->token (whose key is `key`);
  // it lives until `expires_at` at most. Evicts past the bounds.
  void Insert(const CacheKey& key, CachedVerification entry,
              absl::Time expires_at);

  // Records that the entry's key was seen in key set `generation`.
  void SetKeyGeneration(const CacheKey& key, uint64_t generation);

  void Erase(const CacheKey& key);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;

  struct Node {
    Node(uint64_t hash, CachedVerification entry, absl::Time expires_at,
         size_t bytes)
        : hash(hash),
          entry(std::move(entry)),
          expires_at(expires_at),
          bytes(bytes) {}
    const uint64_t hash;
    CachedVerification entry;
    const absl::Time expires_at;
    const size_t bytes;
    // Set by lookups under the shared lock; cleared by eviction.
    mutable std::atomic<bool> used{false};
  };
  using NodeList = std::list<Node>;
  // The map's key: the hash (computed once, not by the map) and a view of
  // the token owned by the node's TokenData.
  struct MapHash {
    size_t operator()(const CacheKey& key) const { return key.hash; }
  };
  struct MapEq {
    bool operator()(const CacheKey& a, const CacheKey& b) const {
      return a.hash == b.hash && a.token == b.token;
    }
  };
  struct Shard {
    mutable absl::Mutex mu;
    NodeList fifo ABSL_GUARDED_BY(mu);  // newest first
    absl::flat_hash_map<CacheKey, NodeList::iterator, MapHash, MapEq> index
        ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  // An entry's list node (with its two links and malloc's header) and its
  // map slot (key, iterator and control byte, at the map's 7/8 load).
  static constexpr size_t kIndexBytes =
      (sizeof(Node) + 3 * sizeof(void*) + 15) / 16 * 16 +
      (sizeof(CacheKey) + sizeof(NodeList::iterator) + 1) * 8 / 7;

  Shard& ShardFor(const CacheKey& key) const;
  static void EraseLocked(Shard& shard, NodeList::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Evicts one entry by second chance; the shard must not be empty.
  static void EvictOneLocked(Shard& shard)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const size_t max_entries_per_shard_;
  const size_t max_bytes_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_VERIFIED_TOKEN_CACHE_H_
