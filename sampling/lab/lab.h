// SamplingLab: runs several sampling strategies side by side on one simulation's traffic and
// scores each against the ground truth.
//
// A strategy is a pipeline as deployed: SDK head samplers per service (decided as each span
// starts, ParentBased semantics through the propagated sampled flag), then Collector stages in
// order (probabilistic_sampler, tail_sampling), each a faithful model fed the spans that reached
// it (a probabilistic_sampler stage passes the th/rv it wrote on to the next probabilistic_sampler
// stage, as the span's tracestate does upstream; a tail_sampling stage in between does not carry
// them). Spans reach the Collector as the SDKs export them: through a BatchSpanProcessor per
// service instance (`export: batch`, the default, sdk_export.h: one request per instance and
// export, its spans grouped by trace as the tail_sampling processor groups them; never for
// strategies with a dynamic stage), or each span on its own when it ends (`export: span_end`). The
// lab is one SimulationObserver: span start (one decision bit per strategy in the span's observer
// word), span end (spans as they end) and trace complete (each trace's truth). Scores cover cost
// (spans, exact OTLP bytes, $), error / slow / rare-path recall, completeness, the collector's
// memory and the error of RED metrics estimated from the sample. Memory follows the traces in
// flight plus the longest decision wait, not the run length. Not thread-safe: simulation thread
// only.
#ifndef TRACESIM_SAMPLING_LAB_H_
#define TRACESIM_SAMPLING_LAB_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "metrics/histogram.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/tail_processor.h"
#include "sampling/core/sampler.h"
#include "sampling/head/head_config.h"
#include "sampling/lab/adaptive/lab_adaptive.h"
#include "sampling/lab/pricing/pricing.h"
#include "sampling/lab/sdk_export/sdk_export.h"
#include "sampling/lab/stats/intervals.h"
#include "sampling/lab/stats/service_red.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"

namespace tracesim::sampling {

inline constexpr size_t kMaxStrategies = 64;

// One Collector stage of a pipeline: the config of exactly one stage type. A dynamic stage (a
// Refinery-style sampler deciding whole traces when they complete) is always the last one and
// follows no tail_sampling stage.
struct CollectorStage {
  using Config = std::variant<ProbabilisticSamplerConfig, TailSamplingConfig, DynamicStageConfig>;
  // The alternative `config` holds (its index).
  enum class Kind : uint8_t { kProbabilistic = 0, kTail = 1, kDynamic = 2 };
  std::string id;  // "tail_sampling/errors", for reports
  Config config;
  Kind kind() const { return static_cast<Kind>(config.index()); }
};

struct StrategyConfig {
  std::string name;
  std::string description;
  // SDK head sampling; absent: every SDK records and samples everything (AlwaysOn).
  bool has_head = false;
  HeadSamplerConfig head;
  // Jaeger remote sampling with a provider (mode != kNone; then has_head is false): every
  // service's SDK runs parentbased_jaeger_remote, polled by the lab.
  JaegerProviderConfig jaeger;
  // The SDK each service runs (`sdk:`; default go everywhere): how `env` is read, which Jaeger
  // remote sampler runs, which sampler tags Jaeger can read.
  SdkAssignment sdk;
  std::vector<CollectorStage> stages;  // in pipeline order
  // How the SDKs hand spans to the Collector (`export:`): through a BatchSpanProcessor per
  // service instance with `bsp` (`export: batch`, the default, or a mapping of OTEL_BSP_*
  // variables; never with a dynamic stage, which needs every span before the trace completes),
  // or each span when it ends (`export: span_end`). Default: false (batch).
  bool export_at_span_end = false;
  BspOptions bsp;
  // Whether the spans go through the BatchSpanProcessors: batch export and no dynamic stage.
  bool ExportsThroughBsp() const {
    for (const CollectorStage& cs : stages)
      if (cs.kind() == CollectorStage::Kind::kDynamic) return false;
    return !export_at_span_end;
  }
};

struct LabOptions {
  // A trace is "slow" above this entry latency (as well as above the true p99). Default: 1s.
  double slow_threshold_ms = 1000;
  PricingOptions pricing;
  // Bytes after compression / before, for the stored-bytes estimate; the caller measures it
  // (e.g. gzip on encoded OTLP). Default: 0.15.
  double compression_ratio = 0.15;
  // The simulation's start (SimulationOptions::start_unix_nanos). When set, the Collector and
  // the SDKs start then (the phase of the tail_sampling tickers and of the BatchSpanProcessor
  // timers, the same in every shard of a sharded run), and tail_sampling stages tick on the
  // simulated clock every second, as upstream's ticker does, also while no span arrives (the lab
  // asks for time advances); unset, they start at their first span and tick when a span arrives
  // and at Finish(). Default: unset (INT64_MIN).
  int64_t start_unix_nanos = INT64_MIN;
  // The run's arrival window, for the batch-means intervals of RED per service (StrategyScore::
  // red_by_service; a trace counts in the batch of its start). Default: 0 (one batch, no
  // intervals).
  int64_t run_window_ns = 0;
  sim::Status Validate() const;
};

struct StrategyScore {
  std::string name, description,
      pipeline;  // pipeline: "head parentbased_traceidratio(0.1) -> tail_sampling"
  uint64_t traces = 0, traces_kept = 0;  // traces with >= 1 exported span; kept: >= 1 span stored
  uint64_t spans = 0, spans_kept = 0;
  uint64_t bytes_kept = 0;           // exact OTLP protobuf size of the kept spans
  uint64_t error_bytes_kept = 0;     // of them, the spans of traces with an error span
  double compressed_bytes_kept = 0;  // estimate
  double gb_per_month = 0;           // kept bytes (compressed) extrapolated to 30 days
  double spans_millions_per_month = 0;
  // The three price models (pricing.h) and $/month, the ones PricingOptions::bill names.
  double usd_storage_month = 0, usd_ingest_month = 0, usd_per_span_month = 0, usd_month = 0;
  // The storage model's steady-state GB per retention tier: whole traces, error traces beyond
  // that, metadata rows.
  double stored_gb_traces = 0, stored_gb_error_traces = 0, stored_gb_metadata = 0;
  // Recall: kept / all, over traces of the kind (error: any ERROR span in the truth).
  uint64_t error_traces = 0, error_traces_kept = 0;
  double error_recall = 0;
  struct FaultRecall {
    std::string id;
    uint64_t error_traces = 0, kept = 0;
    double recall = 0;
  };
  std::vector<FaultRecall> by_fault;
  struct ServiceRecall {
    std::string service;
    uint64_t error_traces = 0, kept = 0;
    double recall = 0;
  };
  std::vector<ServiceRecall> by_root_cause;
  double slow_p99_ms = 0;  // the true p99 used
  uint64_t slow_p99_traces = 0, slow_p99_kept = 0;
  double slow_recall_p99 = 0;
  uint64_t slow_threshold_traces = 0, slow_threshold_kept = 0;
  double slow_recall_threshold = 0;
  uint64_t shapes = 0, shapes_kept = 0;  // distinct trace shapes
  double rare_path_recall = 0;
  uint64_t complete_kept = 0;    // kept traces with every exported span kept
  uint64_t fragmented_kept = 0;  // kept traces with some spans missing (a split decision)
  double completeness = 0;
  // Collector cost (tail_sampling stages, summed).
  bool has_tail = false;
  uint64_t peak_traces_buffered = 0, peak_spans_buffered = 0, peak_bytes_buffered = 0;
  uint64_t evicted_before_decision = 0, late_spans = 0;
  // The SDKs' BatchSpanProcessors (false: spans exported as they end): spans dropped because a
  // queue was full, spans lost in exports cut by the export timeout, export requests.
  bool sdk_batching = false;
  uint64_t sdk_spans_dropped = 0, sdk_spans_lost_timeout = 0, sdk_exports = 0;
  // Traces the tail stages sampled only at Finish() (the shutdown flush), not on their ticker.
  uint64_t kept_at_shutdown = 0;
  double decision_latency_p50_s = 0, decision_latency_p99_s = 0;
  // RED estimated from the sample with adjusted counts (1/p of the known probability stages;
  // tail stages count 1) against the truth.
  double true_error_rate = 0, est_error_rate = 0;
  double true_p99_ms = 0, est_p99_ms = 0;
  double true_rate = 0, est_rate = 0;
  bool pareto = false;  // on the cost (bytes) vs error-recall front
  // What the deployment did that the figures do not show (why Jaeger's adaptive sampling did
  // not adapt, which SDK has no remote sampler, dynamic-sampler keys beyond max_keys), one
  // sentence each; empty when there is nothing to say.
  std::vector<std::string> notes;
  // Issue 13: 95 % Wilson intervals of the kept fraction (traces_kept of traces) and of the
  // error recall.
  Interval kept_ci, error_recall_ci;
  // Slow-trace recall at the true p90, p95, p99 and at LabOptions::slow_threshold_ms, measured on
  // root (entry request) latency and on whole-trace duration (first span start to last span
  // end, async work included: what a tail_sampling latency policy measures), in that order:
  // root p90, p95, p99, threshold, then trace p90, p95, p99, threshold.
  struct SlowRecall {
    std::string basis;        // "root" or "trace"
    std::string at;           // "p90", "p95", "p99" or "threshold"
    double threshold_ms = 0;  // the duration a trace must exceed
    uint64_t traces = 0, kept = 0;
    double recall = 0;
    Interval ci;
  };
  std::vector<SlowRecall> slow;
  double true_p95_ms = 0;  // root latency
  // The named Pareto fronts (cost = bytes kept vs one recall) the strategy is on, from
  // kParetoFronts: "cost/error", "cost/slow-p99", "cost/slow-trace-p99", "cost/rare-paths".
  std::vector<std::string> fronts;
  // The RED estimates are biased: a tail_sampling or dynamic stage keeps traces unevenly and the
  // lab counts each trace it keeps once (no adjusted count). The size of the bias: estimated minus
  // true error rate (fraction points), and estimated / true - 1 for the rate and the p99.
  bool red_biased = false;
  double error_rate_bias = 0, rate_bias = 0, p99_bias = 0;
  // RED per service (SERVER and CONSUMER spans) estimated from the kept traces with adjusted
  // counts, against the truth, with batch-means 95 % intervals (stats/service_red.h); biased when
  // red_biased.
  std::vector<ServiceRed> red_by_service;
};

// Fills the score's cost figures (compressed_bytes_kept, gb_per_month, spans_millions_per_month,
// the storage tiers, the three models and usd_month) from what it kept (bytes_kept,
// error_bytes_kept, spans_kept, traces_kept) over a run of `duration_s` seconds of arrivals, its
// bytes stored at `compression_ratio` (pricing/pricing.h).
void PriceScore(const PricingOptions& pricing, double compression_ratio, double duration_s,
                StrategyScore* s);

// The fronts StrategyScore::fronts names, in order.
inline constexpr const char* kParetoFronts[] = {"cost/error", "cost/slow-p99",
                                                "cost/slow-trace-p99", "cost/rare-paths"};

// Sees what the lab's Collector stages see, for comparing them with the real Collector
// (peers/lab_oracle records the arrival stream and the decisions; doc/collector.md). Called on the
// simulation thread; must not throw.
class LabTap {
 public:
  virtual ~LabTap() = default;
  // `span` (its own `events`/`links`) reaches strategy `strategy`'s first Collector stage at
  // `arrival_unix_nano` (every span of a strategy without Collector stages, too). The stages then
  // get an export's spans grouped by trace, in order of first appearance.
  virtual void OnArrival(size_t strategy, const sim::Span& span,
                         std::span<const sim::SpanEvent> events,
                         std::span<const sim::SpanLink> links, int64_t arrival_unix_nano) = 0;
  // `span` left strategy `strategy`'s last Collector stage: it is stored.
  virtual void OnStored(size_t strategy, const sim::Span& span) = 0;
  // Every strategy has decided trace `trace_id` and it is scored: `kept_spans[k]` spans of it are
  // stored by strategy k (dynamic stages included). Once per trace with exported spans, in the
  // order the traces completed; the last ones from Finish(). (--spans-out --tag-decisions.)
  virtual void OnScored(const sim::TraceId& trace_id, std::span<const uint32_t> kept_spans) {}
  // The OnArrival calls since the previous OnExportEnd of `strategy` were one export request (one
  // BatchSpanProcessor export, or one span exported when it ended), in the SDK's order.
  virtual void OnExportEnd(size_t /*strategy*/) {}
  // False: the tap reads only OnScored, and the lab keeps no spans for it (its stages and SDK
  // models may then only count what they store, as without a tap; the scores are the same).
  virtual bool WantsSpans() const { return true; }
};

class SamplingLab final : public sim::SimulationObserver {
 public:
  // Builds every strategy's samplers and stages for `model`. `plan` may be null. Errors name the
  // strategy. Model and plan must outlive the lab.
  static sim::Result<std::unique_ptr<SamplingLab>> Create(const sim::Model& model,
                                                          const sim::FaultPlan* plan,
                                                          std::vector<StrategyConfig> strategies,
                                                          LabOptions options);
  ~SamplingLab() override;

  // SimulationObserver: span start (it owns the observer word: bit k = strategy k's head
  // decision; with at most 32 strategies, the upper half holds the trace's record slot), span
  // end, trace complete and, to tick the tail stages on time, time advance.
  uint32_t Interests() const override;
  uint64_t OnSpanStart(const sim::Model& model, const sim::Span& span,
                       const sim::Span* parent) noexcept override;
  void OnSpanEnd(const sim::Model& model, const sim::Span& span,
                 std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links) noexcept override;
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // Time advance (only with LabOptions::start_unix_nanos and a tail_sampling stage): the tail
  // stages' next tick, or a second from now while none has started.
  sim::Time NextWakeup() const noexcept override;
  void OnTimeAdvance(sim::Time now) noexcept override;

  // Ends the run at `end_unix_nano`: tail stages decide what they hold, every trace is scored.
  void Finish(int64_t end_unix_nano);
  // The scores over a run of `duration_s` seconds of arrivals. REQUIRES: Finish() called.
  std::vector<StrategyScore> Scores(double duration_s) const;
  // Sharded runs (doc/scale.md). The lab sees every trace of its simulation (kAllTraces) and
  // scores only those in the observation window, so warm-up traffic loads its stages. Call
  // WindowEdge(false) when the simulation reaches the window's start and WindowEdge(true) at its
  // end: the tail stages' counters (decisions, evictions, late spans, decision latency) and the
  // SDK export figures in the scores are then those between the two (the tail stages' memory
  // peaks stay the whole run's).
  void WindowEdge(bool end);
  // Adds the tallies of `other`, a lab of another shard of the same run: every per-trace count,
  // recall, cost, histogram and shape set adds up exactly (as one lab that scored both labs'
  // traces), the tail stages' windowed counters and decision-latency buckets add up, their memory
  // peaks are the larger one. Jaeger providers and dynamic stages keep their own state
  // (WriteOutputs writes this lab's). REQUIRES: both Finish()ed, built from the same model, plan
  // and strategies.
  void Merge(const SamplingLab& other);
  // Partial results (doc/scale.md: `tracesim run --shard I/N`, MPI ranks). SaveState writes
  // what Merge and Scores read (the truth tallies, every strategy's accumulators, its tail
  // stages' windowed figures, its shutdown count and its notes); LoadState replaces them in a lab
  // Create()d from the same model, plan and strategies (never run), which then Merges and scores
  // as the saved lab. False on a corrupt input. REQUIRES for SaveState: Finish() called.
  void SaveState(sim::StateWriter& out) const;
  bool LoadState(sim::StateReader& in);
  // Writes the files strategies asked for (jaeger_adaptive write_strategies). REQUIRES:
  // Finish() called.
  sim::Status WriteOutputs() const;
  // The Jaeger providers and dynamic stages, for tests; nullptr when no strategy has any.
  const LabAdaptive* adaptive() const;

  // The figures of strategy k's tail_sampling stages, in stage order (empty without one); final
  // after Finish(). For comparing the processor's counters with the real Collector's.
  std::vector<const TailSamplingStats*> TailStats(size_t k) const;

  size_t strategy_count() const;
  const StrategyConfig& strategy(size_t k) const;

  // What strategy `k`'s tail_sampling stages hold right now, summed over its stages (zeros
  // without one): for memory-over-time charts (the HTML report). Simulation thread only.
  struct TailMemory {
    uint64_t traces = 0, spans = 0, bytes = 0;
  };
  TailMemory TailMemoryNow(size_t k) const;

  // Observes the stages' input and output (only the scores when !tap->WantsSpans()); nullptr (the
  // default) observes nothing. REQUIRES: before the run; `tap` outlives the lab.
  void SetTap(LabTap* tap);

 private:
  struct Impl;
  explicit SamplingLab(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_H_
