// The future-event set: a min-queue of events ordered by (time, sequence).
//
// The sequence number is assigned at Push, so events at equal times pop in the order they were
// scheduled (stable, hence deterministic). Two implementations share one interface (the
// EventQueueLike concept): a 4-ary implicit heap (the default: shallower than a binary heap, its
// four children side by side) and a binary heap for comparison in benchmarks. The simulation
// pops with Take()/FinishTake(), so that the event a handler schedules fills the root. Swap in a
// ladder or calendar queue behind the same interface if profiles ever show > 1e6 pending events
// with heavy-tailed delays. Not thread-safe.
#ifndef TRACESIM_SIM_EVENT_QUEUE_H_
#define TRACESIM_SIM_EVENT_QUEUE_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/base/time.h"

namespace tracesim::sim {

struct Event {
  Time time;
  uint64_t seq = 0;     // set by Push
  uint32_t type = 0;    // meaning owned by the queue's user
  uint32_t target = 0;  // an index into the user's tables
};

// The order of events, (time, seq) lexicographically, as one unsigned 128-bit key: the sign bit
// of the time flipped so that negative times come first. One compare, no branch.
inline unsigned __int128 EventKey(const Event& e) noexcept {
  const uint64_t t = static_cast<uint64_t>(e.time.nanos()) ^ (uint64_t{1} << 63);
  return static_cast<unsigned __int128>(t) << 64 | e.seq;
}

inline bool EventBefore(const Event& a, const Event& b) noexcept {
  return EventKey(a) < EventKey(b);
}

template <typename Q>
concept EventQueueLike = requires(Q q, const Q cq, Time t, uint32_t u) {
  { q.Push(t, u, u) } -> std::same_as<void>;
  { q.Pop() } -> std::same_as<Event>;
  { cq.Top() } -> std::same_as<const Event&>;
  { cq.size() } -> std::convertible_to<size_t>;
  { cq.empty() } -> std::same_as<bool>;
};

// D-ary implicit min-heap over a flat vector. D = 4 by default.
template <int D>
class DaryHeapQueue {
 public:
  void Reserve(size_t n) { heap_.reserve(n); }
  void Push(Time time, uint32_t type, uint32_t target) noexcept {
    Event e{time, next_seq_++, type, target};
    if (hole_) {  // after Take(): the new event fills the root and sinks from there
      hole_ = false;
      SiftDown(e);
      return;
    }
    size_t i = heap_.size();
    heap_.push_back(e);
    // `e` has the greatest sequence yet, so it goes before an event exactly when its time is
    // earlier: equal times keep the pending event first.
    while (i > 0) {
      size_t parent = (i - 1) / D;
      if (!(time < heap_[parent].time)) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  // REQUIRES: !empty() and no Take() pending.
  const Event& Top() const noexcept { return heap_.front(); }
  // REQUIRES: !empty() and no Take() pending.
  Event Pop() noexcept {
    Event top = heap_.front();
    CloseRoot();
    return top;
  }
  // Pop in two steps, for a caller that usually schedules an event as it handles one: returns the
  // least event and leaves its place at the root open; the next Push fills it (one sift-down for
  // the two, where Pop then Push sift down and then up). FinishTake() closes the place when no
  // Push came. Until FinishTake, only Push may be called. The events come out as with Pop.
  // REQUIRES: !empty() and no Take() pending.
  Event Take() noexcept {
    hole_ = true;
    return heap_.front();
  }
  void FinishTake() noexcept {
    if (!hole_) return;
    hole_ = false;
    CloseRoot();
  }
  size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

 private:
  // Removes the root: the last event takes its place and sinks.
  void CloseRoot() noexcept {
    const Event last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) SiftDown(last);
  }
  // Places `e` at the root, then moves it down below every smaller child. REQUIRES: !empty().
  void SiftDown(const Event& e) noexcept {
    const size_t n = heap_.size();
    Event* const h = heap_.data();
    const int64_t et = e.time.nanos();
    size_t i = 0;
    for (;;) {
      const size_t first = i * D + 1;
      size_t best;
      int64_t best_t;
      if (first + D <= n) {
        best = LeastChild(h, first, D, &best_t);  // a constant count: the loop is unrolled
      } else if (first < n) {
        best = LeastChild(h, first, n - first, &best_t);
      } else {
        break;
      }
      // The child's time is at hand (no load that waits for `best`); equal times are rare.
      if (best_t == et ? !(h[best].seq < e.seq) : best_t > et) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = e;
  }
  // The least of the `count` events from `first` on, and its time. Which child is least is a
  // coin toss, so the times are compared with conditional moves, not branches (mispredicted half
  // the time, the branches cost twice as much at 1 k-100 k pending events: bench/README.md).
  // Equal times, which are rare, are noted and the children compared again with sequences.
  static size_t LeastChild(const Event* h, size_t first, size_t count, int64_t* least) noexcept {
    size_t best = first;
    int64_t best_t = h[first].time.nanos();
    bool tie = false;
    for (size_t c = first + 1; c < first + count; ++c) {
      const int64_t t = h[c].time.nanos();
      tie |= t == best_t;
      const bool less = t < best_t;
      best = less ? c : best;
      best_t = less ? t : best_t;
    }
    if (tie) [[unlikely]]
      best = LeastChildByKey(h, first, count);
    *least = best_t;
    return best;
  }
  // The least of the `count` events from `first` on by (time, seq): LeastChild's slow path.
  [[gnu::noinline]] static size_t LeastChildByKey(const Event* h, size_t first,
                                                  size_t count) noexcept {
    size_t best = first;
    unsigned __int128 best_key = EventKey(h[first]);
    for (size_t c = first + 1; c < first + count; ++c) {  // conditional moves, as above
      const unsigned __int128 k = EventKey(h[c]);
      const bool less = k < best_key;
      best = less ? c : best;
      best_key = less ? k : best_key;
    }
    return best;
  }
  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
  bool hole_ = false;  // Take() left the root's place open
};

using QuaternaryHeapQueue = DaryHeapQueue<4>;
using BinaryHeapQueue = DaryHeapQueue<2>;
// The queue the Simulation uses.
using EventQueue = QuaternaryHeapQueue;

static_assert(EventQueueLike<QuaternaryHeapQueue>);
static_assert(EventQueueLike<BinaryHeapQueue>);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_EVENT_QUEUE_H_
