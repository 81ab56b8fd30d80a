#include "reports/html/html_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/html/html_page.h"
#include "reports/text/table.h"
#include "reports/traces/service_map.h"
#include "reports/traces/waterfall.h"

namespace tracesim::reports {

bool HtmlChartsAvailable() { return TRACESIM_HAVE_CHARTJS != 0; }

namespace {

using html::Escape;
using html::HtmlTable;
using html::Ms;
using html::Page;
using html::ScriptJson;

std::string Window(double start_s, double end_s) {
  return FormatFixed(start_s, 0) + " s – " + (end_s < 0 ? "end" : FormatFixed(end_s, 0) + " s");
}

std::string SummarySection(const RunReport& r) {
  HtmlTable t({"", "value"}, 1);
  t.Row({"traces", FormatCount(r.traces)});
  t.Row({"spans", FormatCount(r.spans)});
  t.Row({"traces with an error", FormatCount(r.error_traces)});
  t.Row({"user-visible failures (truth)", FormatCount(r.truth.root_errors)});
  t.Row({"entry latency p50 / p99 (ms)", Ms(r.truth.p50_ms) + " / " + Ms(r.truth.p99_ms)});
  // Every truth record is either touched by a fault or part of the baseline: with no untouched
  // trace there is no baseline, as the text report says (not "0.00 / 0.00").
  t.Row({"… traces no fault touched",
         r.truth.traces > r.truth.touched
             ? Ms(r.truth.baseline_p50_ms) + " / " + Ms(r.truth.baseline_p99_ms)
             : std::string("none")});
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
  return "<section id=\"faults\"><h2>Faults (ground truth)</h2>\n" + t.Render() +
         html::SymptomTable(r.symptoms) + "</section>\n";
}

// One bar chart per service and the same counts as a table (folded: it is wide).
std::string LatencySection(const LatencyHistograms& h) {
  if (h.services.empty()) return "";
  std::string out =
      "<section id=\"latency\"><h2>Latency per service</h2>\n<p class=\"note\">Requests per "
      "latency bin (ms; log count axis): SERVER and CONSUMER spans per service, dependencies as "
      "their callers see them.</p>\n<div class=\"charts small\">\n";
  for (size_t i = 0; i < h.services.size(); ++i)
    out += "<div class=\"chart-box\"><canvas class=\"chart\" id=\"chart-hist-" + std::to_string(i) +
           "\" data-hist=\"" + std::to_string(i) + "\"></canvas></div>\n";
  std::vector<std::string> head = {"service", "requests"};
  head.insert(head.end(), h.bins.begin(), h.bins.end());
  HtmlTable t(head, 1);
  for (const ServiceLatency& l : h.services) {
    std::vector<std::string> cells = {l.service + (l.dependency ? " (dependency)" : ""),
                                      FormatCount(l.requests)};
    for (uint64_t n : l.counts) cells.push_back(n ? FormatCount(n) : "");
    t.Row(cells);
  }
  return out + "</div>\n<details><summary>The histograms as a table</summary>\n" + t.Render() +
         "</details>\n</section>\n";
}

// The tail_sampling stages' buffers: peaks and decisions per strategy, and memory over time.
std::string TailMemorySection(const RunReport& r, const HtmlReportInput& in) {
  HtmlTable t({"strategy", "peak traces", "peak spans", "peak MiB", "decision p50 s",
               "decision p99 s", "evicted before decision", "late spans"},
              1);
  bool any = false;
  for (const sampling::StrategyScore& s : r.sampling) {
    if (!s.has_tail) continue;
    any = true;
    t.Row({s.name, FormatCount(s.peak_traces_buffered), FormatCount(s.peak_spans_buffered),
           FormatFixed(static_cast<double>(s.peak_bytes_buffered) / (1 << 20), 2),
           FormatFixed(s.decision_latency_p50_s, 1), FormatFixed(s.decision_latency_p99_s, 1),
           FormatCount(s.evicted_before_decision), FormatCount(s.late_spans)});
  }
  if (!any) return "";
  std::string out =
      "<h3>Tail-sampling memory</h3>\n<p class=\"note\">What the tail_sampling stages hold "
      "while they wait to decide (OTLP bytes of the buffered spans, summed over a strategy's "
      "stages).</p>\n" +
      t.Render();
  if (!in.tail_memory.empty())
    out +=
        "<div class=\"charts\">\n<div class=\"chart-box\"><canvas class=\"chart\" "
        "id=\"chart-tail-memory\" data-chart=\"tail-memory\"></canvas></div>\n</div>\n";
  return out;
}

std::string SamplingSection(const RunReport& r, const HtmlReportInput& in) {
  if (r.sampling.empty()) return "";
  std::string rows;
  for (const sampling::StrategyScore& s : r.sampling) {
    const double kept = s.traces ? static_cast<double>(s.traces_kept) / s.traces : 0;
    rows += std::string("<tr") + (s.pareto ? " class=\"pareto\"" : "") + "><td>" + Escape(s.name) +
            "</td><td>" + Escape(s.pipeline) + "</td><td class=\"n\">" + FormatPercent(kept, 1) +
            "</td><td class=\"n\">" + FormatFixed(s.gb_per_month, 3) + "</td><td class=\"n\">" +
            FormatFixed(s.usd_month, 2) + "</td><td class=\"n\">" +
            FormatPercent(s.error_recall, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.slow_recall_p99, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.rare_path_recall, 1) + "</td><td class=\"n\">" +
            FormatPercent(s.completeness, 1) + "</td></tr>\n";
  }
  std::string out =
      "<section id=\"sampling\"><h2>Sampling strategies</h2>\n"
      "<p class=\"note\">Scored against the ground truth; ◆ marks the cost vs error-recall "
      "Pareto front; $/month: " +
      Escape(sampling::PricingLabel(r.pricing)) +
      ".</p>\n<table>\n<thead><tr><th>strategy</th><th>pipeline</th>"
      "<th class=\"n\">traces kept</th><th class=\"n\">GB/month</th><th class=\"n\">$/month"
      "</th><th class=\"n\">error recall</th><th class=\"n\">slow (p99) "
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
  return out + "</div>\n" + TailMemorySection(r, in) + "</section>\n";
}

std::string MapSection(const HtmlReportInput& in) {
  if (in.edges.empty()) return "";
  const sim::Model& m = *in.model;
  HtmlTable t({"caller", "callee", "kind", "calls", "calls/s", "error %", "p50 ms", "p99 ms"}, 3);
  for (const EdgeCount& e : in.edges) {
    const sim::Service& callee = m.services[e.callee];
    t.Row({std::string(m.strings.Get(m.services[e.caller].name)),
           std::string(m.strings.Get(callee.name)), std::string(sim::ServiceKindName(callee.kind)),
           FormatCount(e.calls),
           FormatFixed(in.simulated_s > 0 ? static_cast<double>(e.calls) / in.simulated_s : 0, 1),
           FormatPercent(e.calls ? static_cast<double>(e.errors) / e.calls : 0), Ms(e.p50_ms),
           Ms(e.p99_ms)});
  }
  return "<section id=\"map\"><h2>Service map</h2>\n" +
         (in.service_map_svg.empty() ? ""
                                     : "<div class=\"map\">" + in.service_map_svg + "</div>\n") +
         "<p class=\"note\">One row per caller → callee pair, from the CLIENT and PRODUCER "
         "spans (broker → consumer from the CONSUMER spans); latency as the caller saw it.</p>\n" +
         t.Render() + "</section>\n";
}

std::string ExemplarSection(const HtmlReportInput& in) {
  if (in.exemplars.empty()) return "";
  std::string out =
      "<section id=\"traces\"><h2>Exemplar traces</h2>\n<p class=\"note\">* and █ mark the "
      "critical path; notes come from the ground truth.</p>\n";
  for (const HtmlExemplar& e : in.exemplars)
    out += "<h3>" + Escape(e.title) + "</h3>\n" + e.kept_by + "<pre class=\"waterfall\">" +
           Escape(e.waterfall) + "</pre>\n";
  return out + "</section>\n";
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
  if (!in.latency.services.empty()) {
    nlohmann::ordered_json services = nlohmann::json::array();
    for (const ServiceLatency& l : in.latency.services)
      services.push_back({{"name", l.service},
                          {"dependency", l.dependency},
                          {"requests", l.requests},
                          {"counts", l.counts}});
    j["hist"] = {{"bins", in.latency.bins}, {"services", services}};
  }
  j["tail_memory"] = nlohmann::json::array();
  for (const TailMemorySeries& m : in.tail_memory)
    j["tail_memory"].push_back({{"name", m.strategy}, {"mib", m.mib}, {"traces", m.traces}});
  return ScriptJson(j);
}

}  // namespace

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
          LatencySection(in.latency) + FaultSection(r) + SamplingSection(r, in) +
          ExemplarSection(in) + MapSection(in);
  return Page("tracesim run: " + r.scenario, body, DataJson(in), html::kRunScript);
}

HtmlReportCollector::HtmlReportCollector(const sim::Model& model, const sim::FaultPlan* plan,
                                         sim::Duration window)
    : model_(model), plan_(plan), timeline_(window), slowest_(TracePickOptions{}), latency_(model) {
  if (plan == nullptr) return;
  for (size_t f = 0; f < plan->faults.size() && f < sim::kMaxFaults; ++f) {
    TracePickOptions o;
    o.filter = TracePickOptions::Filter::kFault;
    o.fault_index = static_cast<uint32_t>(f);
    by_fault_.push_back(std::make_unique<TracePicker>(o));
  }
}

void HtmlReportCollector::WatchLab(const sampling::SamplingLab& lab) {
  lab_ = &lab;
  tail_strategies_.clear();
  for (size_t k = 0; k < lab.strategy_count(); ++k)
    for (const sampling::CollectorStage& stage : lab.strategy(k).stages)
      if (stage.kind() == sampling::CollectorStage::Kind::kTail) {
        tail_strategies_.push_back(k);
        break;
      }
  memory_.assign(tail_strategies_.size(), {});
}

// One sample per bucket whose end `now_ns` has passed (the same value for buckets no trace
// ended in).
void HtmlReportCollector::SampleMemory(int64_t now_ns) {
  const int64_t bucket_ns = static_cast<int64_t>(timeline_.bucket_s()) * 1'000'000'000;
  const size_t passed = std::min(static_cast<size_t>(now_ns / bucket_ns), timeline_.bucket_count());
  if (memory_from_ == SIZE_MAX && !tail_strategies_.empty()) memory_from_ = passed;
  for (size_t i = 0; i < tail_strategies_.size(); ++i) {
    if (memory_[i].size() >= passed) continue;
    const sampling::SamplingLab::TailMemory m = lab_->TailMemoryNow(tail_strategies_[i]);
    memory_[i].resize(passed, m);
  }
}

void HtmlReportCollector::OnTrace(const sim::TraceView& trace) noexcept {
  timeline_.OnTrace(trace);
  slowest_.OnTrace(trace);
  for (auto& p : by_fault_) p->OnTrace(trace);
  latency_.OnTrace(trace);
  rare_.OnTrace(trace);
  if (lab_ != nullptr && trace.truth != nullptr) {
    NoteCandidate(trace);
    clock_ns_ = std::max(clock_ns_, trace.truth->end.nanos());
    SampleMemory(clock_ns_);
  }
}

void HtmlReportCollector::Merge(HtmlReportCollector&& other) {
  timeline_.Merge(other.timeline_);
  slowest_.Merge(std::move(other.slowest_));
  for (size_t f = 0; f < by_fault_.size() && f < other.by_fault_.size(); ++f)
    by_fault_[f]->Merge(std::move(*other.by_fault_[f]));
  latency_.Merge(other.latency_);
  rare_.Merge(std::move(other.rare_));
  for (const auto& [id, d] : other.decisions_) decisions_.insert_or_assign(id, d);
  other.decisions_.clear();
  if (other.memory_from_ != SIZE_MAX) {
    for (size_t i = 0; i < memory_.size() && i < other.memory_.size(); ++i) {
      std::vector<sampling::SamplingLab::TailMemory>& mine = memory_[i];
      const std::vector<sampling::SamplingLab::TailMemory>& theirs = other.memory_[i];
      if (theirs.size() <= other.memory_from_) continue;
      const auto last = mine.empty() ? sampling::SamplingLab::TailMemory{} : mine.back();
      mine.resize(other.memory_from_, last);
      mine.insert(mine.end(), theirs.begin() + other.memory_from_, theirs.end());
    }
    if (memory_from_ == SIZE_MAX) memory_from_ = other.memory_from_;
  }
  clock_ns_ = std::max(clock_ns_, other.clock_ns_);
}

// The slowest trace, the slowest each fault touched, the first of each of the rarest shapes; a
// trace already shown is named, not drawn again.
std::vector<HtmlExemplar> HtmlReportCollector::Exemplars() {
  WaterfallOptions w;
  w.width = 140;
  std::vector<HtmlExemplar> out;
  std::vector<sim::TraceId> shown;
  auto add = [&](const std::string& title, const PickedTrace& p) {
    if (std::find(shown.begin(), shown.end(), p.trace.trace_id) != shown.end()) {
      out.push_back({title, "the same trace as above", ""});
      return;
    }
    shown.push_back(p.trace.trace_id);
    out.push_back({title, RenderPicked(p, model_, plan_, w), KeptBy(p.trace.trace_id)});
  };
  for (const PickedTrace& p : slowest_.Take()) add("Slowest trace", p);
  for (size_t f = 0; f < by_fault_.size(); ++f)
    for (const PickedTrace& p : by_fault_[f]->Take())
      add("Slowest trace touched by fault " + plan_->faults[f].id, p);
  const uint64_t all = rare_.traces();
  for (const RareShape& r : rare_.Take()) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r.shape));
    add(std::string("Rare shape ") + hex + ": " + FormatCount(r.traces) + " of " +
            FormatCount(all) + " traces (the first)",
        r.first);
  }
  return out;
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
  in.exemplars = Exemplars();
  in.latency = latency_.Histograms();
  if (lab_ != nullptr) {
    for (size_t i = 0; i < tail_strategies_.size(); ++i) {
      // Buckets after the last trace's end (none in a run that drains) repeat the last sample.
      const sampling::SamplingLab::TailMemory last =
          memory_[i].empty() ? sampling::SamplingLab::TailMemory{} : memory_[i].back();
      memory_[i].resize(timeline_.bucket_count(), last);
      TailMemorySeries series;
      series.strategy = lab_->strategy(tail_strategies_[i]).name;
      for (const sampling::SamplingLab::TailMemory& m : memory_[i]) {
        series.mib.push_back(static_cast<double>(m.bytes) / (1 << 20));
        series.traces.push_back(m.traces);
      }
      in.tail_memory.push_back(std::move(series));
    }
  }
  if (GraphvizAvailable()) {
    ServiceMapOptions m;
    m.counts = &in.edges;
    m.simulated_s = report.simulated_s;
    m.latency = true;
    auto svg = RenderDot(ServiceMapDot(model_, m), "svg");
    if (svg.ok()) in.service_map_svg = std::move(svg).value();
  }
  return RenderHtmlReport(in);
}

}  // namespace tracesim::reports
