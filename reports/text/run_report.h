// RunReport: the summary of one `tracesim run`, rendered as a terminal table or as JSON.
//
// Built from the kernel's truth (SimulationStats) and the RED metrics derived from the emitted
// spans. Everything except RunReport::host is a pure function of the scenario and seed, so the
// JSON (minus "host") is byte-identical across runs; doc/run-summary.md is the schema.
#ifndef TRACESIM_REPORTS_RUN_REPORT_H_
#define TRACESIM_REPORTS_RUN_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "reports/text/symptoms.h"
#include "sampling/lab/lab.h"
#include "sim/kernel/simulation.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct ServiceRow {
  std::string name;
  std::string kind;  // "service", "database", "cache", "external", "messaging"
  uint64_t requests = 0;
  double rate_per_s = 0;
  uint64_t errors = 0;
  double error_ratio = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t rejected = 0;          // refused by a full queue (services only)
  double mean_queue_wait_ms = 0;  // services only
  double utilization = 0;         // busy worker time / (slots x instances x time), 0 when unlimited
};

// What one fault did, from the ground truth.
struct IncidentRow {
  std::string id, kind, target;
  double start_s = 0, end_s = -1;  // -1: until the end
  uint64_t traces = 0;             // traces the fault touched
  uint64_t error_traces = 0;
  uint64_t root_errors = 0;       // user-visible failures among them
  double p50_ms = 0, p99_ms = 0;  // entry latency of the touched traces
};

struct RunReport {
  std::string version;
  std::string scenario;
  std::string source;
  std::string topology;
  uint64_t seed = 0;
  std::string start_time;   // RFC 3339
  double duration_s = 0;    // arrivals window
  double simulated_s = 0;   // until the last event (drain included)
  double offered_rate = 0;  // mean arrival rate of the workload, traces/s
  uint64_t traces = 0;
  uint64_t spans = 0;
  uint64_t error_traces = 0;
  uint64_t traces_unfinished = 0;
  uint64_t events = 0;
  uint64_t peak_open_traces = 0;
  std::vector<ServiceRow> services;      // instrumented services
  std::vector<ServiceRow> dependencies;  // leaf dependencies as callers see them
  std::string spans_out;                 // file written, or empty
  std::string truth_out;                 // ground-truth file written, or empty
  // The truth (all traces, exported or not), and what each fault did.
  struct Truth {
    uint64_t traces = 0, error_traces = 0, root_errors = 0, fragments = 0, lost_spans = 0;
    uint64_t touched = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;        // entry latency, every trace
    double baseline_p50_ms = 0, baseline_p99_ms = 0;  // traces no fault touched
  } truth;
  std::vector<IncidentRow> incidents;
  // What a tracing backend shows of the faults (issue 13): one row per fault, then the traces
  // no fault touched; empty without faults.
  std::vector<SymptomRow> symptoms;
  // The sampling lab's comparison (scenarios with `samplers:`), in strategy order.
  std::vector<sampling::StrategyScore> sampling;
  double compression_ratio = 0;      // measured gzip ratio used for the stored-bytes estimate
  sampling::PricingOptions pricing;  // the prices of the lab's cost figures
  // How much telemetry the traffic makes (issue 13; every run, doc/run-summary.md "volume"): the
  // exported spans and their OTLP protobuf size (app/volume.h), gzip-compressed at
  // compression_ratio, and a day and a 30-day month of it at the scenario's mean arrival rate
  // over its own `duration` (the run's rate scaled by day_traces_per_s / offered_rate).
  struct Volume {
    uint64_t spans = 0, bytes = 0;         // exported spans, their Span messages' bytes
    double spans_per_s = 0;                // spans / duration_s
    double bytes_per_span = 0;             // bytes / spans
    double compressed_bytes_per_span = 0;  // bytes_per_span x compression_ratio
    double day_traces_per_s = 0;           // the scenario's mean arrival rate
    double spans_per_day = 0;
    double gb_per_day = 0, compressed_gb_per_day = 0;      // 1e9 bytes
    double tb_per_month = 0, compressed_tb_per_month = 0;  // 30 days, 1e12 bytes
  } volume;
  // Resilience mechanics the kernel counted.
  struct Resilience {
    uint64_t retries = 0, timeouts = 0, breaker_opens = 0, breaker_rejections = 0, rate_limited = 0,
             refused = 0;
  } resilience;
  struct Host {
    double wall_s = 0;
    double spans_per_wall_s = 0;
    double peak_rss_mib = 0;  // the process's peak resident memory (Linux VmHWM), 0 if unknown
  } host;
};

// Fills the deterministic part of a report (not version/scenario/seed/host, set by the caller).
void FillFromRun(const sim::Model& model, const sim::SimulationStats& stats,
                 const metrics::RedMetricsSink& red, double duration_s, RunReport* report);
// Adds the truth summary and one IncidentRow per fault.
void FillTruth(const metrics::TruthMetricsSink& truth, RunReport* report);

// The process's peak resident set size in MiB (VmHWM from /proc/self/status), or 0.
double PeakRssMib();

std::string RenderRunTable(const RunReport& report);
// The sampling comparison alone, as CSV (doc/sampling-lab.md): one row per strategy.
std::string RenderSamplingCsv(const RunReport& report);

// Pretty JSON ending with a newline. `include_host` false drops "host" (golden tests).
std::string RenderRunJson(const RunReport& report, bool include_host = true);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_RUN_REPORT_H_
