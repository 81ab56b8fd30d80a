#include "reports/html_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/service_map.h"
#include "reports/table.h"
#include "reports/waterfall.h"
#include "sim/base/embedded.h"

#if TRACESIM_HAVE_CHARTJS
namespace tracesim::sim {
extern const EmbeddedFile kChartJs[];  // reports/CMakeLists.txt: Debian's chart.min.js
}
#endif

namespace tracesim::reports {

bool HtmlChartsAvailable() { return TRACESIM_HAVE_CHARTJS != 0; }

namespace {

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A table: the first `left` columns are text, the others numbers (right-aligned).
class HtmlTable {
 public:
  HtmlTable(std::vector<std::string> head, size_t left) : head_(std::move(head)), left_(left) {}
  void Row(const std::vector<std::string>& cells) {
    body_ += "<tr>";
    for (size_t i = 0; i < cells.size(); ++i)
      body_ += (i < left_ ? "<td>" : "<td class=\"n\">") + Escape(cells[i]) + "</td>";
    body_ += "</tr>\n";
  }
  std::string Render() const {
    std::string out = "<table>\n<thead><tr>";
    for (size_t i = 0; i < head_.size(); ++i)
      out += (i < left_ ? "<th>" : "<th class=\"n\">") + Escape(head_[i]) + "</th>";
    return out + "</tr></thead>\n<tbody>\n" + body_ + "</tbody>\n</table>\n";
  }

 private:
  std::vector<std::string> head_;
  size_t left_;
  std::string body_;
};

std::string Ms(double ms) { return FormatFixed(ms, ms >= 100 ? 0 : ms >= 10 ? 1 : 2); }

std::string Window(double start_s, double end_s) {
  return FormatFixed(start_s, 0) + " s – " + (end_s < 0 ? "end" : FormatFixed(end_s, 0) + " s");
}

constexpr char kStyle[] = R"css(
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dde5; --accent:#1f77b4; --bad:#c62828; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px;
     border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left;
         white-space: nowrap; }
th { background: #f4f6f9; font-weight: 600; } .n { text-align: right; }
tr.pareto td:first-child::after { content: " ◆"; color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.chart-box { position: relative; height: 260px; border: 1px solid var(--line); border-radius: 6px;
             padding: 8px; }
pre.waterfall { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f7f8fa;
                border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; }
.warn { color: var(--bad); }
.map svg { max-width: 100%; height: auto; }
)css";

// Draws every <canvas data-chart> from the JSON block; runs after Chart.js.
constexpr char kScript[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('tracesim-data').textContent);
  if (typeof Chart === 'undefined') return;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                   '#17becf', '#7f7f7f', '#bcbd22'];
  const tl = data.timeline;
  const end = tl.length ? tl[tl.length - 1].t + data.bucket_s : 1;
  // Shades each fault's window [start, end) behind the lines, labelled with its id.
  const faultWindows = {
    id: 'faultWindows',
    beforeDatasetsDraw(chart) {
      const x = chart.scales.x, a = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      data.faults.forEach((f, i) => {
        const s = Math.max(x.getPixelForValue(f.start_s), a.left);
        const e = Math.min(x.getPixelForValue(f.end_s < 0 ? end : f.end_s), a.right);
        if (!(e > s)) return;
        ctx.fillStyle = 'rgba(214, 39, 40, 0.10)';
        ctx.fillRect(s, a.top, e - s, a.bottom - a.top);
        ctx.fillStyle = 'rgba(150, 20, 20, 0.9)';
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillText(f.id, s + 3, a.top + 12 + 13 * (i % 3));
      });
      ctx.restore();
    }
  };
  function series(label, key, scale, colour) {
    return { label: label, data: tl.map(p => ({ x: p.t, y: p[key] * scale })),
             borderColor: colour, backgroundColor: colour, borderWidth: 1.5, pointRadius: 0 };
  }
  function overTime(id, datasets, yTitle) {
    new Chart(document.getElementById(id), {
      type: 'line', data: { datasets: datasets }, plugins: [faultWindows],
      options: { parsing: false, maintainAspectRatio: false,
                 interaction: { mode: 'index', intersect: false },
                 scales: { x: { type: 'linear', min: 0, max: end,
                                title: { display: true, text: 'simulated time (s)' } },
                           y: { beginAtZero: true, title: { display: true, text: yTitle } } } }
    });
  }
  overTime('chart-traffic', [series('traces started per second', 'rate', 1, colours[0])],
           'traces/s');
  overTime('chart-errors', [series('user-visible errors (% of traces)', 'err', 100, colours[1])],
           '% of traces');
  overTime('chart-latency', [series('p50 entry latency', 'p50', 1, colours[2]),
                             series('p99 entry latency', 'p99', 1, colours[3])], 'ms');
  const pareto = document.getElementById('chart-pareto');
  if (pareto) {
    const pts = data.sampling.map(s => ({ x: s.gb_month, y: 100 * s.error_recall, name: s.name,
                                          pareto: s.pareto }));
    const front = pts.filter(p => p.pareto).sort((a, b) => a.x - b.x);
    new Chart(pareto, {
      type: 'scatter',
      data: { datasets: [
        { label: 'strategies', data: pts, pointRadius: 6, pointHoverRadius: 8,
          backgroundColor: pts.map(p => p.pareto ? colours[1] : colours[0]) },
        { label: 'Pareto front', type: 'line', data: front, borderColor: colours[1],
          borderDash: [4, 4], borderWidth: 1, pointRadius: 0, fill: false } ] },
      options: { maintainAspectRatio: false,
                 plugins: { tooltip: { callbacks: { label: c => c.raw.name ?
                   c.raw.name + ': ' + c.raw.y.toFixed(1) + '% error recall, ' +
                   c.raw.x.toFixed(3) + ' GB/month' : 'Pareto front' } } },
                 scales: { x: { title: { display: true, text: 'stored GB per month (cost)' } },
                           y: { min: 0, max: 100,
                                title: { display: true, text: 'error-trace recall (%)' } } } }
    });
  }
  const byFault = document.getElementById('chart-fault-recall');
  if (byFault) {
    new Chart(byFault, {
      type: 'bar',
      data: { labels: data.fault_ids,
              datasets: data.sampling.map((s, i) => ({
                label: s.name, backgroundColor: colours[i % colours.length],
                data: data.fault_ids.map(id => 100 * (s.by_fault[id] || 0)) })) },
      options: { maintainAspectRatio: false,
                 scales: { y: { min: 0, max: 100,
                                title: { display: true, text: 'error-trace recall (%)' } } } }
    });
  }
  document.body.setAttribute('data-charts', 'drawn');
})();
)js";

std::string SummarySection(const RunReport& r) {
  HtmlTable t({"", "value"}, 1);
  t.Row({"traces", FormatCount(r.traces)});
  t.Row({"spans", FormatCount(r.spans)});
  t.Row({"traces with an error", FormatCount(r.error_traces)});
  t.Row({"user-visible failures (truth)", FormatCount(r.truth.root_errors)});
  t.Row({"entry latency p50 / p99 (ms)", Ms(r.truth.p50_ms) + " / " + Ms(r.truth.p99_ms)});
  t.Row({"… traces no fault touched",
         Ms(r.truth.baseline_p50_ms) + " / " + Ms(r.truth.baseline_p99_ms)});
  t.Row({"traces a fault touched", FormatCount(r.truth.touched)});
  t.Row({"fragments (lost context)", FormatCount(r.truth.fragments)});
  t.Row({"spans lost", FormatCount(r.truth.lost_spans)});
  t.Row({"offered rate (traces/s)", FormatFixed(r.offered_rate, 1)});
  t.Row({"arrivals / simulated (s)",
         FormatFixed(r.duration_s, 1) + " / " + FormatFixed(r.simulated_s, 1)});
  t.Row({"retries / timeouts",
         FormatCount(r.resilience.retries) + " / " + FormatCount(r.resilience.timeouts)});
  t.Row({"breaker opens / rejections", FormatCount(r.resilience.breaker_opens) + " / " +
                                           FormatCount(r.resilience.breaker_rejections)});
  t.Row({"peak open traces", FormatCount(r.peak_open_traces)});
  return "<section id=\"summary\"><h2>Summary</h2>\n" + t.Render() + "</section>\n";
}

std::string RedSection(const RunReport& r) {
  HtmlTable t({"service", "kind", "requests", "req/s", "errors", "error %", "p50 ms", "p95 ms",
               "p99 ms", "max ms", "rejected", "queue wait ms", "utilization"},
              2);
  auto add = [&](const ServiceRow& s) {
    t.Row({s.name, s.kind, FormatCount(s.requests), FormatFixed(s.rate_per_s, 1),
           FormatCount(s.errors), FormatPercent(s.error_ratio), Ms(s.p50_ms), Ms(s.p95_ms),
           Ms(s.p99_ms), Ms(s.max_ms), FormatCount(s.rejected), Ms(s.mean_queue_wait_ms),
           FormatPercent(s.utilization, 1)});
  };
  for (const ServiceRow& s : r.services) add(s);
  for (const ServiceRow& s : r.dependencies) add(s);
  return "<section id=\"red\"><h2>Services: rate, errors, duration</h2>\n"
         "<p class=\"note\">Server-side spans per instrumented service; dependencies as their "
         "callers see them.</p>\n" +
         t.Render() + "</section>\n";
}

std::string TimelineSection(bool charts) {
  std::string out = "<section id=\"timeline\"><h2>Over time</h2>\n";
  if (!charts)
    out +=
        "<p class=\"warn\">Charts unavailable: this tracesim was built without Chart.js "
        "(Debian package libjs-chart.js).</p>\n";
  out +=
      "<p class=\"note\">Traces by their true start; shaded bands are the fault windows.</p>\n"
      "<div class=\"charts\">\n";
  for (const char* id : {"chart-traffic", "chart-errors", "chart-latency"})
    out += std::string("<div class=\"chart-box\"><canvas class=\"chart\" id=\"") + id +
           "\" data-chart=\"" + id + "\"></canvas></div>\n";
  return out + "</div>\n</section>\n";
}

std::string FaultSection(const RunReport& r) {
  if (r.incidents.empty()) return "";
  HtmlTable t({"fault", "kind", "target", "window", "traces touched", "with errors", "user-visible",
               "p50 ms", "p99 ms"},
              4);
  for (const IncidentRow& i : r.incidents)
    t.Row({i.id, i.kind, i.target, Window(i.start_s, i.end_s), FormatCount(i.traces),
           FormatCount(i.error_traces), FormatCount(i.root_errors), Ms(i.p50_ms), Ms(i.p99_ms)});
  return "<section id=\"faults\"><h2>Faults (ground truth)</h2>\n" + t.Render() + "</section>\n";
}

std::string SamplingSection(const RunReport& r) {
  if (r.sampling.empty()) return "";
  std::string rows;
  for (const sampling::StrategyScore& s : r.sampling) {
    const double kept = s.traces ? static_cast<double>(s.traces_kept) / s.traces : 0;
    rows += std::string("<tr") + (s.pareto ? " class=\"pareto\"" : "") + "><td>" + Escape(s.name) +
            "</td><td>" + Escape(s.pipeline) + "</td><td class=\"n\">" + FormatPercent(kept, 1) +
            "</td><td class=\"n\">" + FormatFixed(s.gb_per_month, 3) + "</td><td class=\"n\">" +
            FormatFixed(s.usd_storage_month, 2) + "</td><td class=\"n\">" +
            FormatPercent(s.error_recall, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.slow_recall_p99, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.rare_path_recall, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.completeness, 1) + "</td></tr>\n";
  }
  std::string out =
      "<section id=\"sampling\"><h2>Sampling strategies</h2>\n"
      "<p class=\"note\">Scored against the ground truth; ◆ marks the cost vs error-recall "
      "Pareto front.</p>\n<table>\n<thead><tr><th>strategy</th><th>pipeline</th>"
      "<th class=\"n\">traces kept</th><th class=\"n\">GB/month</th><th class=\"n\">$ "
      "storage/month</th><th class=\"n\">error recall</th><th class=\"n\">slow (p99) "
      "recall</th><th class=\"n\">rare-path recall</th><th class=\"n\">complete</th></tr>"
      "</thead>\n<tbody>\n" +
      rows + "</tbody>\n</table>\n";
  // Per-fault recall: one row per strategy, one column per fault.
  std::vector<std::string> ids;
  for (const IncidentRow& i : r.incidents) ids.push_back(i.id);
  if (!ids.empty()) {
    std::vector<std::string> head = {"strategy"};
    head.insert(head.end(), ids.begin(), ids.end());
    HtmlTable t(head, 1);
    for (const sampling::StrategyScore& s : r.sampling) {
      std::vector<std::string> cells = {s.name};
      for (const std::string& id : ids) {
        std::string cell = "–";
        for (const auto& f : s.by_fault)
          if (f.id == id && f.error_traces > 0) cell = FormatPercent(f.recall, 1);
        cells.push_back(cell);
      }
      t.Row(cells);
    }
    out += "<h3>Error-trace recall per fault</h3>\n" + t.Render();
  }
  out +=
      "<div class=\"charts\">\n<div class=\"chart-box\"><canvas class=\"chart\" "
      "id=\"chart-pareto\" data-chart=\"pareto\"></canvas></div>\n";
  if (!ids.empty())
    out +=
        "<div class=\"chart-box\"><canvas class=\"chart\" id=\"chart-fault-recall\" "
        "data-chart=\"fault-recall\"></canvas></div>\n";
  return out + "</div>\n</section>\n";
}

std::string MapSection(const HtmlReportInput& in) {
  if (in.edges.empty()) return "";
  const sim::Model& m = *in.model;
  HtmlTable t({"caller", "callee", "kind", "calls", "calls/s", "error %"}, 3);
  for (const EdgeCount& e : in.edges) {
    const sim::Service& callee = m.services[e.callee];
    t.Row({std::string(m.strings.Get(m.services[e.caller].name)),
           std::string(m.strings.Get(callee.name)), std::string(sim::ServiceKindName(callee.kind)),
           FormatCount(e.calls),
           FormatFixed(in.simulated_s > 0 ? static_cast<double>(e.calls) / in.simulated_s : 0, 1),
           FormatPercent(e.calls ? static_cast<double>(e.errors) / e.calls : 0)});
  }
  return "<section id=\"map\"><h2>Service map</h2>\n" +
         (in.service_map_svg.empty() ? ""
                                     : "<div class=\"map\">" + in.service_map_svg + "</div>\n") +
         "<p class=\"note\">One row per caller → callee pair, from the CLIENT and PRODUCER "
         "spans.</p>\n" +
         t.Render() + "</section>\n";
}

std::string ExemplarSection(const HtmlReportInput& in) {
  if (in.exemplars.empty()) return "";
  std::string out =
      "<section id=\"traces\"><h2>Exemplar traces</h2>\n<p class=\"note\">* and █ mark the "
      "critical path; notes come from the ground truth.</p>\n";
  for (const HtmlExemplar& e : in.exemplars)
    out += "<h3>" + Escape(e.title) + "</h3>\n<pre class=\"waterfall\">" + Escape(e.waterfall) +
           "</pre>\n";
  return out + "</section>\n";
}

// JSON for a <script> element: "</" escaped so the text cannot end it.
std::string ScriptJson(const nlohmann::ordered_json& j) {
  std::string text = j.dump();
  for (size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 2))
    text.replace(at, 2, "<\\/");
  return text;
}

std::string DataJson(const HtmlReportInput& in) {
  nlohmann::ordered_json j;
  j["bucket_s"] = in.bucket_s;
  j["timeline"] = nlohmann::json::array();
  for (const TimelinePoint& p : in.timeline)
    j["timeline"].push_back({{"t", p.start_s},
                             {"rate", p.traces_per_s},
                             {"err", p.error_ratio},
                             {"p50", p.p50_ms},
                             {"p99", p.p99_ms}});
  j["faults"] = nlohmann::json::array();
  j["fault_ids"] = nlohmann::json::array();
  for (const IncidentRow& i : in.report->incidents) {
    j["faults"].push_back(
        {{"id", i.id}, {"kind", i.kind}, {"start_s", i.start_s}, {"end_s", i.end_s}});
    j["fault_ids"].push_back(i.id);
  }
  j["sampling"] = nlohmann::json::array();
  for (const sampling::StrategyScore& s : in.report->sampling) {
    nlohmann::ordered_json by_fault = nlohmann::ordered_json::object();
    for (const auto& f : s.by_fault) by_fault[f.id] = f.recall;
    j["sampling"].push_back({{"name", s.name},
                             {"gb_month", s.gb_per_month},
                             {"error_recall", s.error_recall},
                             {"pareto", s.pareto},
                             {"by_fault", by_fault}});
  }
  return ScriptJson(j);
}

// Draws the load page's charts: one line chart per canvas[data-series], x = wall second.
constexpr char kLoadScript[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('tracesim-data').textContent);
  if (typeof Chart === 'undefined') return;
  Chart.defaults.animation = false;
  const colours = ['#7f7f7f', '#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd'];
  document.querySelectorAll('canvas[data-series]').forEach(canvas => {
    const keys = canvas.getAttribute('data-series').split(',');
    new Chart(canvas, {
      type: 'line',
      data: { datasets: keys.map((k, i) => ({
        label: data.labels[k], borderColor: colours[i], backgroundColor: colours[i],
        borderWidth: 1.5, pointRadius: 0,
        data: data.seconds.map(s => ({ x: s.second, y: s[k] })) })) },
      options: { parsing: false, maintainAspectRatio: false,
                 interaction: { mode: 'index', intersect: false },
                 scales: { x: { type: 'linear', title: { display: true, text: 'wall second' } },
                           y: { beginAtZero: true,
                                title: { display: true, text: canvas.getAttribute('data-unit') } } } }
    });
  });
  document.body.setAttribute('data-charts', 'drawn');
})();
)js";

std::string Page(const std::string& title, const std::string& body, const std::string& data,
                 const char* script) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + body +
      "<script type=\"application/json\" id=\"tracesim-data\">" + data + "</script>\n";
#if TRACESIM_HAVE_CHARTJS
  out += "<script>\n";
  out.append(sim::kChartJs[0].data, sim::kChartJs[0].size);
  out += "\n</script>\n";
#endif
  return out + "<script>" + script + "</script>\n</body>\n</html>\n";
}

}  // namespace

std::string RenderLoadHtmlReport(const loadgen::LoadReport& r, const std::string& title) {
  std::string body = "<header><h1>tracesim load: " + Escape(title) + "</h1></header>\n";
  HtmlTable t({"", "value"}, 1);
  t.Row({"spans generated / accepted", FormatCount(r.generated) + " / " + FormatCount(r.accepted)});
  t.Row({"spans rejected / dropped / in flight", FormatCount(r.rejected()) + " / " +
                                                     FormatCount(r.dropped()) + " / " +
                                                     FormatCount(r.in_flight)});
  t.Row({"traces", FormatCount(r.traces)});
  t.Row({"target / achieved spans/s",
         FormatFixed(r.target_span_rate, 1) + " / " + FormatFixed(r.achieved_span_rate, 1)});
  t.Row({"requests / failed / retries", FormatCount(r.requests) + " / " +
                                            FormatCount(r.failed_requests) + " / " +
                                            FormatCount(r.retries)});
  t.Row({"export latency p50 / p90 / p99 / max (ms)",
         Ms(r.export_p50_ms) + " / " + Ms(r.export_p90_ms) + " / " + Ms(r.export_p99_ms) + " / " +
             Ms(r.export_max_ms)});
  t.Row({"release lag p99 (ms)", Ms(r.release_lag_p99_ms)});
  t.Row({"peak queued spans", FormatCount(r.peak_queued_spans)});
  t.Row({"window / wall / CPU (s)", FormatFixed(r.window_seconds, 1) + " / " +
                                        FormatFixed(r.wall_seconds, 1) + " / " +
                                        FormatFixed(r.cpu_seconds, 1)});
  body += "<section id=\"summary\"><h2>Summary</h2>\n" + t.Render() + "</section>\n";
  if (!r.errors.empty()) {
    HtmlTable e({"error", "failed attempts"}, 1);
    for (const auto& [code, n] : r.errors) e.Row({code, FormatCount(n)});
    body += "<section id=\"errors\"><h2>Errors by code</h2>\n" + e.Render() + "</section>\n";
  }
  body += "<section id=\"timeline\"><h2>Per second</h2>\n<div class=\"charts\">\n";
  const char* charts[][3] = {{"load-rates", "target,generated,accepted", "spans/s"},
                             {"load-latency", "p50,p99", "ms"},
                             {"load-queue", "queued,in_flight", "spans"},
                             {"load-failures", "rejected,dropped", "spans/s"}};
  for (const auto& c : charts)
    body += std::string("<div class=\"chart-box\"><canvas class=\"chart\" id=\"") + c[0] +
            "\" data-series=\"" + c[1] + "\" data-unit=\"" + c[2] + "\"></canvas></div>\n";
  body += "</div>\n</section>\n";
  nlohmann::ordered_json j;
  j["labels"] = {{"target", "target spans/s"},
                 {"generated", "generated spans/s"},
                 {"accepted", "accepted spans/s"},
                 {"p50", "export p50"},
                 {"p99", "export p99"},
                 {"queued", "queued spans"},
                 {"in_flight", "in-flight spans"},
                 {"rejected", "rejected spans/s"},
                 {"dropped", "dropped spans/s"}};
  j["seconds"] = nlohmann::json::array();
  for (const loadgen::SecondStats& s : r.seconds)
    j["seconds"].push_back({{"second", s.second},
                            {"target", s.target_traces * r.mean_spans_per_trace},
                            {"generated", s.generated_spans},
                            {"accepted", s.accepted},
                            {"p50", s.export_p50_ms},
                            {"p99", s.export_p99_ms},
                            {"queued", s.queued_spans},
                            {"in_flight", s.in_flight_spans},
                            {"rejected", s.rejected},
                            {"dropped", s.dropped}});
  return Page("tracesim load: " + title, body, ScriptJson(j), kLoadScript);
}

std::string RenderHtmlReport(const HtmlReportInput& in) {
  const RunReport& r = *in.report;
  std::string body =
      "<header><h1>tracesim run: " + Escape(r.scenario) + "</h1>\n<p class=\"meta\">" +
      Escape(r.source) + " · topology " + Escape(r.topology) + " · seed " + std::to_string(r.seed) +
      " · start " + Escape(r.start_time) + " · " + FormatFixed(r.duration_s, 0) +
      " s of arrivals · tracesim " + Escape(r.version) +
      "</p>\n<nav><a href=\"#summary\">Summary</a><a href=\"#red\">Services</a><a "
      "href=\"#timeline\">Over time</a>" +
      (r.incidents.empty() ? "" : "<a href=\"#faults\">Faults</a>") +
      (r.sampling.empty() ? "" : "<a href=\"#sampling\">Sampling</a>") +
      (in.exemplars.empty() ? "" : "<a href=\"#traces\">Traces</a>") +
      (in.edges.empty() ? "" : "<a href=\"#map\">Service map</a>") + "</nav></header>\n";
  body += SummarySection(r) + RedSection(r) + TimelineSection(HtmlChartsAvailable()) +
          FaultSection(r) + SamplingSection(r) + ExemplarSection(in) + MapSection(in);
  return Page("tracesim run: " + r.scenario, body, DataJson(in), kScript);
}

HtmlReportCollector::HtmlReportCollector(const sim::Model& model, const sim::FaultPlan* plan,
                                         sim::Duration window)
    : model_(model), plan_(plan), timeline_(window), slowest_(TracePickOptions{}) {
  if (plan == nullptr) return;
  for (size_t f = 0; f < plan->faults.size() && f < sim::kMaxFaults; ++f) {
    TracePickOptions o;
    o.filter = TracePickOptions::Filter::kFault;
    o.fault_index = static_cast<uint32_t>(f);
    by_fault_.push_back(std::make_unique<TracePicker>(o));
  }
}

void HtmlReportCollector::OnTrace(const sim::TraceView& trace) noexcept {
  timeline_.OnTrace(trace);
  slowest_.OnTrace(trace);
  for (auto& p : by_fault_) p->OnTrace(trace);
}

std::string HtmlReportCollector::Render(const RunReport& report) {
  HtmlReportInput in;
  in.report = &report;
  in.model = &model_;
  in.plan = plan_;
  in.timeline = timeline_.Points();
  in.bucket_s = timeline_.bucket_s();
  in.edges = timeline_.Edges();
  in.simulated_s = report.simulated_s;
  WaterfallOptions w;
  w.width = 140;
  std::vector<PickedTrace> slowest = slowest_.Take();
  for (const PickedTrace& p : slowest)
    in.exemplars.push_back({"Slowest trace", RenderPicked(p, model_, plan_, w)});
  std::vector<sim::TraceId> shown;
  for (const PickedTrace& p : slowest) shown.push_back(p.trace.trace_id);
  for (size_t f = 0; f < by_fault_.size(); ++f) {
    for (const PickedTrace& p : by_fault_[f]->Take()) {
      const std::string title = "Slowest trace touched by fault " + plan_->faults[f].id;
      if (std::find(shown.begin(), shown.end(), p.trace.trace_id) != shown.end()) {
        in.exemplars.push_back({title, "the same trace as above"});
        continue;
      }
      shown.push_back(p.trace.trace_id);
      in.exemplars.push_back({title, RenderPicked(p, model_, plan_, w)});
    }
  }
  if (GraphvizAvailable()) {
    ServiceMapOptions m;
    m.counts = &in.edges;
    m.simulated_s = report.simulated_s;
    auto svg = RenderDot(ServiceMapDot(model_, m), "svg");
    if (svg.ok()) in.service_map_svg = std::move(svg).value();
  }
  return RenderHtmlReport(in);
}

}  // namespace tracesim::reports
