// Symptoms of tracing faults (issue 13): what a tracing backend would show of a run's faults,
// counted from the exported spans per fault (and for the traces no fault touched), beside the
// ground truth's incident table.
//
//   fragment roots        traces that began mid-request because an upstream service lost the
//                         trace context (TraceTruth::fragment): orphan SERVER/CONSUMER roots
//   orphan spans          spans whose parent_span_id names no exported span of their trace (the
//                         parent was lost: span-loss faults)
//   calls without a child CLIENT spans to an instrumented service and PRODUCER spans to a topic
//                         with consumers that have no child span in their trace: lost context,
//                         lost spans, or a call refused or timed out before the callee started
//   child before parent   spans that start before their parent (clock skew), and the worst
//                         such offset
//
// A trace counts towards every fault that touched it (TraceTruth::fault_mask) or, touched by
// none, towards the baseline row. Deterministic; memory is one row per fault plus two reused
// buffers the size of the largest trace.
#ifndef TRACESIM_REPORTS_SYMPTOMS_H_
#define TRACESIM_REPORTS_SYMPTOMS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/state_io.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct SymptomRow {
  std::string fault;  // the fault's id; "" for the traces no fault touched
  uint64_t traces = 0;
  uint64_t fragment_roots = 0;
  uint64_t orphan_spans = 0;
  uint64_t calls_without_child = 0;
  uint64_t child_before_parent = 0;
  int64_t worst_skew_ns = 0;  // the largest parent start - child start among them, 0 if none
};

class SymptomsSink final : public sim::SpanSink {
 public:
  // `plan` may be null (then only the baseline row). Model and plan must outlive the sink.
  SymptomsSink(const sim::Model& model, const sim::FaultPlan* plan);

  void OnTrace(const sim::TraceView& trace) noexcept override;

  // One row per fault in plan order, then the baseline row (fault ""). REQUIRES: the run ended.
  std::vector<SymptomRow> Rows() const;
  // Adds `other`'s counts (a shard of the same run): as one sink that saw both sinks' traces.
  // REQUIRES: the same model and plan.
  void Merge(const SymptomsSink& other);
  // The counts as bytes for a partial result (`run --shard I/N`, issue 15), and back: LoadState
  // replaces the counts and returns false on a truncated input or another number of rows.
  void SaveState(sim::StateWriter& out) const;
  bool LoadState(sim::StateReader& in);

 private:
  // Whether a CLIENT/PRODUCER span calling `peer` would have a child if all went well.
  bool ExpectsChild(const sim::Span& span) const;
  // Counts the span-level symptoms of `trace` into `found`.
  void Walk(const sim::TraceView& trace, SymptomRow* found);

  const sim::Model& model_;
  const sim::FaultPlan* plan_;
  std::vector<bool> consumed_broker_;  // per service: a broker with a topic that has consumers
  std::vector<SymptomRow> rows_;       // per fault, then the baseline
  uint64_t skew_mask_ = 0;             // the clock_skew faults' bits
  // Reused per trace: (span_id, start) sorted by id, and the parent ids sorted.
  std::vector<std::pair<uint64_t, int64_t>> starts_;
  std::vector<uint64_t> parents_;
};

// The symptoms table for `tracesim run` ("" without faults, or when no trace shows any symptom),
// and the JSON rows (doc/run-summary.md's "symptoms").
std::string RenderSymptomTable(const std::vector<SymptomRow>& rows);
nlohmann::ordered_json SymptomsJson(const std::vector<SymptomRow>& rows);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_SYMPTOMS_H_
