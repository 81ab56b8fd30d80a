// ExportGroups: one SDK export request's spans grouped by trace, in the order upstream's
// tail_sampling processor takes them.
//
// The processor groups a request's ResourceSpans by trace id (groupSpansByTraceKey) and walks the
// groups in Go map order, random per request. Group() keeps each trace's spans in their order and
// the traces in order of first appearance; Shuffle() then permutes the traces with a fixed-seed
// generator, so which traces a full num_traces evicts is as random as upstream and the run stays
// deterministic. O(n) per request: an open-addressing table of the request's trace ids, cleared
// by generation; nothing allocates once the buffers have grown to the largest request.
// Not thread-safe.
#ifndef TRACESIM_SAMPLING_LAB_TABLES_EXPORT_GROUPS_H_
#define TRACESIM_SAMPLING_LAB_TABLES_EXPORT_GROUPS_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sampling/collector/tail_sampling/tail_size.h"

namespace tracesim::sampling {

class ExportGroups {
 public:
  // Groups `spans` by trace (replacing the previous request's groups).
  void Group(std::span<const SizedSpan> spans);
  // Permutes the groups (Fisher-Yates, splitmix64 from a fixed seed carried across requests).
  void Shuffle() noexcept;

  size_t size() const { return groups_.size(); }
  // Group i's spans (one trace's). REQUIRES: i < size().
  std::span<const SizedSpan> operator[](size_t i) const {
    return {grouped_.data() + groups_[i].first, groups_[i].second};
  }

 private:
  struct Slot {
    sim::TraceId id;
    uint64_t gen = 0;
    uint32_t group = 0;
  };
  std::vector<Slot> table_;
  uint64_t gen_ = 0;
  std::vector<uint32_t> group_of_;                     // per span: its group
  std::vector<std::pair<uint32_t, uint32_t>> groups_;  // (begin, count) per trace
  std::vector<SizedSpan> grouped_;
  uint64_t rng_ = 0x7472616365736D31ULL;  // splitmix64 state; fixed seed
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_TABLES_EXPORT_GROUPS_H_
