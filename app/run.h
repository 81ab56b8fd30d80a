// RunScenario: one `tracesim run` without the command line. It applies the options to the
// scenario, wires the simulation (workload, RED and truth metrics, optional OTLP/JSON and truth
// files, the sampling lab), runs it, measures how well the run's spans compress, re-scales the
// lab's cost figures with that ratio and fills the run report. The CLI turns argv into RunOptions,
// calls RunScenario and renders RunOutcome::report; other front ends (the HTML report, `trace`)
// read the rest of RunOutcome.
//
// Error messages name the flag that sets the offending field ("--duration: must be > 0"), so a
// front end prints them as they are. Codes: kInvalidArgument for bad options or inputs (an
// output file that cannot be opened included), anything else for a failure while running (a
// sink's write error, a lab output that cannot be written).
//
// Not thread-safe: one call per thread; RunScenario itself is single-threaded and deterministic
// (every figure except RunReport::host is a function of the scenario, seed and options).
#ifndef TRACESIM_APP_RUN_H_
#define TRACESIM_APP_RUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_plan.h"
#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "reports/text/run_report.h"
#include "reports/text/volume.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/base/state_io.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"
#include "sim/model/span.h"
#include "workloads/workload_spec.h"

namespace tracesim::app {

// The project version, e.g. "0.1.0".
std::string Version();

// An observer's state that a partial result carries (`run --shard I/N`, `--shards mpi`,
// app/partial.h): saved after the shard's run; in the merging process a fresh observer made for
// the same shard loads it, and the caller merges the observers as after `run --shards N`.
class PartialState {
 public:
  virtual ~PartialState() = default;
  // Names the state in the partial (a merge that wants it and finds none names it).
  virtual std::string_view StateName() const = 0;
  virtual void SaveState(sim::StateWriter& out) const = 0;
  // Replaces the observer's state with the saved one; false on a corrupt input.
  virtual bool LoadState(sim::StateReader& in) = 0;
};

// What observes one shard of a run (RunOptions::per_shard); not owned, they must outlive the run.
struct ShardObservers {
  sim::SpanSink* sink = nullptr;        // added to the shard's sinks; may be null
  sampling::LabTap* lab_tap = nullptr;  // a tap of the shard's lab (samplers:); may be null
  std::function<void(const sampling::SamplingLab&)> on_lab;  // given the shard's lab; may be empty
  // The observers' state as a partial result carries it; null: they cannot be carried (a partial
  // run refuses them). May be null.
  PartialState* state = nullptr;
};

struct RunOptions {
  // Random seed of the run. Default: the scenario's.
  std::optional<uint64_t> seed;
  // Arrival window, > 0. Default: the scenario's.
  std::optional<sim::Duration> duration;
  // Base arrival rate in (0, 1e9], traces/s or spans/s (converted with the scenario's measured
  // mean spans per trace); the workload's shape scales to it. Default: the scenario's.
  std::optional<loadgen::Rate> rate;
  // Wall-clock date of simulated time 0, unix nanoseconds. Default: the scenario's.
  std::optional<int64_t> start_unix_nanos;
  // OTLP/JSON lines of every span; "-" is stdout. Default: "" (none).
  std::string spans_out;
  // Each trace's ground truth as JSON lines; "-" is stdout; not the same file as spans_out.
  // Default: "" (none).
  std::string truth_out;
  // Also put the truth on each root span as tracesim.* debug attributes. Default: false.
  bool tag_ground_truth = false;
  // --spans-out also tags each span with each strategy's decision, tracesim.sampler.<name>.kept
  // (reports/text/decision_tags.h; issue 13). Needs spans_out and a scenario with samplers:
  // whose keys were interned (reports::InternDecisionTags). Default: false.
  bool tag_decisions = false;
  // Scenarios with samplers: how many of the first traces are encoded and gzipped to measure
  // the compression ratio of the stored-bytes estimate, >= 1. Default: 200.
  size_t compression_sample_traces = 200;
  // Keep copies of the first N traces (spans, events, links, truth) in RunOutcome::traces, for
  // renderers that draw exemplar traces. Default: 0 (none).
  size_t keep_traces = 0;
  // Also keep the first N traces whose truth has an error (RunOutcome::error_traces), however
  // late in the run they come. Default: 0 (none).
  size_t keep_error_traces = 0;
  // Fill RunOutcome::seconds, the per-second series. Default: false.
  bool keep_series = false;
  // More sinks that see every finished trace after the built-in ones (not owned; they must
  // outlive the call): `trace`'s picker. Default: none.
  std::vector<sim::SpanSink*> sinks;
  // Observers per shard (issue 15): RunSharded calls each function once per shard (0..N-1, on
  // the calling thread, before the shards run) and gives what it returns to that shard only, so
  // observers that are not thread-safe can watch a sharded run; the caller merges them (lint's
  // evidence, the HTML report's collector). With one shard each is called once with 0.
  // RunScenario ignores them. Default: none.
  std::vector<std::function<ShardObservers(uint32_t shard)>> per_shard;
  // Called from the simulation thread as simulated time advances (a progress bar). Default: none.
  std::function<void(sim::Time)> progress;
  // Called once before the run with the sampling lab (scenarios with samplers:), for sinks that
  // watch it as the run goes (the HTML report's tail-memory chart). Default: none.
  std::function<void(const sampling::SamplingLab&)> on_lab;
  // More observers of the lab's decisions (not owned; they must outlive the call): the HTML
  // report's "kept by" notes. Ignored without samplers:; not with --shards (per_shard then).
  // Default: none.
  std::vector<sampling::LabTap*> lab_taps;
  // Refuse a run estimated to simulate more spans than this (expected arrivals x the mean spans
  // per trace, measured on 2,000 traces when it could matter), saying how long it would take:
  // `--rate 1e9` or `--duration 2555555h` are runs that never end in practice. 0: no limit.
  // Default: 5e9 (about 1.5 h on one core at ~1 M spans/s with a sampling lab).
  double max_spans = 5e9;
  // The prices and retention tiers of the lab's cost figures (`--pricing`, `--price`; issue 13).
  // Default: the scenario's `pricing:`.
  std::optional<sampling::PricingOptions> pricing;

  // Range checks (duration > 0, rate in (0, 1e9], the two outputs distinct,
  // compression_sample_traces >= 1, max_spans >= 0); messages name the flag.
  sim::Status Validate() const;
};

// One trace as the simulation produced it, with its truth (RunOptions::keep_traces).
struct KeptTrace {
  sim::TraceId trace_id;
  uint64_t sequence = 0;
  std::vector<sim::Span> spans;  // first_event/first_link index this trace's events/links
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;
  sim::TraceTruth truth;
};

// Counters of one simulated second [second, second + 1) s: every finished trace (fragments
// included) counted in the second its entry request started, from its truth
// (RunOptions::keep_series).
struct SecondCounts {
  uint64_t traces = 0;        // traces whose root started in the second
  uint64_t spans = 0;         // their exported spans
  uint64_t error_traces = 0;  // of them, traces with an error span
  uint64_t root_errors = 0;   // of them, traces whose entry request failed
  double latency_sum_ms = 0;  // entry latency (truth start to end), summed
  double latency_max_ms = 0;
};

// The scenario's settings with the options applied.
struct EffectiveRun {
  uint64_t seed = 0;
  sim::Duration duration;
  int64_t start_unix_nanos = 0;
  workloads::WorkloadSpec workload;  // the rate override applied
};

struct RunOutcome {
  // The scenario passed to RunScenario (not owned): its model is the one every span, the RED and
  // truth sinks and the lab refer to. REQUIRES: it outlives the outcome.
  const scenarios::Scenario* scenario = nullptr;
  EffectiveRun run;
  // Everything the summary shows: counts, RED rows, truth, incidents, the lab's scores
  // (re-scaled with compression_ratio), host figures. version is Version().
  reports::RunReport report;
  // The kernel's counters of the run.
  sim::SimulationStats stats;
  // RED metrics per service and operation, and the ground-truth tallies (never null).
  std::unique_ptr<metrics::RedMetricsSink> red;
  std::unique_ptr<metrics::TruthMetricsSink> truth;
  // The exported spans and their OTLP bytes, for the volume block (never null; issue 13).
  std::unique_ptr<reports::VolumeTally> volume;
  // What a tracing backend shows of the faults (null without faults; issue 13).
  std::unique_ptr<reports::SymptomsSink> symptoms;
  // The sampling lab after Finish() (null when the scenario has no samplers): per-strategy
  // detail beyond report.sampling.
  std::unique_ptr<sampling::SamplingLab> lab;
  // Per simulated second (RunOptions::keep_series), index = second; empty otherwise.
  std::vector<SecondCounts> seconds;
  // The first RunOptions::keep_traces traces, and the first keep_error_traces traces with an
  // error, each in completion order (a trace may be in both).
  std::vector<KeptTrace> traces;
  std::vector<KeptTrace> error_traces;
};

// Runs `scenario` with `options` (Validate()d first). See the file comment for errors.
// REQUIRES: `scenario` outlives the outcome.
sim::Result<RunOutcome> RunScenario(const scenarios::Scenario& scenario, const RunOptions& options);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_RUN_H_
