// RareShapePicker: a sink that keeps the first trace of each trace shape (TraceTruth::shape, the
// hash of the span tree) while the shape is rare, so that after the run the HTML report can draw
// one waterfall per rare shape: the paths a uniform sample most likely misses.
//
// A shape is rare while it has been seen at most `rare_max` times; its copy is freed when it is
// seen once more. At most `max_kept` copies are held at once (new shapes past that are counted,
// not kept), so memory is bounded whatever the run's length. Fragments (truth.fragment) are
// left out: they are part of the request that started them. Deterministic: ties break by the
// order in which the shapes first appeared.
#ifndef TRACESIM_REPORTS_RARE_SHAPES_H_
#define TRACESIM_REPORTS_RARE_SHAPES_H_

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "reports/traces/trace_picker.h"
#include "sim/kernel/sink.h"

namespace tracesim::reports {

struct RareShapeOptions {
  uint64_t rare_max = 5;  // a shape seen more often than this is not rare; Default: 5
  size_t max_kept = 512;  // copies held at once; Default: 512
  size_t limit = 3;       // shapes Take() returns; Default: 3
};

struct RareShape {
  uint64_t shape = 0;
  uint64_t traces = 0;  // traces of this shape in the run
  PickedTrace first;    // the first of them (no fragments)
};

class RareShapePicker final : public sim::SpanSink {
 public:
  explicit RareShapePicker(RareShapeOptions options = {}) : options_(options) {}
  void OnTrace(const sim::TraceView& trace) noexcept override;

  // The rarest shapes (fewest traces, then first seen), at most `limit`; moves the copies out.
  // Call once after the run.
  std::vector<RareShape> Take();
  uint64_t shapes() const { return shapes_.size(); }  // distinct shapes seen
  uint64_t traces() const { return traces_; }         // traces counted (no fragments)
  // Adds the shapes `other` (a picker of another, later shard of the same run, with the same
  // options) saw: counts add up, a shape new here is ordered after this picker's in the order
  // `other` saw them, and its first trace is `other`'s (while copies are under max_kept). A
  // shape that passes rare_max in sum is no longer rare. Moves the copies out.
  void Merge(RareShapePicker&& other);
  // Whether trace `id`, of shape `shape`, is held now as its shape's first. O(1).
  bool Holds(uint64_t shape, const sim::TraceId& id) const noexcept;
  // Appends the ids of the traces held now. O(shapes seen).
  void HeldIds(std::vector<sim::TraceId>* out) const;

 private:
  struct Entry {
    uint64_t count = 0;
    uint64_t order = 0;  // 0-based order of first appearance
    std::unique_ptr<CapturedTrace> first;
  };
  RareShapeOptions options_;
  std::unordered_map<uint64_t, Entry> shapes_;
  size_t kept_ = 0;
  uint64_t traces_ = 0;
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_RARE_SHAPES_H_
