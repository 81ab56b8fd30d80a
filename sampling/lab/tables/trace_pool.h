// TracePool: the sampling lab's per-trace records while a trace is in flight or waiting to be
// scored: the truth, how many spans each strategy stored of it, and the consistent-sampling
// threshold its root's head sampler chose per strategy.
//
// A trace gets a slot from its first span on (Slot()) and keeps it until the lab scores it and
// calls Release(). The per-strategy rows are flat and apart from the truth records, so the
// per-span updates stay in a few hot cache lines; a freed slot is reused before the pool grows,
// so memory follows the traces in flight, not the run length. Lookups remember the last trace
// (a tail stage releases a trace's spans one after the other). Not thread-safe.
#ifndef TRACESIM_SAMPLING_LAB_TABLES_TRACE_POOL_H_
#define TRACESIM_SAMPLING_LAB_TABLES_TRACE_POOL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sampling/core/consistent_tracestate.h"
#include "sampling/lab/stats/service_red.h"
#include "sim/base/huge_pages.h"
#include "sim/model/faults.h"
#include "sim/model/trace_id_map.h"

namespace tracesim::sampling {

class TracePool {
 public:
  static constexpr uint32_t kMissing = sim::TraceIdMap::kMissing;

  struct Record {
    bool completed = false;
    bool observed = true;  // scored (the trace is in the simulation's observation window)
    int64_t deadline = 0;
    uint32_t exported = 0;
    int64_t whole_ns = 0;  // first span start to last span end
    sim::TraceTruth truth;
    std::vector<ServiceSample> requests;  // its SERVER and CONSUMER spans (RED per service)
  };

  // `strategies`: the length of each slot's rows. REQUIRES: before any Slot().
  void SetStrategies(size_t strategies) { width_ = strategies; }

  // The slot of a trace with a record, or kMissing.
  uint32_t SlotOf(const sim::TraceId& id) noexcept {
    if (last_slot_ != kMissing && id == last_id_) return last_slot_;
    last_id_ = id;
    last_slot_ = index_.Find(id);
    return last_slot_;
  }

  // The slot of `id`, made (rows zeroed, thresholds absent) when it has none.
  uint32_t Slot(const sim::TraceId& id) {
    const uint32_t found = SlotOf(id);
    if (found != kMissing) return found;
    uint32_t s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
      records_[s].completed = false;
      records_[s].exported = 0;
      // The next trace takes the slot freed before this one, long unused: load it meanwhile.
      if (!free_.empty()) PrefetchSlot(free_.back());
    } else {
      s = static_cast<uint32_t>(records_.size());
      records_.emplace_back();
      kept_.resize(records_.size() * width_);
      kept_bytes_.resize(records_.size() * width_);
      thresholds_.resize(records_.size() * width_);
    }
    std::fill_n(KeptOf(s), width_, 0);
    std::fill_n(KeptBytesOf(s), width_, 0);
    std::fill_n(ThresholdOf(s), width_, kNoThreshold);
    index_.Put(id, s);
    last_id_ = id;
    last_slot_ = s;
    return s;
  }

  // A hint that `id` (whose slot was `slot`) is looked up and its record read soon: starts
  // loading its index entry, its record and its rows. No effect on the contents. Always inlined:
  // GCC 12 finds a function of prefetches alone free of effects and deletes the calls to it.
  [[gnu::always_inline]] void Prefetch(const sim::TraceId& id, uint32_t slot) const noexcept {
    index_.Prefetch(id);
    PrefetchSlot(slot);
  }

  // Drops the index entry of `id` (its slot stays taken until Release()).
  void Forget(const sim::TraceId& id) {
    index_.Erase(id);
    if (id == last_id_) last_slot_ = kMissing;
  }
  // `slot` may be reused. REQUIRES: its trace forgotten.
  void Release(uint32_t slot) { free_.push_back(slot); }

  Record& record(uint32_t slot) { return records_[slot]; }
  const Record& record(uint32_t slot) const { return records_[slot]; }
  // Per strategy: spans of the trace stored, their bytes; the th of its root's head decision.
  uint32_t* KeptOf(uint32_t slot) noexcept { return kept_.data() + size_t{slot} * width_; }
  uint64_t* KeptBytesOf(uint32_t slot) noexcept {
    return kept_bytes_.data() + size_t{slot} * width_;
  }
  uint64_t* ThresholdOf(uint32_t slot) noexcept {
    return thresholds_.data() + size_t{slot} * width_;
  }

 private:
  // Starts loading slot's record and rows (a hint; no effect when out of range).
  [[gnu::always_inline]] void PrefetchSlot(uint32_t slot) const noexcept {
    if (slot >= records_.size()) return;
    const char* r = reinterpret_cast<const char*>(&records_[slot]);
    for (size_t line = 0; line < sizeof(Record); line += 64) __builtin_prefetch(r + line);
    __builtin_prefetch(kept_.data() + size_t{slot} * width_);
    __builtin_prefetch(kept_bytes_.data() + size_t{slot} * width_);
    __builtin_prefetch(thresholds_.data() + size_t{slot} * width_);
  }

  size_t width_ = 0;
  sim::TraceIdMap index_;  // trace -> slot
  sim::TraceId last_id_;
  uint32_t last_slot_ = kMissing;
  // Large in a long run, looked up at random: on huge pages (sim/base/huge_pages.h).
  template <typename T>
  using Table = std::vector<T, sim::HugePageAllocator<T>>;
  Table<Record> records_;
  Table<uint32_t> kept_;
  Table<uint64_t> kept_bytes_;
  Table<uint64_t> thresholds_;
  std::vector<uint32_t> free_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_TABLES_TRACE_POOL_H_
