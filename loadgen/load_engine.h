// LoadEngine: runs a simulation paced on the wall clock and exports its spans to a collector.
//
// Simulated time 0 is the wall clock at Run(); the simulation is advanced (Simulation::RunUntil)
// a little ahead of real time and each span is released for export when the wall clock reaches
// its end time, as an SDK's batch span processor sees spans when they end. Released spans are
// batched (by span count, encoded bytes and a delay) and exported through a Transport with at
// most `max_in_flight` requests outstanding: by the generating thread itself while the simulation
// keeps up with the clock and nothing is queued, else from a bounded send queue by `senders`
// threads.
// Failed exports are retried per RetryPolicy (only ExportResult::kRetryable).
//
// Accounting: every generated (released) span ends in exactly one bucket:
//   generated = accepted + rejected + dropped + in_flight
// rejected: the server refused them (partial success rejected_spans, or a non-retryable error
// response); dropped: the generator gave them up (queue_full, non_retryable (no server answer),
// retries_exhausted, shutdown); in_flight is 0 once Run() returns.
//
// Thread-safety: Run() once per engine, from one thread; the stop counter may be bumped from any
// thread or a signal handler.
#ifndef TRACESIM_LOADGEN_LOAD_ENGINE_H_
#define TRACESIM_LOADGEN_LOAD_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporter/transport/transport.h"
#include "loadgen/batch_encoder.h"
#include "loadgen/clock.h"
#include "loadgen/retry_policy.h"
#include "loadgen/target/target_summary.h"
#include "metrics/histogram.h"
#include "metrics/prometheus.h"
#include "sim/base/state_io.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/model.h"
#include "workloads/workload_spec.h"

namespace tracesim::loadgen {

struct EngineOptions {
  // Arrivals are generated in [0, duration) of wall time. Default: 60s.
  sim::Duration duration = sim::Duration::Seconds(60);
  // Stop arrivals after this many traces (0 = no limit). Default: 0.
  uint64_t max_traces = 0;
  // Seed of the simulation and the workload. Default: 1.
  uint64_t seed = 1;
  // Mean spans per trace, used only to express targets in spans/s (0 = unknown). Default: 0.
  double mean_spans_per_trace = 0;
  // Whether the user's rate unit is spans/s (affects "target_rate"/"achieved_rate"). Default:
  // false.
  bool rate_in_spans = false;
  // This generator's share of a run split over N generators (`tracesim load --shard I/N`, MPI
  // ranks; doc/scale.md "Load from many generators"): of the run's one arrival stream (the
  // max_traces limit applies to it) it simulates and sends the arrivals whose index is
  // shard_index modulo shard_count, each with the trace it has in the unsharded run (a trace's
  // random streams and ids are keyed by its arrival's index), so N generators send the unsharded
  // run's traces between them, none twice. Its targets are 1/N of the run's. What differs from
  // the unsharded run: queueing in the model sees 1/N of the traffic. 0 <= shard_index <
  // shard_count <= 1024. Default: 0 of 1 (the whole run).
  uint32_t shard_index = 0, shard_count = 1;
  // Unix time (ns) that is simulated time 0: Run() waits for the wall clock to reach it (the
  // stop counter ends the wait), so generators that agree on it run side by side and date their
  // spans alike. 0: at once. >= 0. Default: 0.
  int64_t start_at_unix_nanos = 0;

  uint32_t senders = 2;            // sender threads, >= 1. Default: 2.
  uint32_t batch_spans = 512;      // max spans per request, >= 1. Default: 512 (OTel BSP).
  uint64_t batch_bytes = 4 << 20;  // max encoded bytes per request, >= 1024. Default: 4 MiB.
  std::chrono::milliseconds batch_delay{200};  // an open batch is sent after this. Default: 200ms.
  // Spans waiting to be sent (queued, in the open batch, or waiting for a retry), >=
  // batch_spans. Default: 65536.
  uint64_t queue_spans = 65536;
  uint32_t max_in_flight = 8;  // requests outstanding, >= 1. Default: 8.
  RetryPolicy retry;           // Default: see RetryPolicy.
  // After generation stops, time allowed to flush what remains; then it is dropped (shutdown).
  // Default: 5s.
  std::chrono::milliseconds grace{5000};
  // How far the simulation runs ahead of the wall clock. Default: 20ms.
  std::chrono::milliseconds lookahead{20};
  // Traces still open this long after the last arrival are abandoned by the kernel. Default: 30s.
  sim::Duration drain_limit = sim::Duration::Seconds(30);
  // Where the engine reads time and sleeps (not owned; outlives the engine). Default: null, the
  // real clock (Clock::Real()). Tests pass a FakeClock. The transport's own deadlines and the
  // measured export latency stay on the real clock.
  Clock* clock = nullptr;

  sim::Status Validate() const;
};

// Counters of one wall-clock second of the run (second k covers [k, k+1) s after the start).
struct SecondStats {
  uint32_t second = 0;
  double target_traces = 0;       // expected arrivals in the second (the workload's rate integral)
  uint64_t generated_spans = 0;   // spans released (their end time reached) in the second
  uint64_t generated_traces = 0;  // root spans released in the second
  uint64_t accepted = 0;          // spans whose export completed accepted in the second
  uint64_t rejected = 0;
  uint64_t dropped = 0;
  uint64_t requests = 0;  // export attempts completed in the second
  uint64_t failed_requests = 0;
  double export_p50_ms = 0, export_p99_ms = 0;
  // Snapshot at the end of the second.
  uint64_t queued_spans = 0;
  uint64_t in_flight_spans = 0;
  // The last failed attempt of the second: "CODE_NAME: message" ("" when none failed), for a
  // diagnosis while the run goes (`tracesim load` fails fast when nothing is accepted).
  std::string last_error;
  // What the collector under load did in the second (--target-metrics / --target-pid); set by
  // the caller (app::RunLoad), never by the engine.
  std::optional<TargetSecond> target;
};

struct LoadReport {
  // Accounting buckets, in spans.
  uint64_t generated = 0, traces = 0;
  uint64_t accepted = 0;
  uint64_t rejected_partial = 0, rejected_fatal = 0;
  uint64_t dropped_queue_full = 0, dropped_non_retryable = 0, dropped_retries_exhausted = 0,
           dropped_shutdown = 0;
  uint64_t in_flight = 0;
  uint64_t rejected() const { return rejected_partial + rejected_fatal; }
  uint64_t dropped() const {
    return dropped_queue_full + dropped_non_retryable + dropped_retries_exhausted +
           dropped_shutdown;
  }
  bool IdentityHolds() const { return generated == accepted + rejected() + dropped() + in_flight; }

  uint64_t requests = 0;         // export attempts with an outcome
  uint64_t failed_requests = 0;  // attempts that did not end kOk
  uint64_t retries = 0;          // attempts after the first
  // Spans summed over the attempts that failed (kRetryable or kFatal; not kShutdown), each
  // attempt counted: a batch refused three times counts three times. Against a live collector
  // whose every failure is an answer (no connection errors) this is what its receiver counts as
  // refused (otelcol_receiver_refused_spans), span for span.
  uint64_t failed_attempt_spans = 0;
  uint64_t bytes_sent = 0;                 // request bodies, summed over attempts
  std::map<std::string, uint64_t> errors;  // failed attempts by ExportResult::code_name

  // Latency of export attempts (ExportResult::latency), milliseconds.
  double export_p50_ms = 0, export_p90_ms = 0, export_p95_ms = 0, export_p99_ms = 0,
         export_max_ms = 0, export_mean_ms = 0;
  // Release lag (wall time of release minus span end time), milliseconds.
  double release_lag_p99_ms = 0, release_lag_max_ms = 0;

  double window_seconds = 0;  // the generation window: min(duration, stop), in seconds
  double wall_seconds = 0;    // whole run, drain included
  double cpu_seconds = 0;     // process CPU time used during the run
  // Rates over the steady window [rate_from_seconds, rate_to_seconds) (RateMeter, doc/load.md
  // "Rates"): achieved = spans (root spans) released by the pacer while the wall clock was in it,
  // per second; target = the workload's expected arrivals over it (shifted back by the mean
  // arrival-to-end delay), times mean_spans_per_trace for spans.
  double rate_from_seconds = 0, rate_to_seconds = 0;
  double arrival_delay_p99_ms = 0, arrival_delay_mean_ms = 0;  // arrival to span end
  double target_trace_rate = 0, achieved_trace_rate = 0;
  double target_span_rate = 0, achieved_span_rate = 0;  // 0 target when spans/trace unknown
  double scheduled_span_rate = 0;  // spans whose end time falls in the steady window, per second
  bool rate_in_spans = false;
  double mean_spans_per_trace = 0;
  bool interrupted = false;  // stopped by the stop counter
  uint64_t peak_queued_spans = 0;
  // The histograms behind the percentiles above (nanoseconds), kept so that the reports of the
  // shards of one run merge exactly (MergeLoadReports).
  metrics::Histogram export_latency, release_lag;

  std::vector<SecondStats> seconds;
  // The collector under load over the run (--target-metrics / --target-pid); set by the caller.
  std::optional<TargetSummary> target;

  // Recomputes the export and release-lag percentiles from the histograms.
  void SetPercentiles();
  // Flat name -> value map of every threshold metric (ThresholdMetricNames()).
  std::map<std::string, double> Metrics() const;
  // The --summary-json document (schema in doc/load.md).
  std::string ToJson() const;
  // A human-readable multi-line summary.
  std::string ToText() const;
};

// The reports of the N shards of one run (EngineOptions::shard_index/count), given in shard
// order, as one report (doc/scale.md "Load from many generators"). Counters, bytes, CPU seconds,
// the error counts and the rates (target, achieved, scheduled: the generators run side by side)
// add up; the export and release-lag percentiles come from the merged histograms, so they are
// exact; wall and window times, the arrival-delay figures, the steady window and the peak queue
// are the largest shard's; each second adds up its counters and takes the slowest shard's export
// percentiles and the first shard's target figures and last error; `target` is the first
// shard's that has one (the collector is one). REQUIRES: !reports.empty().
LoadReport MergeLoadReports(const std::vector<LoadReport>& reports);

// A LoadReport as bytes (sim/base/state_io.h) and back, exactly (doubles by their bits), for the
// partial results of a sharded load. LoadLoadReport is false on a short or corrupt input.
void SaveLoadReport(const LoadReport& report, sim::StateWriter& out);
bool LoadLoadReport(sim::StateReader& in, LoadReport* report);

class LoadEngine {
 public:
  // REQUIRES: model finalized; `workload` valid and resolvable against it; transport and encoders
  // non-null. `registry` (nullable) receives the generator's own metrics. All outlive the engine.
  LoadEngine(const sim::Model& model, workloads::WorkloadSpec workload, EngineOptions options,
             exporter::Transport* transport, EncoderFactory encoders,
             metrics::MetricsRegistry* registry = nullptr);
  ~LoadEngine();
  LoadEngine(const LoadEngine&) = delete;
  LoadEngine& operator=(const LoadEngine&) = delete;

  // Runs to the end (duration or max_traces reached and everything flushed), or until *stop >= 1
  // (stop generating, flush within `grace`); *stop >= 2 skips the grace period. Calls
  // `on_second` (may be empty) from the calling thread after each wall-clock second. Shuts the
  // transport down before returning. Errors: invalid options or workload.
  sim::Result<LoadReport> Run(const std::atomic<int>* stop,
                              std::function<void(const SecondStats&)> on_second = {});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_LOAD_ENGINE_H_
