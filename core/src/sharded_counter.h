// ShardedCounter: a statistics counter that threads bump without sharing a
// cache line (each thread picks one of a few padded slots), so counting a
// cached verification on two cores does not serialise them.
#ifndef AUTHGATE_SRC_SHARDED_COUNTER_H_
#define AUTHGATE_SRC_SHARDED_COUNTER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace authgate::internal {

class ShardedCounter {
 public:
  void Increment() {
    slots_[SlotIndex()].value.fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t Sum() const {
    uint64_t total = 0;
    for (const Slot& slot : slots_) {
      total += slot.value.load(std::memory_order_relaxed);
    }
    return total;
  }

 private:
  static constexpr size_t kSlots = 16;
  struct alignas(64) Slot {
    std::atomic<uint64_t> value{0};
  };

  // Threads take slots in turn as they first count.
  static size_t SlotIndex() {
    static std::atomic<size_t> next{0};
    thread_local size_t index =
        next.fetch_add(1, std::memory_order_relaxed) % kSlots;
    return index;
  }

  std::array<Slot, kSlots> slots_;
};

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_SHARDED_COUNTER_H_
