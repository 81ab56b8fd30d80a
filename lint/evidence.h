// TrafficEvidence: the facts about a scenario's simulated traffic that lint rules hold a sampling
// config against (new traces per second as a Collector sees them, root and whole-trace duration
// percentiles, error-trace volume per second, Refinery keys per window). EvidenceSink collects
// them from the finished traces of a run (a sim::SpanSink: OnTrace only, simulation thread).
#ifndef TRACESIM_LINT_EVIDENCE_H_
#define TRACESIM_LINT_EVIDENCE_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/run.h"
#include "metrics/histogram.h"
#include "sampling/collector/tail_sampling/tail_size.h"
#include "sampling/lab/lab.h"
#include "sampling/refinery/dynamic_sampler.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::lint {

struct TrafficEvidence {
  double duration_s = 0;  // the arrival window
  uint64_t traces = 0;    // traces with exported spans (fragments included: new trace ids)
  // New trace ids per whole second, by the second their first span ended (when a Collector
  // first sees the trace id). Index = second since simulated 0.
  std::vector<uint64_t> new_traces;
  // Per second, by the same second: spans and OTLP bytes of traces with an error.
  std::vector<uint64_t> error_spans, error_bytes;
  uint64_t error_traces = 0;
  // Root (entry request) latency and whole-trace duration (first span start to last span end,
  // async work such as consumers included), nanoseconds.
  metrics::Histogram root_latency, trace_duration;
  // Per dynamic stage (by strategy index), the most distinct keys seen in one window.
  std::vector<uint64_t> dynamic_peak_keys;  // 0 for strategies without a dynamic stage

  double MeanNewTracesPerSecond() const;
  uint64_t PeakNewTracesPerSecond() const;
  uint64_t PeakErrorSpansPerSecond() const;
  uint64_t PeakErrorBytesPerSecond() const;
  // The percentile (0..100) of `h` at which `value_ns` falls: the share of values at or below it.
  static double PercentileOf(const metrics::Histogram& h, int64_t value_ns);
  // Adds the evidence of another shard of the same run (issue 15, `run --shards N`): counts,
  // per-second vectors and histograms add up (each trace is in one shard: exact); a dynamic
  // stage's peak keys per window is the larger one (a window cut by a shard edge counts each
  // side's keys apart: a lower bound there).
  void Merge(const TrafficEvidence& other);
  // Everything but duration_s, for partial results (`run --shard I/N`, `--shards mpi`); Load
  // replaces it and is false on a corrupt input (a count that the input cannot hold included).
  void Save(sim::StateWriter& out) const;
  bool Load(sim::StateReader& in);
};

// The evidence of one run or shard. A partial result carries it (app::PartialState): `tracesim
// merge` and `run --shards mpi` lint as `run --shards N` does.
class EvidenceSink final : public sim::SpanSink, public app::PartialState {
 public:
  // `start_unix_nanos`: the run's simulated 0. Spans are sized only when `size_spans` (a
  // bytes_limiting policy needs it). `strategies`: the run's samplers (dynamic stages' keys).
  EvidenceSink(const sim::Model& model, int64_t start_unix_nanos, bool size_spans,
               const std::vector<sampling::StrategyConfig>& strategies);
  ~EvidenceSink() override;
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // The evidence of a run of `duration_s` seconds of arrivals.
  TrafficEvidence Take(double duration_s);
  // app::PartialState: the evidence so far (a window's keys are not carried: a merge of partials
  // reports each shard's peak keys per window, as `run --shards N` does).
  std::string_view StateName() const override { return "lint evidence"; }
  void SaveState(sim::StateWriter& out) const override { ev_.Save(out); }
  bool LoadState(sim::StateReader& in) override { return ev_.Load(in); }

 private:
  struct KeyWindow {
    std::unique_ptr<sampling::DynamicKeyBuilder> builder;
    int64_t window_ns = 0;
    int64_t current = -1;
    std::set<std::string> keys;
  };
  static void Bump(std::vector<uint64_t>* v, size_t i, uint64_t by);
  int64_t start_;
  std::unique_ptr<sampling::SpanSizer> sizer_;
  std::vector<KeyWindow> windows_;  // by strategy; builder null when no dynamic stage
  TrafficEvidence ev_;
};

}  // namespace tracesim::lint

#endif  // TRACESIM_LINT_EVIDENCE_H_
