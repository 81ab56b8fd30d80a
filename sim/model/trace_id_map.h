// TraceIdMap: an open-addressing hash map from TraceId to a uint32_t (typically a slot index in a
// pool), for the per-span lookups of samplers and collectors.
//
// Linear probing over a power-of-two table kept at most half full; deletion shifts the following
// entries back (no tombstones), so lookups stay short however many inserts and erases a long run
// makes. Inserting never allocates unless the table grows (it doubles; it never shrinks), so a
// map sized for the traces in flight allocates nothing in steady state. Trace ids are random
// (W3C), so the hash only mixes the two halves. Not thread-safe.
#ifndef TRACESIM_SIM_TRACE_ID_MAP_H_
#define TRACESIM_SIM_TRACE_ID_MAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/base/huge_pages.h"
#include "sim/model/span.h"

namespace tracesim::sim {

class TraceIdMap {
 public:
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  // Room for `expected` entries without growing. Default: 0 (16 slots).
  explicit TraceIdMap(size_t expected = 0) { Rehash(CapacityFor(expected)); }

  // The value stored for `id`, or kMissing.
  uint32_t Find(const TraceId& id) const noexcept {
    for (size_t i = Home(id);; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.value == kMissing) return kMissing;
      if (e.id == id) return e.value;
    }
  }
  bool Contains(const TraceId& id) const noexcept { return Find(id) != kMissing; }
  // Starts loading the table line where a lookup of `id` begins (a hint; no effect otherwise).
  void Prefetch(const TraceId& id) const noexcept { __builtin_prefetch(&table_[Home(id)]); }

  // Sets the value of `id` (inserting it when absent). REQUIRES: value != kMissing.
  void Put(const TraceId& id, uint32_t value) {
    if ((size_ + 1) * 2 > table_.size()) Rehash(table_.size() * 2);
    for (size_t i = Home(id);; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.value == kMissing) {
        e.id = id;
        e.value = value;
        ++size_;
        return;
      }
      if (e.id == id) {
        e.value = value;
        return;
      }
    }
  }

  // Removes `id`; returns its value, or kMissing when it was absent.
  uint32_t Erase(const TraceId& id) noexcept {
    size_t i = Home(id);
    for (;; i = (i + 1) & mask_) {
      if (table_[i].value == kMissing) return kMissing;
      if (table_[i].id == id) break;
    }
    const uint32_t old = table_[i].value;
    // Backward-shift: move each following entry of the cluster into the hole when the hole lies
    // on its probe path (between its home and its position, cyclically).
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; table_[j].value != kMissing; j = (j + 1) & mask_) {
      const size_t home = Home(table_[j].id);
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        table_[hole] = table_[j];
        hole = j;
      }
    }
    table_[hole].value = kMissing;
    --size_;
    return old;
  }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void Clear() noexcept {
    for (Entry& e : table_) e.value = kMissing;
    size_ = 0;
  }
  // Grows so that `n` entries fit without rehashing.
  void Reserve(size_t n) {
    if (CapacityFor(n) > table_.size()) Rehash(CapacityFor(n));
  }

 private:
  struct Entry {
    TraceId id;
    uint32_t value = kMissing;
  };

  static size_t CapacityFor(size_t n) {
    size_t c = 16;
    while (c < 2 * n) c *= 2;
    return c;
  }
  size_t Home(const TraceId& id) const noexcept {
    const uint64_t h = (id.hi ^ (id.lo * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    return static_cast<size_t>(h >> 32) & mask_;
  }
  void Rehash(size_t capacity) {
    std::vector<Entry, HugePageAllocator<Entry>> old;
    old.swap(table_);
    table_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Entry& e : old)
      if (e.value != kMissing) Put(e.id, e.value);
  }

  std::vector<Entry, HugePageAllocator<Entry>> table_;  // large: on huge pages (huge_pages.h)
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_TRACE_ID_MAP_H_
