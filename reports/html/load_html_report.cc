// The `tracesim load` page (RenderLoadHtmlReport in reports/html/html_report.h).
#include "loadgen/load_engine.h"
#include "reports/html/html_page.h"
#include "reports/html/html_report.h"
#include "reports/text/table.h"

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

// The collector under load (--target-metrics / --target-pid) beside tracesim's accounting.
std::string TargetSummaryTable(const loadgen::LoadReport& r, const loadgen::TargetSummary& t) {
  HtmlTable s({"spans", "tracesim", "collector"}, 1);
  s.Row({"accepted", FormatCount(r.accepted), FormatFixed(t.accepted, 0)});
  s.Row({"rejected / refused", FormatCount(r.rejected()), FormatFixed(t.refused, 0)});
  s.Row({"dropped", FormatCount(r.dropped()), FormatFixed(t.dropped, 0)});
  s.Row({"sent on (collector exporters)", "", FormatFixed(t.sent, 0)});
  s.Row({"refused / dropped ratio", "",
         FormatPercent(t.refused_ratio(), 2) + " / " + FormatPercent(t.dropped_ratio(), 2)});
  if (t.has_queue) s.Row({"peak queue size", "", FormatFixed(t.peak_queue_size, 0)});
  if (t.has_cpu)
    s.Row({"CPU cores mean / peak", "",
           FormatFixed(t.mean_cpu_cores, 2) + " / " + FormatFixed(t.peak_cpu_cores, 2)});
  if (t.has_rss) s.Row({"peak RSS (MiB)", "", FormatFixed(t.peak_rss_mb, 1)});
  std::string sources;
  for (const std::string& u : t.urls) sources += (sources.empty() ? "" : ", ") + u;
  if (t.pid > 0) sources += (sources.empty() ? "pid " : ", pid ") + std::to_string(t.pid);
  s.Row({"scrapes / failed (over " + FormatFixed(t.wall_seconds, 1) + " s)", "",
         FormatCount(t.scrapes) + " / " + FormatCount(t.scrape_errors)});
  std::string out = "<p class=\"note\">Measured from " + Escape(sources) + ".";
  if (!t.last_error.empty()) out += " Last failed scrape: " + Escape(t.last_error) + ".";
  return out + "</p>\n" + s.Render();
}

// The collector's figures per second as a table (folded); "–" where a scrape failed.
std::string TargetSecondsTable(const loadgen::LoadReport& r) {
  HtmlTable t({"from s", "accepted/s", "refused/s", "sent/s", "dropped/s", "queue size",
               "CPU cores", "RSS MiB"},
              0);
  for (const loadgen::SecondStats& s : r.seconds) {
    if (!s.target || !s.target->ok) {
      t.Row({std::to_string(s.second), "–", "–", "–", "–", "–", "–", "–"});
      continue;
    }
    const loadgen::TargetSecond& c = *s.target;
    t.Row({std::to_string(s.second), FormatFixed(c.accepted_per_s, 0),
           FormatFixed(c.refused_per_s, 0), FormatFixed(c.sent_per_s, 0),
           FormatFixed(c.dropped_per_s, 0), c.has_queue ? FormatFixed(c.queue_size, 0) : "–",
           c.has_cpu ? FormatFixed(c.cpu_cores, 2) : "–",
           c.has_rss ? FormatFixed(c.rss_mb, 1) : "–"});
  }
  return "<details><summary>The collector every second as a table</summary>\n" + t.Render() +
         "</details>\n";
}

bool HasTargetSeconds(const loadgen::LoadReport& r) {
  for (const loadgen::SecondStats& s : r.seconds)
    if (s.target) return true;
  return false;
}

std::string ChartBox(const char* id, const char* series, const char* unit) {
  return std::string("<div class=\"chart-box\"><canvas class=\"chart\" id=\"") + id +
         "\" data-series=\"" + series + "\" data-unit=\"" + unit + "\"></canvas></div>\n";
}

// The collector's section: totals beside tracesim's, charts and the per-second table.
std::string TargetSection(const loadgen::LoadReport& r) {
  std::string body =
      "<section id=\"collector\"><h2>The collector under load</h2>\n<p class=\"note\">From "
      "its own metrics (--target-metrics) and /proc (--target-pid); rates are between "
      "consecutive scrapes.</p>\n";
  if (r.target) body += TargetSummaryTable(r, *r.target);
  if (HasTargetSeconds(r)) {
    body += "<div class=\"charts\">\n";
    body += ChartBox("collector-rates", "c_accepted,c_refused,c_sent,c_dropped", "spans/s");
    body += ChartBox("collector-queue", "c_queue", "queue size");
    body += ChartBox("collector-cpu", "c_cpu", "CPU cores");
    body += ChartBox("collector-rss", "c_rss", "MiB");
    body += "</div>\n" + TargetSecondsTable(r);
  }
  return body + "</section>\n";
}

// A gauge or rate of the collector in one second as JSON: null (a gap in the chart) when
// unknown.
nlohmann::ordered_json TargetValue(const loadgen::SecondStats& s, double loadgen::TargetSecond::*v,
                                   bool loadgen::TargetSecond::*known) {
  if (!s.target || !s.target->ok || (known && !(*s.target.*known))) return nullptr;
  return (*s.target).*v;
}

}  // namespace

std::string RenderLoadHtmlReport(const loadgen::LoadReport& r, const std::string& title) {
  const bool with_target = r.target.has_value() || HasTargetSeconds(r);
  std::string body = "<header><h1>tracesim load: " + Escape(title) +
                     "</h1>\n<nav><a href=\"#summary\">Summary</a>" +
                     (r.errors.empty() ? "" : "<a href=\"#errors\">Errors</a>") +
                     "<a href=\"#timeline\">Per second</a>" +
                     (with_target ? "<a href=\"#collector\">Collector</a>" : "") +
                     "</nav></header>\n";
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
  if (with_target) body += TargetSection(r);
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
  if (with_target) {
    j["labels"]["c_accepted"] = "collector accepted spans/s";
    j["labels"]["c_refused"] = "collector refused spans/s";
    j["labels"]["c_sent"] = "collector sent spans/s";
    j["labels"]["c_dropped"] = "collector dropped spans/s";
    j["labels"]["c_queue"] = "collector queue size";
    j["labels"]["c_cpu"] = "collector CPU cores";
    j["labels"]["c_rss"] = "collector RSS MiB";
  }
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
  if (with_target) {
    using TS = loadgen::TargetSecond;
    auto& rows = j["seconds"];
    for (size_t i = 0; i < r.seconds.size(); ++i) {
      const loadgen::SecondStats& s = r.seconds[i];
      rows[i]["c_accepted"] = TargetValue(s, &TS::accepted_per_s, nullptr);
      rows[i]["c_refused"] = TargetValue(s, &TS::refused_per_s, nullptr);
      rows[i]["c_sent"] = TargetValue(s, &TS::sent_per_s, nullptr);
      rows[i]["c_dropped"] = TargetValue(s, &TS::dropped_per_s, nullptr);
      rows[i]["c_queue"] = TargetValue(s, &TS::queue_size, &TS::has_queue);
      rows[i]["c_cpu"] = TargetValue(s, &TS::cpu_cores, &TS::has_cpu);
      rows[i]["c_rss"] = TargetValue(s, &TS::rss_mb, &TS::has_rss);
    }
  }
  return Page("tracesim load: " + title, body, ScriptJson(j), kLoadScript);
}

namespace {

// Draws the capacity search's chart: target and achieved rate per step.
constexpr char kFindMaxScript[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('tracesim-data').textContent);
  if (typeof Chart === 'undefined') return;
  Chart.defaults.animation = false;
  new Chart(document.getElementById('findmax-steps'), {
    type: 'bar',
    data: { labels: data.steps.map(s => 'step ' + s.index),
            datasets: [
              { label: 'target ' + data.unit, backgroundColor: '#7f7f7f',
                data: data.steps.map(s => s.rate) },
              { label: 'achieved ' + data.unit,
                backgroundColor: data.steps.map(s => s.passed ? '#2ca02c' : '#d62728'),
                data: data.steps.map(s => s.achieved) }] },
    options: { maintainAspectRatio: false,
               scales: { y: { beginAtZero: true, title: { display: true, text: data.unit } } } }
  });
  document.body.setAttribute('data-charts', 'drawn');
})();
)js";

}  // namespace

std::string RenderFindMaxHtmlReport(const CapacitySearchView& search, const std::string& title) {
  std::string body = "<header><h1>tracesim load --find-max: " + Escape(title) +
                     "</h1>\n<nav><a href=\"#verdict\">Verdict</a><a href=\"#steps\">Steps</a>"
                     "</nav></header>\n";
  std::string verdict =
      search.max_rate > 0
          ? "highest sustained rate: " + FormatFixed(search.max_rate, 1) + " " + search.unit
          : std::string("no step passed");
  if (search.lowest_failing_rate > 0)
    verdict +=
        "; lowest failing rate: " + FormatFixed(search.lowest_failing_rate, 1) + " " + search.unit;
  if (search.interrupted) verdict += " (interrupted)";
  body += "<section id=\"verdict\"><h2>Verdict</h2>\n<p>" + Escape(verdict) + "</p></section>\n";
  HtmlTable t({"step", "phase", "target " + search.unit, "achieved " + search.unit, "verdict",
               "criteria (measured)"},
              2);
  for (const CapacityStepView& s : search.steps) {
    std::string evidence;
    for (const loadgen::ThresholdOutcome& c : s.criteria)
      evidence += (evidence.empty() ? "" : "; ") + std::string(c.passed ? "pass " : "FAIL ") +
                  c.threshold.text + " (" + FormatFixed(c.actual, 3) + ")";
    t.Row({std::to_string(s.index), s.phase, FormatFixed(s.rate, 1),
           FormatFixed(s.achieved_rate, 1), s.passed ? "pass" : "FAIL", evidence});
  }
  body +=
      "<section id=\"steps\"><h2>Steps</h2>\n<div class=\"charts\"><div "
      "class=\"chart-box\"><canvas class=\"chart\" id=\"findmax-steps\"></canvas></div></div>\n" +
      t.Render() + "</section>\n";
  nlohmann::ordered_json j;
  j["unit"] = search.unit;
  j["steps"] = nlohmann::json::array();
  for (const CapacityStepView& s : search.steps)
    j["steps"].push_back({{"index", s.index},
                          {"rate", s.rate},
                          {"achieved", s.achieved_rate},
                          {"passed", s.passed}});
  return Page("tracesim load --find-max: " + title, body, ScriptJson(j), kFindMaxScript);
}

}  // namespace tracesim::reports
