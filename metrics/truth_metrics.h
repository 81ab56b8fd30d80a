// TruthMetricsSink: what really happened in a run, from each trace's ground truth
// (sim/model/faults.h), independent of what was exported: per fault, the traces it touched, how
// many of them were errors and how their latency compares with the traces no fault touched.
//
// Fragments (traces started because a context was lost) are counted as traces of their own, as
// a backend would see them. Not thread-safe; read after the run.
#ifndef TRACESIM_METRICS_TRUTH_METRICS_H_
#define TRACESIM_METRICS_TRUTH_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/histogram.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"

namespace tracesim::metrics {

struct FaultImpact {
  std::string id;
  std::string kind;    // FaultKindName
  std::string target;  // "service", "service.operation" or "" (traffic); "[instance N]" appended
  double start_s = 0, end_s = 0;  // window in simulated seconds (end = -1: until the end)
  uint64_t traces = 0;            // traces it touched
  uint64_t error_traces = 0;      // of those, traces with an error
  uint64_t root_errors = 0;       // of those, traces whose entry request failed
  uint64_t root_caused = 0;       // traces whose first failure originated at this fault's target
  Histogram latency;              // entry latency (truth) of the touched traces, ns
};

struct TruthTotals {
  uint64_t traces = 0;
  uint64_t error_traces = 0;
  uint64_t root_errors = 0;
  uint64_t fragments = 0;
  uint64_t fragmented = 0;
  uint64_t lost_spans = 0;
  uint64_t retries = 0;
  uint64_t timeouts = 0;
  uint64_t touched = 0;         // traces touched by at least one fault
  Histogram latency;            // every trace's entry latency, ns
  Histogram untouched_latency;  // traces no fault touched, ns
};

class TruthMetricsSink final : public sim::SpanSink {
 public:
  // `plan` may be null (no faults). Model and plan must outlive the sink.
  TruthMetricsSink(const sim::Model& model, const sim::FaultPlan* plan);
  void OnTrace(const sim::TraceView& trace) noexcept override;

  const std::vector<FaultImpact>& faults() const { return faults_; }
  const TruthTotals& totals() const { return totals_; }

  // Adds every tally of `other` (another shard of the same run: doc/scale.md). Exact: the result
  // equals one sink that saw both sinks' traces. REQUIRES: the same model and plan.
  void Merge(const TruthMetricsSink& other);
  // As RedMetricsSink::SaveState / LoadState (same model and fault plan).
  void SaveState(sim::StateWriter& out) const;
  bool LoadState(sim::StateReader& in);

 private:
  const sim::FaultPlan* plan_;
  std::vector<FaultImpact> faults_;
  TruthTotals totals_;
};

}  // namespace tracesim::metrics

#endif  // TRACESIM_METRICS_TRUTH_METRICS_H_
