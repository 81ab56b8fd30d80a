#include "reports/run_report.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "reports/table.h"

namespace tracesim::reports {
namespace {

const char* KindName(sim::ServiceKind k) {
  switch (k) {
    case sim::ServiceKind::kService:
      return "service";
    case sim::ServiceKind::kDatabase:
      return "database";
    case sim::ServiceKind::kCache:
      return "cache";
    case sim::ServiceKind::kExternal:
      return "external";
    case sim::ServiceKind::kMessaging:
      return "messaging";
  }
  return "service";
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Rounds to 3 decimals so the JSON does not carry float noise (and stays byte-stable).
double R3(double v) { return std::round(v * 1000.0) / 1000.0; }

ServiceRow Row(const std::string& name, sim::ServiceKind kind, uint64_t requests, uint64_t errors,
               const metrics::Histogram& h, double seconds) {
  ServiceRow r;
  r.name = name;
  r.kind = KindName(kind);
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

std::string RenderRunTable(const RunReport& r) {
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
  if (!r.spans_out.empty()) out += "  spans written to " + r.spans_out + "\n";
  out += "\n";
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
  if (!r.incidents.empty()) {
    out += "\nincidents (ground truth; baseline = traces no fault touched: p50 " +
           FormatFixed(r.truth.baseline_p50_ms, 2) + " ms, p99 " +
           FormatFixed(r.truth.baseline_p99_ms, 2) + " ms)\n";
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
  }
  if (!r.truth_out.empty()) out += "\n  ground truth written to " + r.truth_out + "\n";
  return out;
}

std::string RenderRunJson(const RunReport& r, bool include_host) {
  using nlohmann::ordered_json;
  auto row = [](const ServiceRow& s, bool service) {
    ordered_json j;
    j["name"] = s.name;
    j["kind"] = s.kind;
    j["requests"] = s.requests;
    j["rate_per_s"] = R3(s.rate_per_s);
    j["errors"] = s.errors;
    j["error_ratio"] = R3(s.error_ratio * 1000) / 1000;
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
  };
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
  for (const ServiceRow& s : r.services) j["services"].push_back(row(s, true));
  j["dependencies"] = ordered_json::array();
  for (const ServiceRow& d : r.dependencies) j["dependencies"].push_back(row(d, false));
  if (!r.spans_out.empty()) j["spans_out"] = r.spans_out;
  if (!r.truth_out.empty()) j["truth_out"] = r.truth_out;
  ordered_json truth;
  truth["traces"] = r.truth.traces;
  truth["error_traces"] = r.truth.error_traces;
  truth["root_errors"] = r.truth.root_errors;
  truth["fragments"] = r.truth.fragments;
  truth["lost_spans"] = r.truth.lost_spans;
  truth["touched_by_faults"] = r.truth.touched;
  truth["p50_ms"] = R3(r.truth.p50_ms);
  truth["p99_ms"] = R3(r.truth.p99_ms);
  truth["baseline_p50_ms"] = R3(r.truth.baseline_p50_ms);
  truth["baseline_p99_ms"] = R3(r.truth.baseline_p99_ms);
  j["truth"] = truth;
  ordered_json res;
  res["retries"] = r.resilience.retries;
  res["timeouts"] = r.resilience.timeouts;
  res["breaker_opens"] = r.resilience.breaker_opens;
  res["breaker_rejections"] = r.resilience.breaker_rejections;
  res["rate_limited"] = r.resilience.rate_limited;
  res["refused"] = r.resilience.refused;
  j["resilience"] = res;
  j["incidents"] = ordered_json::array();
  for (const IncidentRow& i : r.incidents) {
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
    j["incidents"].push_back(x);
  }
  if (include_host) {
    j["host"]["wall_s"] = R3(r.host.wall_s);
    j["host"]["spans_per_wall_s"] = std::round(r.host.spans_per_wall_s);
    j["host"]["peak_rss_mib"] = R3(r.host.peak_rss_mib);
  }
  return j.dump(2) + "\n";
}

}  // namespace tracesim::reports
