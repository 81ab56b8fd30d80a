// RenderHtmlReport: one `tracesim run` as a self-contained HTML page (issue 14).
//
// Everything is inline: styles, the data (one JSON block), Chart.js (Debian's libjs-chart.js,
// embedded at build time; see reports/html/CMakeLists.txt) and the code that draws the charts. No
// network, no timestamps: the same run gives the same bytes (RunReport::host, the only
// wall-clock part, is left out). Tables, fault windows and the exemplar waterfalls are plain
// HTML, readable without JavaScript (each chart's figures are also a table, folded in a
// <details> where they are long); the charts (traffic, error ratio, p50/p99 over time with fault
// windows shaded; latency histograms per service; sampling cost vs error recall with the
// strategy on hover; per-fault recall; tail-sampling memory over time) need it. Each chart is a
// <canvas class="chart">.
#ifndef TRACESIM_REPORTS_HTML_REPORT_H_
#define TRACESIM_REPORTS_HTML_REPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "loadgen/load_engine.h"
#include "loadgen/target/threshold.h"
#include "reports/text/run_report.h"
#include "reports/traces/latency_histogram.h"
#include "reports/traces/rare_shapes.h"
#include "reports/traces/timeline.h"
#include "reports/traces/trace_picker.h"
#include "sampling/lab/lab.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct HtmlExemplar {
  std::string title;      // "Slowest trace", "Fault payment-outage"
  std::string waterfall;  // RenderWaterfall text (no colour)
  std::string kept_by;    // which strategies kept the trace ("" without samplers; issue 13)
};

// What one strategy's tail_sampling stages held over simulated time: one point per timeline
// bucket (its value when the bucket ended).
struct TailMemorySeries {
  std::string strategy;
  std::vector<double> mib;       // buffered span bytes (OTLP size), MiB
  std::vector<uint64_t> traces;  // traces in memory
};

struct HtmlReportInput {
  const RunReport* report = nullptr;     // required
  const sim::Model* model = nullptr;     // required
  const sim::FaultPlan* plan = nullptr;  // may be null
  std::vector<TimelinePoint> timeline;   // may be empty
  double bucket_s = 1;                   // the timeline's bucket width
  std::vector<EdgeCount> edges;          // the service map's caller -> callee counts
  double simulated_s = 0;                // for rates on the edges
  std::vector<HtmlExemplar> exemplars;
  std::string service_map_svg;                // inline <svg> of the service map, or empty
  LatencyHistograms latency;                  // per service; may be empty
  std::vector<TailMemorySeries> tail_memory;  // strategies with tail_sampling; may be empty
};

// True when Chart.js was embedded at build time (else the page says charts are unavailable).
bool HtmlChartsAvailable();

// REQUIRES: input.report and input.model set.
std::string RenderHtmlReport(const HtmlReportInput& input);

// `tracesim load` as a page: the summary and errors by code as tables; target vs generated vs
// accepted spans per second, export latency p50/p99, queue depth and in-flight spans, rejected
// and dropped spans per second as charts (from LoadReport::seconds). `title` names the run
// ("checkout → grpc 127.0.0.1:4317"). Same inlining rules as RenderHtmlReport.
std::string RenderLoadHtmlReport(const loadgen::LoadReport& report, const std::string& title);

// One step of `tracesim load --find-max` as the page shows it (app::FindMaxStep, flattened so
// reports/ does not depend on app/).
struct CapacityStepView {
  uint32_t index = 0;
  std::string phase;         // "grow" or "bisect"
  double rate = 0;           // target, in the search's unit
  double achieved_rate = 0;  // in the same unit
  bool passed = false;
  std::vector<loadgen::ThresholdOutcome> criteria;  // the evidence, one per criterion
};
struct CapacitySearchView {
  std::string unit;  // "spans/s" or "traces/s"
  double max_rate = 0, lowest_failing_rate = 0;
  bool interrupted = false;
  std::vector<CapacityStepView> steps;
};

// `tracesim load --find-max` as a page: the verdict, the steps table (rate, phase, achieved,
// verdict per criterion with the measured value) and a chart of achieved vs target per step.
// Deterministic; same inlining rules as RenderHtmlReport.
std::string RenderFindMaxHtmlReport(const CapacitySearchView& search, const std::string& title);

// What a run must collect for its HTML report: a SpanSink to add to the run's sinks (the timeline,
// the edges, per-service latency histograms, the slowest trace, the slowest trace each fault
// touched and the first trace of the rarest shapes), and the page once the run and its RunReport
// are done. Model and plan must outlive it.
class HtmlReportCollector final : public sim::SpanSink, public sampling::LabTap {
 public:
  HtmlReportCollector(const sim::Model& model, const sim::FaultPlan* plan, sim::Duration window);
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // Samples what `lab`'s tail_sampling stages hold at the end of each timeline bucket (as traces
  // finish, by their true end). Call before the run (app::RunOptions::on_lab); `lab` must
  // outlive the run.
  void WatchLab(const sampling::SamplingLab& lab);
  // LabTap (app::RunOptions::lab_taps): each trace's decisions, for the exemplars' "kept by"
  // notes (the strategies that kept it, as --tag-decisions tags its spans). The lab scores a
  // trace after its OnTrace (it is the run's last observer): only the decisions of traces a
  // picker holds then are kept.
  void OnArrival(size_t, const sim::Span&, std::span<const sim::SpanEvent>,
                 std::span<const sim::SpanLink>, int64_t) override {}
  void OnStored(size_t, const sim::Span&) override {}
  void OnScored(const sim::TraceId& trace_id, std::span<const uint32_t> kept_spans) override;
  bool WantsSpans() const override { return false; }  // the lab need not keep spans for it
  // Adds what `other`, the collector of the next shard of the same run (`run --shards N`, issue
  // 15; built alike, and watching its own shard's lab), saw: the timeline, edges and latency
  // histograms add up (exact: each shard sees the traces that start in its window); the exemplars
  // are picked among both collectors' (the slowest of both; rare shapes' counts add up, their
  // first trace is the earlier shard's); the tail-memory series takes `other`'s samples from its
  // first one on. Call in shard order, after the run; `other`'s lab may be gone.
  void Merge(HtmlReportCollector&& other);
  // The page for `report` (whose simulated_s gives the edges' rates). Call once, after the run.
  std::string Render(const RunReport& report);
  // Traces whose decisions are held for the "kept by" notes: the exemplar candidates, at most
  // twice the pickers' copies plus 1,024, whatever the run's length.
  size_t decisions_held() const noexcept { return decisions_.size(); }

 private:
  const sim::Model& model_;
  const sim::FaultPlan* plan_;
  TimelineSink timeline_;
  TracePicker slowest_;
  std::vector<std::unique_ptr<TracePicker>> by_fault_;  // one per fault, in plan order
  ServiceLatencySink latency_;
  RareShapePicker rare_;
  // Tail memory: the lab, its strategies with a tail stage, one sample per bucket each.
  const sampling::SamplingLab* lab_ = nullptr;
  std::vector<size_t> tail_strategies_;
  std::vector<std::vector<sampling::SamplingLab::TailMemory>> memory_;  // [strategy][bucket]
  // The first bucket memory_ sampled as it ended (those before repeat the first sample); SIZE_MAX
  // before the first sample.
  size_t memory_from_ = SIZE_MAX;
  int64_t clock_ns_ = 0;  // the latest true end of a finished trace
  // The decisions of the traces a picker held when they finished (the exemplar candidates):
  // bit k, strategy k kept it; `scored` once the lab said. A trace no picker holds is not
  // recorded, so memory follows the candidates, not the run's length (a day's run scores
  // billions of traces). Pruned to the traces still held whenever it doubles.
  struct Decision {
    uint64_t kept = 0;
    bool scored = false;
  };
  std::unordered_map<sim::TraceId, Decision, sim::TraceIdHash> decisions_;
  size_t prune_at_ = 1024;
  void NoteCandidate(const sim::TraceView& trace);
  void SampleMemory(int64_t now_ns);
  std::vector<HtmlExemplar> Exemplars();
  // The "kept by" note of an exemplar (html/html_decisions.cc): "" without a lab.
  std::string KeptBy(const sim::TraceId& trace_id) const;
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_HTML_REPORT_H_
