// LabTally: the sampling lab's scoring accumulators: the truth over every scored trace and, per
// strategy, what it stored of them (spans, bytes, traces kept whole or in part, errors, slow
// traces, shapes, adjusted counts for RED estimates).
//
// Everything adds up exactly across shards (Merge: counters add, histograms merge, shape sets
// unite), saves and loads for partial results, and fills the figures of a StrategyScore that
// follow from the counts alone (the lab adds the pipeline's own: tail stages, SDK exports,
// notes). Memory: the histograms, the shape sets (one 64-bit hash per distinct shape) and one
// counter per fault and root-cause service; flat in run length. Not thread-safe.
#ifndef TRACESIM_SAMPLING_LAB_LAB_TALLY_H_
#define TRACESIM_SAMPLING_LAB_LAB_TALLY_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <unordered_set>
#include <utility>
#include <vector>

#include "metrics/histogram.h"
#include "sampling/lab/lab.h"
#include "sampling/lab/pricing/pricing.h"
#include "sampling/lab/stats/service_red.h"
#include "sim/base/state_io.h"
#include "sim/model/faults.h"

namespace tracesim::sampling {

class LabTally {
 public:
  // What one strategy stored of the scored traces.
  struct Strategy {
    uint64_t spans_kept = 0, bytes_kept = 0;
    uint64_t error_bytes_kept = 0;  // bytes_kept of traces with an error span
    uint64_t traces = 0, traces_kept = 0, spans = 0;
    uint64_t complete_kept = 0, fragmented_kept = 0;
    uint64_t error_traces = 0, error_kept = 0;
    std::vector<uint64_t> fault_errors, fault_kept;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> root_cause;  // service -> (errors, kept)
    metrics::Histogram kept_latency;
    metrics::Histogram kept_whole;        // whole-trace duration of kept traces
    metrics::Histogram weighted_latency;  // kept traces, counts scaled by the adjusted count
    double adj_traces = 0, adj_root_errors = 0;
    std::unordered_set<uint64_t> shapes_kept;
  };

  // `services` of the model; `window_ns`: the run's arrival window (ServiceRedTally's batches).
  LabTally(size_t strategies, size_t faults, size_t services, int64_t window_ns);

  // Strategy k stored a span of `size` bytes (the trace's kept count is the caller's).
  void AddStored(size_t k, uint64_t spans, uint64_t bytes) noexcept {
    Strategy& a = strategies_[k];
    a.spans_kept += spans;
    a.bytes_kept += bytes;
  }

  // Scores one trace in the observation window: `truth`, `whole_ns` from its first span's start
  // to its last span's end, `exported` spans reached the Collector, kept_spans[k] of them stored
  // by strategy k, kept_bytes[k] bytes; `requests` its SERVER and CONSUMER spans; weight(k) is
  // the adjusted count (1/p) of a trace strategy k kept.
  template <typename Weight>
  void Record(const sim::TraceTruth& truth, int64_t whole_ns, uint32_t exported,
              std::span<const ServiceSample> requests, const uint32_t* kept_spans,
              const uint64_t* kept_bytes, Weight&& weight);

  // Adds the tallies of another shard's lab of the same run.
  void Merge(const LabTally& other);
  // Partial results: the truth, then each strategy's counters (LabTally's own order).
  void SaveTruth(sim::StateWriter& out) const;
  bool LoadTruth(sim::StateReader& in);
  void SaveStrategy(size_t k, sim::StateWriter& out) const;
  bool LoadStrategy(size_t k, sim::StateReader& in);

  // Strategy k's counts, costs, recalls (by fault of `plan`, which may be null, and by root-cause
  // service of `model`), slow recall, shapes, completeness, RED estimates and intervals, over a
  // run of `duration_s` seconds of arrivals.
  void Fill(size_t k, const sim::Model& model, const sim::FaultPlan* plan,
            const LabOptions& options, double duration_s, StrategyScore* s) const;

  const Strategy& strategy(size_t k) const { return strategies_[k]; }
  uint64_t traces() const { return traces_; }

 private:
  void RecordTruth(const sim::TraceTruth& tr, int64_t lat, int64_t whole_ns);

  std::vector<Strategy> strategies_;
  size_t services_;  // the model's: a loaded root-cause service must be below it
  // The truth over every scored trace.
  uint64_t traces_ = 0, error_traces_ = 0, root_errors_ = 0;
  std::vector<uint64_t> fault_errors_;
  std::map<uint32_t, uint64_t> root_cause_errors_;
  metrics::Histogram latency_;
  metrics::Histogram whole_;  // whole-trace duration
  std::unordered_set<uint64_t> shapes_;
  ServiceRedTally red_;  // RED per service: the truth and each strategy's estimate
};

// Marks the strategies on each named front (kParetoFronts); `pareto` is the cost/error one.
void MarkPareto(std::vector<StrategyScore>* scores);

template <typename Weight>
void LabTally::Record(const sim::TraceTruth& tr, int64_t whole_ns, uint32_t exported,
                      std::span<const ServiceSample> requests, const uint32_t* kept_spans,
                      const uint64_t* kept_bytes, Weight&& weight) {
  const int64_t lat = tr.latency().nanos();
  RecordTruth(tr, lat, whole_ns);
  const size_t batch = red_.BatchOf(tr.start.nanos());
  red_.AddTruth(requests, batch);
  for (size_t k = 0; k < strategies_.size(); ++k) {
    Strategy& a = strategies_[k];
    ++a.traces;
    a.spans += exported;
    bool kept = kept_spans[k] > 0;
    if (tr.error) {
      ++a.error_traces;
      if (kept) ++a.error_kept;
      a.error_bytes_kept += kept_bytes[k];
      for (size_t f = 0; f < a.fault_errors.size(); ++f) {
        if (!(tr.fault_mask >> f & 1)) continue;
        ++a.fault_errors[f];
        if (kept) ++a.fault_kept[f];
      }
      if (tr.root_cause_service != sim::kNone) {
        auto& rc = a.root_cause[tr.root_cause_service];
        ++rc.first;
        if (kept) ++rc.second;
      }
    }
    if (!kept) continue;
    ++a.traces_kept;
    if (kept_spans[k] >= exported) {
      ++a.complete_kept;
    } else {
      ++a.fragmented_kept;
    }
    a.kept_latency.Record(lat);
    a.kept_whole.Record(whole_ns);
    a.shapes_kept.insert(tr.shape);
    double w = weight(k);
    red_.AddKept(k, requests, w, batch);
    a.adj_traces += w;
    if (tr.root_error) a.adj_root_errors += w;
    a.weighted_latency.Record(lat, static_cast<uint64_t>(std::llround(std::max(1.0, w * 16))));
  }
}

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_LAB_TALLY_H_
