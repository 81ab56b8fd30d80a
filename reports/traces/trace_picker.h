// TracePicker: a sink that keeps copies of the few traces a user asked to look at (the slowest,
// the first errors, those a fault touched, one id, one shape), with the fragments that continued
// them after a lost context. Selection uses the ground truth (sim::TraceTruth), so it sees what
// really happened, not only what was exported. Deterministic: ties break by start order.
//
// Cost per trace: one comparison, plus a copy of the spans only when the trace qualifies.
// A fragment may finish before or after the trace it continues: one that finishes after a kept
// trace is attached to it at once; one that finishes before waits in a bounded buffer of the most
// recent `max_fragments` fragments, which covers any trace shorter than that many fragments.
#ifndef TRACESIM_REPORTS_TRACE_PICKER_H_
#define TRACESIM_REPORTS_TRACE_PICKER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sim/base/status.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"
#include "sim/model/span.h"

namespace tracesim::reports {

// An owned copy of one finished trace (or fragment) and its truth.
struct CapturedTrace {
  sim::TraceId trace_id;
  sim::TraceTruth truth;
  std::vector<sim::Span> spans;  // start order, as the simulation emitted them
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;

  static CapturedTrace From(const sim::TraceView& view);
  // A view over this copy, valid while it lives (for sinks such as the OTLP file writer).
  sim::TraceView View(const sim::Model& model) const;
};

// A picked trace with the fragments that continued it (truth.parent_trace_id == its id).
struct PickedTrace {
  CapturedTrace trace;
  std::vector<CapturedTrace> fragments;
};

struct TracePickOptions {
  enum class Filter : uint8_t { kAny, kError, kFault, kId, kShape };
  enum class Order : uint8_t { kSlowest, kFirst };
  Filter filter = Filter::kAny;
  Order order = Order::kSlowest;
  size_t limit = 1;             // traces to keep; Default: 1
  uint32_t fault_index = 0;     // kFault: index into the FaultPlan
  sim::TraceId id;              // kId
  uint64_t shape = 0;           // kShape: TraceTruth::shape
  size_t max_fragments = 4096;  // fragments buffered for the picked traces; Default: 4096
  // limit in [1, 1000]; kFault needs fault_index < 64; kId a valid id.
  sim::Status Validate() const;
};

class TracePicker final : public sim::SpanSink {
 public:
  explicit TracePicker(TracePickOptions options) : options_(options) {}
  void OnTrace(const sim::TraceView& trace) noexcept override;

  // The picked traces: slowest first (Order::kSlowest) or in start order (kFirst), each with its
  // fragments in start order. Moves the copies out; call once after the run.
  std::vector<PickedTrace> Take();
  uint64_t matched() const { return matched_; }  // traces that passed the filter
  // Adds the traces `other` (a picker of another, later shard of the same run, with the same
  // options) kept: as one picker that saw this shard's traces, then `other`'s. Moves them out.
  void Merge(TracePicker&& other);
  // Whether a copy of trace `id` is held now (not its fragments). O(limit).
  bool Holds(const sim::TraceId& id) const noexcept;
  // Appends the ids of the traces held now (not their fragments).
  void HeldIds(std::vector<sim::TraceId>* out) const;

 private:
  bool Matches(const sim::TraceView& trace) const;
  TracePickOptions options_;
  void Keep(const sim::TraceView& trace);
  void Keep(PickedTrace&& picked);       // adds a copy, evicting the fastest past the limit
  std::vector<PickedTrace> kept_;        // kSlowest: a heap, the fastest (then latest) on top
  std::deque<CapturedTrace> fragments_;  // the most recent fragments of traces not kept
  uint64_t matched_ = 0;
};

// Parses 32 hex digits (a trace id) or 16 (a shape hash); false when malformed.
bool ParseTraceIdHex(const std::string& hex, sim::TraceId* out);
bool ParseShapeHex(const std::string& hex, uint64_t* out);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_TRACE_PICKER_H_
