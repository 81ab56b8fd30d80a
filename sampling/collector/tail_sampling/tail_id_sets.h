// The id bookkeeping of TailSamplingProcessor (tail_processor.h), each a small class of its own:
//   TailDecisionCache  a bounded LRU of trace ids: the sampled / non-sampled decision caches
//   RemovedTraceIds    a direct-mapped table of ids that left memory (split-trace detection)
//   TailIdBatcher      the ticker's ring of id batches (upstream's idbatcher)
// Not thread-safe.
#ifndef TRACESIM_SAMPLING_TAIL_ID_SETS_H_
#define TRACESIM_SAMPLING_TAIL_ID_SETS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/model/span.h"
#include "sim/model/trace_id_map.h"

namespace tracesim::sampling {

// A bounded LRU of trace ids; capacity 0 disables it (Contains is false, Put does nothing).
class TailDecisionCache {
 public:
  explicit TailDecisionCache(size_t cap) : cap_(cap) {}
  bool enabled() const { return cap_ > 0; }
  bool Contains(const sim::TraceId& id);  // refreshes recency
  void Put(const sim::TraceId& id);       // evicts the least recent id when full

 private:
  struct Node {
    sim::TraceId id;
    uint32_t prev, next;
  };
  size_t cap_;
  std::vector<Node> nodes_;
  uint32_t head_ = UINT32_MAX, tail_ = UINT32_MAX;  // head = most recent
  sim::TraceIdMap index_;
  void Unlink(uint32_t i);
  void PushFront(uint32_t i);
};

// Ids removed from the processor's memory, one 64-bit fingerprint per slot (a later id in the
// same slot overwrites it): WasRemoved() is a lower bound, false positives at 2^-64 per lookup.
// The table is allocated on the first removal.
class RemovedTraceIds {
 public:
  // REQUIRES: size >= 1.
  explicit RemovedTraceIds(uint64_t size = 1) : size_(size) {}
  void Remember(const sim::TraceId& id) noexcept {
    if (ids_.empty()) ids_.assign(size_, 0);
    ids_[sim::TraceIdHash{}(id) % ids_.size()] = Fingerprint(id);
  }
  // Starts loading the slot of `id` (a hint; no effect on the contents).
  [[gnu::always_inline]] void Prefetch(const sim::TraceId& id) const noexcept {
    if (!ids_.empty()) __builtin_prefetch(&ids_[sim::TraceIdHash{}(id) % ids_.size()]);
  }
  bool WasRemoved(const sim::TraceId& id) const noexcept {
    return id.valid() && !ids_.empty() &&
           ids_[sim::TraceIdHash{}(id) % ids_.size()] == Fingerprint(id);
  }

 private:
  static uint64_t Fingerprint(const sim::TraceId& id) noexcept {
    // 64 bits of the 128: two distinct ids collide in one slot with probability 2^-64.
    uint64_t h = (id.hi ^ (id.lo * 0xC2B2AE3D27D4EB4FULL)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 31;
    return h == 0 ? 1 : h;  // 0 marks an empty slot
  }
  uint64_t size_;
  std::vector<uint64_t> ids_;  // Fingerprint() by TraceIdHash; 0 = empty
};

// The ring of N id batches the 1-second ticker reads (upstream's idbatcher): a new id goes into
// the current batch, which a tick closes into the ring while it takes the oldest batch out. Batch
// numbers grow by one per tick; the current batch is number taken() + N. Batches hold ids, an
// invalid id being a removed entry. An id is in a batch at most once upstream (a set); the
// vectors can hold it twice only after an eviction and recreation, marked per batch (may_repeat)
// so that the tick skips the repeat.
class TailIdBatcher {
 public:
  // Where an id was put: its batch number and index in that batch.
  struct Place {
    uint64_t batch;
    uint32_t pos;
  };
  // REQUIRES: num_batches >= 1.
  explicit TailIdBatcher(uint64_t num_batches = 1)
      : num_batches_(num_batches), batches_(num_batches), may_repeat_(num_batches, 0) {}

  uint64_t num_batches() const { return num_batches_; }
  // Batches taken so far (take_id upstream).
  uint64_t taken() const { return take_id_; }

  // AddToCurrentBatch; `may_repeat`: the id's old incarnation may already be in the batch.
  Place AddToCurrent(const sim::TraceId& id, bool may_repeat) noexcept {
    if (may_repeat) current_may_repeat_ = true;
    current_.push_back(id);
    return Place{take_id_ + num_batches_, static_cast<uint32_t>(current_.size() - 1)};
  }
  // MoveToEarlierBatch: puts `id` (now at `from`) into batch taken() + `batches_ahead` when that
  // is earlier than from.batch; returns its new place, or `from` when it did not move.
  Place MoveEarlier(const sim::TraceId& id, Place from, uint64_t batches_ahead,
                    bool may_repeat) noexcept;
  // RemoveFromBatch: the id at `at` leaves its batch (a tombstone: an invalid id).
  void Remove(const sim::TraceId& id, Place at) noexcept;
  // CloseCurrentAndTakeFirstBatch: swaps the oldest batch into `*read` (cleared first) and its
  // may_repeat flag into `*may_repeat`; the current batch takes its place in the ring. `*read`'s
  // storage becomes the new current batch at the next call (no allocation in steady state).
  void CloseCurrentAndTakeFirst(std::vector<sim::TraceId>* read, bool* may_repeat) noexcept;
  // Batch `k` of the remaining ones in order (k < num_batches(): the ring from the oldest; k ==
  // num_batches(): the current batch), with its may_repeat flag. For the shutdown drain.
  const std::vector<sim::TraceId>& Remaining(uint64_t k, bool* may_repeat) const noexcept;
  void Clear() noexcept;

 private:
  // The ids of batch `b` while it is pending (current or in the ring), else nullptr.
  std::vector<sim::TraceId>* Ids(uint64_t b) noexcept;

  uint64_t num_batches_;
  uint64_t take_id_ = 0;
  std::vector<std::vector<sim::TraceId>> batches_;
  std::vector<sim::TraceId> current_;
  std::vector<uint8_t> may_repeat_;  // per ring batch
  bool current_may_repeat_ = false;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_ID_SETS_H_
