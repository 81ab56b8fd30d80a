#include "reports/text/run_report.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "reports/text/red_estimates.h"
#include "reports/text/table.h"

namespace tracesim::reports {
namespace {

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Rounds to 3 decimals so the JSON does not carry float noise (and stays byte-stable).
double R3(double v) { return Round3(v); }
// Ratios: 6 decimals.
double R6(double v) { return Round6(v); }

ServiceRow Row(const std::string& name, sim::ServiceKind kind, uint64_t requests, uint64_t errors,
               const metrics::Histogram& h, double seconds) {
  ServiceRow r;
  r.name = name;
  r.kind = std::string(sim::ServiceKindName(kind));
  r.requests = requests;
  r.rate_per_s = seconds > 0 ? requests / seconds : 0;
  r.errors = errors;
  r.error_ratio = requests ? static_cast<double>(errors) / requests : 0;
  r.p50_ms = Ms(h.Percentile(50));
  r.p95_ms = Ms(h.Percentile(95));
  r.p99_ms = Ms(h.Percentile(99));
  r.max_ms = Ms(h.Max());
  return r;
}

}  // namespace

double PeakRssMib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
  }
  return 0;
}

void FillFromRun(const sim::Model& model, const sim::SimulationStats& stats,
                 const metrics::RedMetricsSink& red, double duration_s, RunReport* report) {
  const metrics::TraceTotals& totals = red.totals();
  report->duration_s = duration_s;
  report->simulated_s = stats.end_time.seconds();
  report->traces = totals.traces;
  report->spans = totals.spans;
  report->error_traces = totals.error_traces;
  report->traces_unfinished = stats.traces_unfinished;
  report->events = stats.events;
  report->peak_open_traces = stats.peak_open_traces;
  report->services.clear();
  report->dependencies.clear();
  std::vector<metrics::ServiceRed> services = red.Services();
  for (size_t i = 0; i < services.size(); ++i) {
    const metrics::ServiceRed& s = services[i];
    if (s.kind != sim::ServiceKind::kService) continue;
    ServiceRow row = Row(s.name, s.kind, s.requests, s.errors, s.latency, duration_s);
    if (i < stats.services.size()) {
      const sim::ServiceStats& st = stats.services[i];
      const sim::Service& svc = model.services[i];
      row.rejected = st.rejected;
      row.mean_queue_wait_ms =
          st.started ? static_cast<double>(st.queue_wait_nanos) / st.started / 1e6 : 0;
      double slots = static_cast<double>(svc.concurrency) * svc.instances;
      double span_s = stats.end_time.seconds();
      row.utilization =
          slots > 0 && span_s > 0 ? static_cast<double>(st.busy_nanos) / 1e9 / (slots * span_s) : 0;
    }
    report->services.push_back(std::move(row));
  }
  for (const metrics::DependencyRed& d : red.Dependencies())
    report->dependencies.push_back(
        Row(d.name, d.kind, d.requests, d.errors, d.latency, duration_s));
  RunReport::Resilience& rs = report->resilience;
  rs.retries = stats.retries;
  rs.timeouts = stats.timeouts;
  rs.breaker_opens = stats.breaker_opens;
  rs.breaker_rejections = stats.breaker_rejections;
  rs.rate_limited = stats.rate_limited;
  rs.refused = stats.refused;
}

void FillTruth(const metrics::TruthMetricsSink& truth, RunReport* report) {
  const metrics::TruthTotals& t = truth.totals();
  RunReport::Truth& r = report->truth;
  r.traces = t.traces;
  r.error_traces = t.error_traces;
  r.root_errors = t.root_errors;
  r.fragments = t.fragments;
  r.lost_spans = t.lost_spans;
  r.touched = t.touched;
  r.p50_ms = Ms(t.latency.Percentile(50));
  r.p95_ms = Ms(t.latency.Percentile(95));
  r.p99_ms = Ms(t.latency.Percentile(99));
  r.baseline_p50_ms = Ms(t.untouched_latency.Percentile(50));
  r.baseline_p99_ms = Ms(t.untouched_latency.Percentile(99));
  report->incidents.clear();
  for (const metrics::FaultImpact& f : truth.faults()) {
    IncidentRow row;
    row.id = f.id;
    row.kind = f.kind;
    row.target = f.target;
    row.start_s = f.start_s;
    row.end_s = f.end_s;
    row.traces = f.traces;
    row.error_traces = f.error_traces;
    row.root_errors = f.root_errors;
    row.p50_ms = Ms(f.latency.Percentile(50));
    row.p99_ms = Ms(f.latency.Percentile(99));
    report->incidents.push_back(std::move(row));
  }
}

namespace {

// A share with enough digits for rare events: 25.7%, 5.00%, 0.500%, 0.0400%.
std::string FormatShare(double f) {
  const int decimals = f >= 0.1 || f == 0 ? 1 : f >= 0.01 ? 2 : f >= 0.001 ? 3 : 4;
  return FormatPercent(f, decimals);
}

// "1,455 of 5,652 25.7% [24.6–26.9]": counts, the share and its 95 % Wilson interval, the bounds
// with enough decimals to tell them apart from the share (99.98, not 100.0).
std::string CountShare(uint64_t k, uint64_t n, const sampling::Interval& ci) {
  if (n == 0) return "-";
  const double f = static_cast<double>(k) / static_cast<double>(n);
  const double width = (ci.high - ci.low) * 100;
  const int decimals = width >= 1 ? 1 : width >= 0.1 ? 2 : width >= 0.01 ? 3 : 4;
  const std::string lo = FormatFixed(ci.low * 100, std::max(decimals, f < 0.1 ? 2 : 1));
  const std::string hi = FormatFixed(ci.high * 100, std::max(decimals, f < 0.1 ? 2 : 1));
  return FormatCount(k) + " of " + FormatCount(n) + " " + FormatShare(f) + " [" + lo + "–" + hi +
         "]";
}

const sampling::StrategyScore::SlowRecall* Slow(const sampling::StrategyScore& s,
                                                std::string_view basis, std::string_view at) {
  for (const auto& r : s.slow)
    if (r.basis == basis && r.at == at) return &r;
  return nullptr;
}

// Counts beside rates, with 95 % Wilson intervals, and the named Pareto fronts; slow-trace recall
// on root latency and on whole-trace duration (issue 13).
std::string RenderRecallTable(const std::vector<sampling::StrategyScore>& scores) {
  if (scores.empty() || scores.front().slow.empty()) return "";
  Table t({{"kept of all [95% interval]", Align::kLeft},
           {"traces kept", Align::kRight},
           {"error traces kept", Align::kRight},
           {"Pareto fronts (cost vs)", Align::kLeft}});
  for (const auto& s : scores) {
    std::string fronts;
    for (const std::string& f : s.fronts) {
      fronts += (fronts.empty() ? "" : ", ") + f.substr(f.find('/') + 1);
    }
    t.AddRow({s.name, CountShare(s.traces_kept, s.traces, s.kept_ci),
              CountShare(s.error_traces_kept, s.error_traces, s.error_recall_ci), fronts});
  }
  std::string out = t.Render();
  const sampling::StrategyScore& first = scores.front();
  std::vector<Column> cols = {{"slow traces kept", Align::kLeft}};
  static constexpr std::pair<const char*, const char*> kCols[] = {
      {"root", "p95"}, {"root", "p99"}, {"trace", "p95"}, {"trace", "p99"}};
  for (const auto& [basis, at] : kCols) {
    const auto* r = Slow(first, basis, at);
    cols.push_back(
        {std::string(basis) + " > " + at + " " + FormatFixed(r ? r->threshold_ms : 0, 0) + " ms",
         Align::kRight});
  }
  Table st(cols);
  for (const auto& s : scores) {
    std::vector<std::string> row = {s.name};
    for (const auto& [basis, at] : kCols) {
      const auto* r = Slow(s, basis, at);
      row.push_back(r ? CountShare(r->kept, r->traces, r->ci) : "-");
    }
    st.AddRow(row);
  }
  out += st.Render();
  out +=
      "  root = the entry request's latency; trace = first span start to last span end, async "
      "work included (what a tail_sampling latency policy measures)\n";
  return out;
}

// The title and the run's totals: what ran, for how long, how fast, and how much came out.
// 3 significant digits and a decimal prefix: 127 M, 69.1 G.
std::string Scaled(double v) {
  static constexpr const char* kPrefix[] = {"", " k", " M", " G", " T", " P"};
  size_t p = 0;
  while (v >= 999.5 && p + 1 < std::size(kPrefix)) {
    v /= 1000;
    ++p;
  }
  return FormatFixed(v, v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2) + kPrefix[p];
}

// Two lines under the counts (issue 13): the spans as OTLP, then a day and a month of them.
std::string RenderVolumeLines(const RunReport::Volume& v) {
  return "  volume " + Scaled(v.spans_per_s) + " spans/s, " + FormatFixed(v.bytes_per_span, 0) +
         " B per span as OTLP, " + FormatFixed(v.compressed_bytes_per_span, 0) +
         " B gzipped\n  a day at " + Scaled(v.day_traces_per_s) +
         " traces/s: " + Scaled(v.spans_per_day) + " spans, " + Scaled(v.gb_per_day * 1e9) + "B, " +
         Scaled(v.compressed_gb_per_day * 1e9) +
         "B gzipped; 30 days: " + Scaled(v.tb_per_month * 1e12) + "B, " +
         Scaled(v.compressed_tb_per_month * 1e12) + "B gzipped\n";
}

std::string RenderRunHeader(const RunReport& r) {
  std::string out;
  out += "tracesim " + r.version + " — scenario " + r.scenario + " (" + r.source + "), seed " +
         std::to_string(r.seed) + "\n";
  out += "  simulated " + FormatFixed(r.simulated_s, 1) + " s (arrivals for " +
         FormatFixed(r.duration_s, 1) + " s at " + FormatFixed(r.offered_rate, 1) +
         " traces/s) in " + FormatFixed(r.host.wall_s, 2) + " s wall, " +
         FormatFixed(r.host.spans_per_wall_s / 1e6, 2) + " M spans/s, peak memory " +
         FormatFixed(r.host.peak_rss_mib, 1) + " MiB\n";
  out += "  traces " + FormatCount(r.traces) + ", spans " + FormatCount(r.spans) + " (" +
         FormatFixed(r.traces ? static_cast<double>(r.spans) / r.traces : 0, 1) +
         " per trace), error traces " + FormatCount(r.error_traces) + " (" +
         FormatPercent(r.traces ? static_cast<double>(r.error_traces) / r.traces : 0) + ")";
  if (r.traces_unfinished) out += ", unfinished " + FormatCount(r.traces_unfinished);
  out += "\n";
  if (r.volume.spans > 0) out += RenderVolumeLines(r.volume);
  if (!r.spans_out.empty()) out += "  spans written to " + r.spans_out + "\n";
  out += "\n";
  return out;
}

// The RED table: one row per instrumented service, then the leaf dependencies as callers see
// them; and the resilience mechanics the kernel counted, when there were any.
std::string RenderServiceTable(const RunReport& r) {
  std::string out;
  Table t({{"service", Align::kLeft},
           {"requests", Align::kRight},
           {"req/s", Align::kRight},
           {"error %", Align::kRight},
           {"p50 ms", Align::kRight},
           {"p95 ms", Align::kRight},
           {"p99 ms", Align::kRight},
           {"queue ms", Align::kRight},
           {"util", Align::kRight},
           {"rejected", Align::kRight}});
  for (const ServiceRow& s : r.services) {
    t.AddRow({s.name, FormatCount(s.requests), FormatFixed(s.rate_per_s, 1),
              FormatPercent(s.error_ratio), FormatFixed(s.p50_ms, 2), FormatFixed(s.p95_ms, 2),
              FormatFixed(s.p99_ms, 2), FormatFixed(s.mean_queue_wait_ms, 2),
              s.utilization > 0 ? FormatPercent(s.utilization, 0) : "-", FormatCount(s.rejected)});
  }
  bool any_dep = false;
  for (const ServiceRow& d : r.dependencies) {
    if (d.requests == 0) continue;
    if (!any_dep) t.AddSeparator();
    any_dep = true;
    t.AddRow({d.name + " (" + d.kind + ")", FormatCount(d.requests), FormatFixed(d.rate_per_s, 1),
              FormatPercent(d.error_ratio), FormatFixed(d.p50_ms, 2), FormatFixed(d.p95_ms, 2),
              FormatFixed(d.p99_ms, 2), "-", "-", "-"});
  }
  out += t.Render();
  const RunReport::Resilience& rs = r.resilience;
  if (rs.retries || rs.timeouts || rs.breaker_opens || rs.rate_limited || rs.refused) {
    out += "\n  resilience: " + FormatCount(rs.retries) + " retries, " + FormatCount(rs.timeouts) +
           " timeouts, " + FormatCount(rs.breaker_opens) + " breaker opens (" +
           FormatCount(rs.breaker_rejections) + " calls refused), " + FormatCount(rs.rate_limited) +
           " rate-limited, " + FormatCount(rs.refused) + " connections refused\n";
  }
  return out;
}

// What each fault did (ground truth), against the baseline of traces no fault touched; "" when
// the scenario has no faults.
std::string RenderIncidentTable(const RunReport& r) {
  if (r.incidents.empty()) return "";
  std::string out;
  // Every truth record is either touched by a fault or part of the baseline.
  std::string baseline = r.truth.traces > r.truth.touched
                             ? "p50 " + FormatFixed(r.truth.baseline_p50_ms, 2) + " ms, p99 " +
                                   FormatFixed(r.truth.baseline_p99_ms, 2) + " ms"
                             : std::string("none");
  out += "\nincidents (ground truth; baseline = traces no fault touched: " + baseline + ")\n";
  Table it({{"fault", Align::kLeft},
            {"kind", Align::kLeft},
            {"target", Align::kLeft},
            {"window s", Align::kLeft},
            {"traces", Align::kRight},
            {"error traces", Align::kRight},
            {"user errors", Align::kRight},
            {"p50 ms", Align::kRight},
            {"p99 ms", Align::kRight}});
  for (const IncidentRow& i : r.incidents) {
    std::string window = FormatFixed(i.start_s, 0) + "–" +
                         (i.end_s < 0 ? std::string("end") : FormatFixed(i.end_s, 0));
    it.AddRow(
        {i.id, i.kind, i.target, window, FormatCount(i.traces),
         FormatCount(i.error_traces) +
             (i.traces
                  ? " (" + FormatPercent(static_cast<double>(i.error_traces) / i.traces, 1) + ")"
                  : ""),
         FormatCount(i.root_errors), i.traces ? FormatFixed(i.p50_ms, 2) : "-",
         i.traces ? FormatFixed(i.p99_ms, 2) : "-"});
  }
  out += it.Render();
  if (r.truth.fragments || r.truth.lost_spans) {
    out += "  fragments " + FormatCount(r.truth.fragments) + ", spans lost " +
           FormatCount(r.truth.lost_spans) + "\n";
  }
  return out;
}

// The sampling comparison's main table: one row per strategy, then the truth it is scored
// against.
std::string RenderStrategyTable(const RunReport& r) {
  std::string out;
  const auto& first = r.sampling.front();
  out +=
      "\nsampling strategies (same traffic; recall = kept / all; ★ = on the cost vs error-recall "
      "Pareto front)\n";
  out += "  " + FormatCount(first.traces) + " traces, " + FormatCount(first.error_traces) +
         " with errors, " + FormatCount(first.shapes) + " distinct shapes, true p99 " +
         FormatFixed(first.slow_p99_ms, 1) +
         " ms; stored bytes = exact OTLP size x measured gzip ratio " +
         FormatFixed(r.compression_ratio, 3) + "\n";
  Table st({{"strategy", Align::kLeft},
            {"traces kept", Align::kRight},
            {"spans kept", Align::kRight},
            {"GB/month", Align::kRight},
            {"$/month", Align::kRight},
            {"error recall", Align::kRight},
            {"slow p99", Align::kRight},
            {"rare paths", Align::kRight},
            {"complete", Align::kRight},
            {"est. err rate", Align::kRight},
            {"est. p99 ms", Align::kRight},
            {"", Align::kLeft}});
  auto pct = [](uint64_t a, uint64_t b) {
    return b ? FormatPercent(static_cast<double>(a) / b, 1) : "-";
  };
  for (const auto& s : r.sampling) {
    st.AddRow({s.name, pct(s.traces_kept, s.traces), pct(s.spans_kept, s.spans),
               FormatFixed(s.gb_per_month, 2), FormatFixed(s.usd_month, 2),
               s.error_traces ? FormatPercent(s.error_recall, 1) : "-",
               s.slow_p99_traces ? FormatPercent(s.slow_recall_p99, 1) : "-",
               FormatPercent(s.rare_path_recall, 1),
               s.traces_kept ? FormatPercent(s.completeness, 1) : "-",
               FormatPercent(s.est_error_rate, 2),
               s.traces_kept ? FormatFixed(s.est_p99_ms, 1) : "-", s.pareto ? "★" : ""});
  }
  out += st.Render();
  out += "  truth: error rate " + FormatPercent(first.true_error_rate, 2) + ", p95 " +
         FormatFixed(first.true_p95_ms, 1) + " ms, p99 " + FormatFixed(first.true_p99_ms, 1) +
         " ms; $/month = " + sampling::PricingLabel(r.pricing) + "\n";
  return out;
}

// What the deployments did that the figures do not show (sampling/lab StrategyScore::notes), and
// which RED estimates to distrust, by how much (issue 13).
std::string RenderStrategyNotes(const std::vector<sampling::StrategyScore>& scores) {
  std::string out;
  for (const auto& s : scores) {
    for (const std::string& n : s.notes) out += "  note: " + s.name + ": " + n + "\n";
  }
  for (const auto& s : scores) {
    if (!s.red_biased) continue;
    out += "  biased RED estimate (tail or dynamic stage, no adjusted count): " + s.name +
           ": error rate " + (s.error_rate_bias >= 0 ? "+" : "") +
           FormatFixed(s.error_rate_bias * 100, 2) + " points, rate " +
           (s.rate_bias >= 0 ? "+" : "") + FormatFixed(s.rate_bias * 100, 1) + "%, p99 " +
           (s.p99_bias >= 0 ? "+" : "") + FormatFixed(s.p99_bias * 100, 1) + "%\n";
  }
  return out;
}

// The tail_sampling processors' cost (buffer peaks, early evictions, decision latency), after a
// line per strategy whose SDKs dropped or lost spans; "" when there is neither.
std::string RenderTailCostTable(const std::vector<sampling::StrategyScore>& scores) {
  bool any_tail = false;
  std::string drops;  // issue 10: spans the SDKs' BatchSpanProcessors dropped (queue full)
  for (const auto& s : scores) {
    if (s.sdk_spans_dropped + s.sdk_spans_lost_timeout == 0) continue;
    drops += "  SDK export: " + s.name + " dropped " + FormatCount(s.sdk_spans_dropped) +
             " spans (queue full) and lost " + FormatCount(s.sdk_spans_lost_timeout) +
             " (export timeout) before the Collector\n";
  }
  for (const auto& s : scores) any_tail |= s.has_tail;
  if (!any_tail) return drops;
  Table ct({{"tail_sampling cost", Align::kLeft},
            {"peak traces", Align::kRight},
            {"peak spans", Align::kRight},
            {"peak MB", Align::kRight},
            {"evicted early", Align::kRight},
            {"late spans", Align::kRight},
            {"decision p50 s", Align::kRight},
            {"p99 s", Align::kRight}});
  for (const auto& s : scores) {
    if (!s.has_tail) continue;
    ct.AddRow({s.name, FormatCount(s.peak_traces_buffered), FormatCount(s.peak_spans_buffered),
               FormatFixed(s.peak_bytes_buffered / 1e6, 1), FormatCount(s.evicted_before_decision),
               FormatCount(s.late_spans), FormatFixed(s.decision_latency_p50_s, 1),
               FormatFixed(s.decision_latency_p99_s, 1)});
  }
  return drops + ct.Render();
}

// Error recall per fault, one column per fault; "" without faults.
std::string RenderFaultRecallTable(const std::vector<sampling::StrategyScore>& scores) {
  const auto& first = scores.front();
  if (first.by_fault.empty()) return "";
  std::vector<Column> cols = {{"error recall by fault", Align::kLeft}};
  for (const auto& f : first.by_fault) cols.push_back({f.id, Align::kRight});
  Table ft(cols);
  for (const auto& s : scores) {
    std::vector<std::string> row = {s.name};
    for (const auto& f : s.by_fault)
      row.push_back(
          f.error_traces ? FormatPercent(f.recall, 1) + " of " + FormatCount(f.error_traces) : "-");
    ft.AddRow(row);
  }
  return ft.Render();
}

}  // namespace

std::string RenderRunTable(const RunReport& r) {
  std::string out = RenderRunHeader(r);
  out += RenderServiceTable(r);
  out += RenderIncidentTable(r);
  out += RenderSymptomTable(r.symptoms);
  if (!r.truth_out.empty()) out += "\n  ground truth written to " + r.truth_out + "\n";
  if (!r.sampling.empty()) {
    out += RenderStrategyTable(r);
    out += RenderStrategyNotes(r.sampling);
    out += RenderTailCostTable(r.sampling);
    out += RenderFaultRecallTable(r.sampling);
    out += RenderRecallTable(r.sampling);
    out += RenderServiceRedTable(r.sampling);
  }
  return out;
}

std::string RenderSamplingCsv(const RunReport& r) {
  std::string out =
      "strategy,pipeline,traces,traces_kept,spans,spans_kept,bytes_kept,gb_per_month,usd_storage_"
      "month,"
      "usd_ingest_month,usd_per_span_month,error_traces,error_traces_kept,error_recall,slow_p99_"
      "recall,"
      "slow_threshold_recall,shapes,shapes_kept,rare_path_recall,completeness,true_error_rate,est_"
      "error_rate,"
      "true_p99_ms,est_p99_ms,true_rate,est_rate,peak_traces_buffered,peak_bytes_buffered,"
      "evicted_before_decision,pareto,usd_month\n";
  auto q = [](const std::string& s) {
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
  };
  auto d = [](double v) { return FormatFixed(v, 6); };
  for (const auto& s : r.sampling) {
    out += q(s.name) + "," + q(s.pipeline) + "," + std::to_string(s.traces) + "," +
           std::to_string(s.traces_kept) + "," + std::to_string(s.spans) + "," +
           std::to_string(s.spans_kept) + "," + std::to_string(s.bytes_kept) + "," +
           d(s.gb_per_month) + "," + d(s.usd_storage_month) + "," + d(s.usd_ingest_month) + "," +
           d(s.usd_per_span_month) + "," + std::to_string(s.error_traces) + "," +
           std::to_string(s.error_traces_kept) + "," + d(s.error_recall) + "," +
           d(s.slow_recall_p99) + "," + d(s.slow_recall_threshold) + "," +
           std::to_string(s.shapes) + "," + std::to_string(s.shapes_kept) + "," +
           d(s.rare_path_recall) + "," + d(s.completeness) + "," + d(s.true_error_rate) + "," +
           d(s.est_error_rate) + "," + d(s.true_p99_ms) + "," + d(s.est_p99_ms) + "," +
           d(s.true_rate) + "," + d(s.est_rate) + "," + std::to_string(s.peak_traces_buffered) +
           "," + std::to_string(s.peak_bytes_buffered) + "," +
           std::to_string(s.evicted_before_decision) + "," + (s.pareto ? "true" : "false") + "," +
           d(s.usd_month) + "\n";
  }
  return out;
}

namespace {

using nlohmann::ordered_json;

ordered_json ServiceRowJson(const ServiceRow& s, bool service) {
  ordered_json j;
  j["name"] = s.name;
  j["kind"] = s.kind;
  j["requests"] = s.requests;
  j["rate_per_s"] = R3(s.rate_per_s);
  j["errors"] = s.errors;
  j["error_ratio"] = R6(s.error_ratio);
  j["p50_ms"] = R3(s.p50_ms);
  j["p95_ms"] = R3(s.p95_ms);
  j["p99_ms"] = R3(s.p99_ms);
  j["max_ms"] = R3(s.max_ms);
  if (service) {
    j["rejected"] = s.rejected;
    j["mean_queue_wait_ms"] = R3(s.mean_queue_wait_ms);
    j["utilization"] = R3(s.utilization);
  }
  return j;
}

ordered_json TruthJson(const RunReport::Truth& t) {
  ordered_json truth;
  truth["traces"] = t.traces;
  truth["error_traces"] = t.error_traces;
  truth["root_errors"] = t.root_errors;
  truth["fragments"] = t.fragments;
  truth["lost_spans"] = t.lost_spans;
  truth["touched_by_faults"] = t.touched;
  truth["p50_ms"] = R3(t.p50_ms);
  truth["p95_ms"] = R3(t.p95_ms);
  truth["p99_ms"] = R3(t.p99_ms);
  truth["baseline_p50_ms"] = R3(t.baseline_p50_ms);
  truth["baseline_p99_ms"] = R3(t.baseline_p99_ms);
  return truth;
}

ordered_json ResilienceJson(const RunReport::Resilience& rs) {
  ordered_json res;
  res["retries"] = rs.retries;
  res["timeouts"] = rs.timeouts;
  res["breaker_opens"] = rs.breaker_opens;
  res["breaker_rejections"] = rs.breaker_rejections;
  res["rate_limited"] = rs.rate_limited;
  res["refused"] = rs.refused;
  return res;
}

ordered_json VolumeJson(const RunReport::Volume& v, double compression_ratio) {
  ordered_json x;
  x["spans"] = v.spans;
  x["bytes"] = v.bytes;
  x["spans_per_s"] = R3(v.spans_per_s);
  x["bytes_per_span"] = R3(v.bytes_per_span);
  x["compression_ratio"] = R3(compression_ratio);
  x["compressed_bytes_per_span"] = R3(v.compressed_bytes_per_span);
  x["day"] = {{"traces_per_s", R3(v.day_traces_per_s)},
              {"spans", std::round(v.spans_per_day)},
              {"gb", R3(v.gb_per_day)},
              {"compressed_gb", R3(v.compressed_gb_per_day)}};
  x["month_30d"] = {{"tb", R3(v.tb_per_month)}, {"compressed_tb", R3(v.compressed_tb_per_month)}};
  return x;
}

// The prices and tiers of the cost figures: doc/run-summary.md's `pricing`.
ordered_json PricingJson(const sampling::PricingOptions& p) {
  ordered_json x;
  x["preset"] = p.preset;
  x["bill"] = p.BillNames();
  x["storage_usd_per_gb_month"] = p.storage_usd_per_gb_month;
  x["ingest_usd_per_gb"] = p.ingest_usd_per_gb;
  x["usd_per_million_spans"] = p.usd_per_million_spans;
  x["retention_days"] = {{"traces", p.traces_days},
                         {"error_traces", p.error_traces_days},
                         {"metadata", p.metadata_days}};
  x["metadata_bytes_per_trace"] = p.metadata_bytes_per_trace;
  return x;
}

// A strategy's volume, cost and recalls: "name" through "slow" of doc/run-summary.md's
// `sampling` entries.
void AddStrategyRecalls(const sampling::StrategyScore& s, ordered_json* out) {
  ordered_json& x = *out;
  x["name"] = s.name;
  x["pipeline"] = s.pipeline;
  if (!s.notes.empty()) x["notes"] = s.notes;
  x["traces"] = s.traces;
  x["traces_kept"] = s.traces_kept;
  x["spans"] = s.spans;
  x["spans_kept"] = s.spans_kept;
  x["bytes_kept"] = s.bytes_kept;
  x["error_bytes_kept"] = s.error_bytes_kept;
  x["gb_per_month"] = R3(s.gb_per_month);
  x["usd_month"] = R3(s.usd_month);
  x["usd_per_month"] = {{"object_storage", R3(s.usd_storage_month)},
                        {"ingest", R3(s.usd_ingest_month)},
                        {"per_span", R3(s.usd_per_span_month)}};
  x["stored_gb"] = {{"traces", R3(s.stored_gb_traces)},
                    {"error_traces", R3(s.stored_gb_error_traces)},
                    {"metadata", R3(s.stored_gb_metadata)}};
  x["error_traces"] = s.error_traces;
  x["error_traces_kept"] = s.error_traces_kept;
  x["error_recall"] = R6(s.error_recall);
  x["error_recall_by_fault"] = ordered_json::array();
  for (const auto& f : s.by_fault)
    x["error_recall_by_fault"].push_back({{"fault", f.id},
                                          {"error_traces", f.error_traces},
                                          {"kept", f.kept},
                                          {"recall", R6(f.recall)}});
  x["error_recall_by_root_cause"] = ordered_json::array();
  for (const auto& c : s.by_root_cause)
    x["error_recall_by_root_cause"].push_back({{"service", c.service},
                                               {"error_traces", c.error_traces},
                                               {"kept", c.kept},
                                               {"recall", R6(c.recall)}});
  x["slow"] = {{"p99_ms", R3(s.slow_p99_ms)},
               {"p99_traces", s.slow_p99_traces},
               {"p99_kept", s.slow_p99_kept},
               {"p99_recall", R6(s.slow_recall_p99)},
               {"threshold_traces", s.slow_threshold_traces},
               {"threshold_kept", s.slow_threshold_kept},
               {"threshold_recall", R6(s.slow_recall_threshold)}};
}

// One `sampling` entry of doc/run-summary.md.
ordered_json StrategyJson(const sampling::StrategyScore& s) {
  ordered_json x;
  AddStrategyRecalls(s, &x);
  x["shapes"] = s.shapes;
  x["shapes_kept"] = s.shapes_kept;
  x["rare_path_recall"] = R6(s.rare_path_recall);
  x["complete_kept"] = s.complete_kept;
  x["fragmented_kept"] = s.fragmented_kept;
  x["completeness"] = R6(s.completeness);
  if (s.has_tail) {
    x["collector"] = {{"peak_traces", s.peak_traces_buffered},
                      {"peak_spans", s.peak_spans_buffered},
                      {"peak_bytes", s.peak_bytes_buffered},
                      {"evicted_before_decision", s.evicted_before_decision},
                      {"late_spans", s.late_spans},
                      {"decision_latency_p50_s", R3(s.decision_latency_p50_s)},
                      {"decision_latency_p99_s", R3(s.decision_latency_p99_s)}};
  }
  if (s.sdk_batching) {  // issue 10: the SDKs' BatchSpanProcessors
    x["sdk_export"] = {{"exports", s.sdk_exports},
                       {"spans_dropped", s.sdk_spans_dropped},
                       {"spans_lost_timeout", s.sdk_spans_lost_timeout}};
  }
  x["red_estimate"] = {{"true_error_rate", R6(s.true_error_rate)},
                       {"est_error_rate", R6(s.est_error_rate)},
                       {"true_p99_ms", R3(s.true_p99_ms)},
                       {"est_p99_ms", R3(s.est_p99_ms)},
                       {"true_rate", R3(s.true_rate)},
                       {"est_rate", R3(s.est_rate)},
                       {"biased", s.red_biased},
                       {"error_rate_bias", R6(s.error_rate_bias)},
                       {"rate_bias", R6(s.rate_bias)},
                       {"p99_bias", R6(s.p99_bias)}};
  x["pareto"] = s.pareto;
  // Issue 13: intervals, slow recall on root and whole-trace duration, named fronts.
  x["kept_ci"] = {R6(s.kept_ci.low), R6(s.kept_ci.high)};
  x["error_recall_ci"] = {R6(s.error_recall_ci.low), R6(s.error_recall_ci.high)};
  x["true_p95_ms"] = R3(s.true_p95_ms);
  x["slow_recall"] = ordered_json::array();
  for (const auto& sr : s.slow)
    x["slow_recall"].push_back({{"basis", sr.basis},
                                {"at", sr.at},
                                {"threshold_ms", R3(sr.threshold_ms)},
                                {"traces", sr.traces},
                                {"kept", sr.kept},
                                {"recall", R6(sr.recall)},
                                {"ci", {R6(sr.ci.low), R6(sr.ci.high)}}});
  x["pareto_fronts"] = s.fronts;
  x["red_by_service"] = ServiceRedJson(s);
  return x;
}

ordered_json IncidentJson(const IncidentRow& i) {
  ordered_json x;
  x["id"] = i.id;
  x["kind"] = i.kind;
  x["target"] = i.target;
  x["start_s"] = R3(i.start_s);
  if (i.end_s < 0) {
    x["end_s"] = nullptr;
  } else {
    x["end_s"] = R3(i.end_s);
  }
  x["traces"] = i.traces;
  x["error_traces"] = i.error_traces;
  x["root_errors"] = i.root_errors;
  x["p50_ms"] = R3(i.p50_ms);
  x["p99_ms"] = R3(i.p99_ms);
  return x;
}

}  // namespace

std::string RenderRunJson(const RunReport& r, bool include_host) {
  ordered_json j;
  j["tracesim_version"] = r.version;
  j["scenario"] = r.scenario;
  j["source"] = r.source;
  j["topology"] = r.topology;
  j["seed"] = r.seed;
  j["start_time"] = r.start_time;
  j["duration_s"] = R3(r.duration_s);
  j["simulated_s"] = R3(r.simulated_s);
  j["offered_rate"] = R3(r.offered_rate);
  j["traces"] = r.traces;
  j["spans"] = r.spans;
  j["error_traces"] = r.error_traces;
  j["traces_unfinished"] = r.traces_unfinished;
  j["events"] = r.events;
  j["peak_open_traces"] = r.peak_open_traces;
  j["services"] = ordered_json::array();
  for (const ServiceRow& s : r.services) j["services"].push_back(ServiceRowJson(s, true));
  j["dependencies"] = ordered_json::array();
  for (const ServiceRow& d : r.dependencies) j["dependencies"].push_back(ServiceRowJson(d, false));
  if (!r.spans_out.empty()) j["spans_out"] = r.spans_out;
  if (!r.truth_out.empty()) j["truth_out"] = r.truth_out;
  j["truth"] = TruthJson(r.truth);
  j["resilience"] = ResilienceJson(r.resilience);
  j["volume"] = VolumeJson(r.volume, r.compression_ratio);
  if (!r.sampling.empty()) {
    j["compression_ratio"] = R3(r.compression_ratio);
    j["pricing"] = PricingJson(r.pricing);
    j["sampling"] = ordered_json::array();
    for (const auto& s : r.sampling) j["sampling"].push_back(StrategyJson(s));
  }
  j["incidents"] = ordered_json::array();
  for (const IncidentRow& i : r.incidents) j["incidents"].push_back(IncidentJson(i));
  if (r.symptoms.size() > 1) j["symptoms"] = SymptomsJson(r.symptoms);
  if (include_host) {
    j["host"]["wall_s"] = R3(r.host.wall_s);
    j["host"]["spans_per_wall_s"] = std::round(r.host.spans_per_wall_s);
    j["host"]["peak_rss_mib"] = R3(r.host.peak_rss_mib);
  }
  return j.dump(2) + "\n";
}

}  // namespace tracesim::reports
