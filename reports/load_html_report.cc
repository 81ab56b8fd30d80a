// The `tracesim load` page (RenderLoadHtmlReport in reports/html_report.h).
#include "loadgen/load_engine.h"
#include "reports/html_page.h"
#include "reports/html_report.h"
#include "reports/table.h"

namespace tracesim::reports {

using html::Escape;
using html::HtmlTable;
using html::Ms;
using html::Page;
using html::ScriptJson;

namespace {

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

// The summary table: accounting, rates, requests, latency, time.
std::string SummaryTable(const loadgen::LoadReport& r) {
  HtmlTable t({"", "value"}, 1);
  t.Row({"spans generated / accepted", FormatCount(r.generated) + " / " + FormatCount(r.accepted)});
  t.Row({"spans rejected / dropped / in flight", FormatCount(r.rejected()) + " / " +
                                                     FormatCount(r.dropped()) + " / " +
                                                     FormatCount(r.in_flight)});
  if (r.dropped() > 0)
    t.Row({"… dropped: queue full / non-retryable / retries exhausted / shutdown",
           FormatCount(r.dropped_queue_full) + " / " + FormatCount(r.dropped_non_retryable) +
               " / " + FormatCount(r.dropped_retries_exhausted) + " / " +
               FormatCount(r.dropped_shutdown)});
  t.Row({"traces", FormatCount(r.traces)});
  t.Row({"target / achieved spans/s (" + FormatFixed(r.rate_from_seconds, 1) + "–" +
             FormatFixed(r.rate_to_seconds, 1) + " s)",
         FormatFixed(r.target_span_rate, 1) + " / " + FormatFixed(r.achieved_span_rate, 1)});
  t.Row({"requests / failed / retries", FormatCount(r.requests) + " / " +
                                            FormatCount(r.failed_requests) + " / " +
                                            FormatCount(r.retries)});
  t.Row({"bytes sent", FormatCount(r.bytes_sent)});
  t.Row({"export latency p50 / p90 / p95 / p99 / max (ms)",
         Ms(r.export_p50_ms) + " / " + Ms(r.export_p90_ms) + " / " + Ms(r.export_p95_ms) + " / " +
             Ms(r.export_p99_ms) + " / " + Ms(r.export_max_ms)});
  t.Row({"export latency mean (ms)", Ms(r.export_mean_ms)});
  t.Row(
      {"release lag p99 / max (ms)", Ms(r.release_lag_p99_ms) + " / " + Ms(r.release_lag_max_ms)});
  t.Row({"peak queued spans", FormatCount(r.peak_queued_spans)});
  t.Row({"window / wall / CPU (s)", FormatFixed(r.window_seconds, 1) + " / " +
                                        FormatFixed(r.wall_seconds, 1) + " / " +
                                        FormatFixed(r.cpu_seconds, 1)});
  if (r.interrupted) t.Row({"stopped", "interrupted (Ctrl-C)"});
  return t.Render();
}

// The charts' figures as a table, one row per second (folded: it is long).
std::string SecondsTable(const loadgen::LoadReport& r) {
  HtmlTable t({"from s", "target spans/s", "generated", "accepted", "rejected", "dropped",
               "requests", "failed", "export p50 ms", "export p99 ms", "queued", "in flight"},
              0);
  for (const loadgen::SecondStats& s : r.seconds)
    t.Row({std::to_string(s.second), FormatFixed(s.target_traces * r.mean_spans_per_trace, 0),
           FormatCount(s.generated_spans), FormatCount(s.accepted), FormatCount(s.rejected),
           FormatCount(s.dropped), FormatCount(s.requests), FormatCount(s.failed_requests),
           Ms(s.export_p50_ms), Ms(s.export_p99_ms), FormatCount(s.queued_spans),
           FormatCount(s.in_flight_spans)});
  return "<details><summary>Every second as a table</summary>\n" + t.Render() + "</details>\n";
}

}  // namespace

std::string RenderLoadHtmlReport(const loadgen::LoadReport& r, const std::string& title) {
  std::string body = "<header><h1>tracesim load: " + Escape(title) +
                     "</h1>\n<nav><a href=\"#summary\">Summary</a>" +
                     (r.errors.empty() ? "" : "<a href=\"#errors\">Errors</a>") +
                     "<a href=\"#timeline\">Per second</a></nav></header>\n";
  body += "<section id=\"summary\"><h2>Summary</h2>\n" + SummaryTable(r) + "</section>\n";
  if (!r.errors.empty()) {
    HtmlTable e({"error", "failed attempts", "% of attempts"}, 1);
    for (const auto& [code, n] : r.errors)
      e.Row({code, FormatCount(n),
             FormatPercent(r.requests ? static_cast<double>(n) / r.requests : 0, 1)});
    body += "<section id=\"errors\"><h2>Errors by code</h2>\n" + e.Render() + "</section>\n";
  }
  body +=
      "<section id=\"timeline\"><h2>Per second</h2>\n<p class=\"note\">Seconds of wall time "
      "since the start; spans by when they were released (generated) or their export finished "
      "(accepted, rejected, dropped).</p>\n<div class=\"charts\">\n";
  const char* charts[][3] = {{"load-rates", "target,generated,accepted", "spans/s"},
                             {"load-latency", "p50,p99", "ms"},
                             {"load-queue", "queued,in_flight", "spans"},
                             {"load-failures", "rejected,dropped,failed", "per second"}};
  for (const auto& c : charts)
    body += std::string("<div class=\"chart-box\"><canvas class=\"chart\" id=\"") + c[0] +
            "\" data-series=\"" + c[1] + "\" data-unit=\"" + c[2] + "\"></canvas></div>\n";
  body += "</div>\n" + SecondsTable(r) + "</section>\n";
  nlohmann::ordered_json j;
  j["labels"] = {{"target", "target spans/s"},
                 {"generated", "generated spans/s"},
                 {"accepted", "accepted spans/s"},
                 {"p50", "export p50"},
                 {"p99", "export p99"},
                 {"queued", "queued spans"},
                 {"in_flight", "in-flight spans"},
                 {"rejected", "rejected spans/s"},
                 {"dropped", "dropped spans/s"},
                 {"failed", "failed export attempts/s"}};
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
                            {"dropped", s.dropped},
                            {"failed", s.failed_requests}});
  return Page("tracesim load: " + title, body, ScriptJson(j), kLoadScript);
}

}  // namespace tracesim::reports
