// The HTML report over a real run: self-contained (no external resources), deterministic, the
// tables readable as HTML, a canvas per chart. The browser test (reports/html/browser/) draws it.
#include "reports/html/html_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <regex>

#include "reports/traces/service_map.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "tests/golden_file.h"
#include "workloads/workload.h"

namespace tracesim::reports {
namespace {

// Runs `sc` for `window` of arrivals into `sinks` (in order), then into `lab` when given, as
// app/run.cc adds them (a trace reaches the sinks before the lab can score it).
sim::SimulationStats Simulate(const scenarios::Scenario& sc, sim::Duration window,
                              std::initializer_list<sim::SpanSink*> sinks,
                              sampling::SamplingLab* lab = nullptr) {
  auto workload = workloads::Workload::Create(sc.workload, sc.model, sc.seed, window);
  EXPECT_TRUE(workload.ok());
  sim::TeeSink tee;
  for (sim::SpanSink* sink : sinks) tee.Add(sink);
  sim::SimulationOptions opt;
  opt.seed = sc.seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = sc.faults.empty() ? nullptr : &sc.faults;
  sim::Simulation simulation(sc.model, opt);
  EXPECT_TRUE(simulation.AddObserver(&tee).ok());
  if (lab != nullptr) {
    EXPECT_TRUE(simulation.AddObserver(lab).ok());
  }
  EXPECT_TRUE(simulation.Run(workload->get()).ok());
  if (lab != nullptr) lab->Finish(sc.start_unix_nanos + simulation.stats().end_time.nanos());
  return simulation.stats();
}

scenarios::Scenario Load(const std::string& name) {
  auto loaded = scenarios::LoadScenario(name);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return std::move(loaded).value();
}

std::string RenderRun(const std::string& name, double seconds) {
  scenarios::Scenario sc = Load(name);
  const sim::FaultPlan* plan = sc.faults.empty() ? nullptr : &sc.faults;
  metrics::RedMetricsSink red(sc.model);
  metrics::TruthMetricsSink truth(sc.model, plan);
  SymptomsSink symptoms(sc.model, plan);
  HtmlReportCollector collector(sc.model, plan, sim::Duration::Seconds(seconds));
  const sim::SimulationStats stats =
      Simulate(sc, sim::Duration::Seconds(seconds), {&red, &truth, &symptoms, &collector});
  RunReport report;
  report.scenario = sc.name;
  report.seed = sc.seed;
  FillFromRun(sc.model, stats, red, seconds, &report);
  FillTruth(truth, &report);
  if (plan != nullptr) report.symptoms = symptoms.Rows();
  return collector.Render(report);
}

// The page with Chart.js (Debian's file, ~200 KB, not ours to review) and Graphviz's SVG (its
// layout is Graphviz's; service_map_test checks the DOT we give it) cut to markers, so the golden
// holds every byte tracesim writes itself.
std::string WithoutChartJs(std::string page) {
  const size_t at = page.find("<script>\n/*!\n * Chart.js v");
  if (at != std::string::npos) {
    const size_t body = at + std::string("<script>\n").size();
    const size_t end = page.find("\n</script>\n", body);
    page.replace(body, end - body, "[Chart.js, embedded at build time]");
  }
  const size_t svg = page.find("<div class=\"map\"><svg");
  if (svg != std::string::npos) {
    const size_t body = svg + std::string("<div class=\"map\">").size();
    const size_t end = page.find("</svg>", body) + std::string("</svg>").size();
    page.replace(body, end - body, "[SVG from Graphviz]");
  }
  return page;
}

::testing::AssertionResult MatchesGolden(const std::string& name, const std::string& page) {
  return golden::MatchesGoldenFile(
      std::string(TRACESIM_SOURCE_DIR) + "/reports/html/testdata/" + name + ".html",
      WithoutChartJs(page), "TRACESIM_REGENERATE_GOLDEN");
}

// Every byte of a run's page but Chart.js, so a change to the page shows as a diff in review
// (regenerate with TRACESIM_REGENERATE_GOLDEN=1, then read `git diff reports/html/testdata`).
TEST(HtmlReportTest, RunPageMatchesItsGolden) {
  if (!HtmlChartsAvailable() || !GraphvizAvailable())
    GTEST_SKIP() << "the golden is of a build with Chart.js and Graphviz (Debian's packages)";
  EXPECT_TRUE(
      MatchesGolden("run-checkout-payment-outage-20s", RenderRun("checkout-payment-outage", 20)));
}

TEST(HtmlReportTest, SelfContainedDeterministicAndReadableWithoutScript) {
  const std::string a = RenderRun("checkout-payment-outage", 100);
  EXPECT_EQ(a, RenderRun("checkout-payment-outage", 100));
  // Nothing loaded from elsewhere: no src/href pointing outside the page.
  EXPECT_FALSE(std::regex_search(a, std::regex(R"((src|href)\s*=\s*"(https?:)?//)")));
  EXPECT_EQ(a.find("<script src"), std::string::npos);
  EXPECT_EQ(a.find("<link"), std::string::npos);
  // Tables as HTML: the fault, the services, the slowest waterfall.
  EXPECT_NE(a.find("<td>stripe-outage</td>"), std::string::npos);
  EXPECT_NE(a.find("<td>api-gateway</td>"), std::string::npos);
  EXPECT_NE(a.find("<h3>Slowest trace</h3>\n<pre class=\"waterfall\">trace "), std::string::npos);
  EXPECT_NE(a.find("Slowest trace touched by fault stripe-outage"), std::string::npos);
  EXPECT_TRUE(
      std::regex_search(a, std::regex("<h3>Rare shape [0-9a-f]{16}: [0-9]+ of [0-9,]+ "
                                      "traces \\(the first\\)</h3>\n<pre class=\"waterfall\">"
                                      "(trace |the same trace as above)")));
  // Latency per service: a chart per service and the counts as a table (no JavaScript needed).
  EXPECT_NE(a.find("<section id=\"latency\">"), std::string::npos);
  EXPECT_NE(a.find("id=\"chart-hist-0\" data-hist=\"0\""), std::string::npos);
  EXPECT_NE(a.find("<details><summary>The histograms as a table</summary>"), std::string::npos);
  EXPECT_NE(a.find("<td>postgres (dependency)</td>"), std::string::npos);
  for (const char* id : {"chart-traffic", "chart-errors", "chart-latency"})
    EXPECT_NE(a.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  if (HtmlChartsAvailable()) {
    EXPECT_NE(a.find("Chart.js v3.9.1"), std::string::npos);
  }
  EXPECT_TRUE(a.ends_with("</html>\n"));
}

// With a sampling lab, the collector keeps the decisions of its exemplar candidates only, not of
// every scored trace (a day's run scores billions): memory stays flat in the run's length, and
// every exemplar still says which strategies kept it.
TEST(HtmlReportTest, DecisionsHeldForCandidatesOnlyAndEveryExemplarSaysWhoKeptIt) {
  scenarios::Scenario sc = Load("checkout-sampling");
  const sim::Duration window = sim::Duration::Seconds(300);
  const sim::FaultPlan* plan = sc.faults.empty() ? nullptr : &sc.faults;
  auto lab = sampling::SamplingLab::Create(sc.model, plan, sc.samplers, {});
  ASSERT_TRUE(lab.ok()) << lab.status().ToString();
  metrics::RedMetricsSink red(sc.model);
  HtmlReportCollector collector(sc.model, plan, window);
  collector.WatchLab(**lab);
  (*lab)->SetTap(&collector);
  const sim::SimulationStats stats = Simulate(sc, window, {&red, &collector}, lab->get());
  ASSERT_GT(stats.traces_finished, 20'000u);
  // 1 slowest + 1 per fault + at most 512 rare-shape copies, doubled, + 1,024.
  EXPECT_LE(collector.decisions_held(), 2 * (1 + sc.faults.faults.size() + 512) + 1024);
  RunReport report;
  report.scenario = sc.name;
  FillFromRun(sc.model, stats, red, 300, &report);
  const std::string page = collector.Render(report);
  size_t exemplars = 0, notes = 0;
  const std::string drawn = "<pre class=\"waterfall\">trace ";  // not "the same trace as above"
  for (size_t at = page.find(drawn); at != std::string::npos; at = page.find(drawn, at + 1))
    ++exemplars;
  for (size_t at = page.find("Sampling (tracesim.sampler.*.kept): kept by");
       at != std::string::npos; at = page.find("Sampling (tracesim.sampler.*.kept)", at + 1))
    ++notes;
  EXPECT_GE(exemplars, 3u);  // the slowest trace and rare shapes
  EXPECT_EQ(notes, exemplars) << page.substr(page.find("<h3>"), 4000);
}

// `run --shards N` draws its page from one collector per shard, merged: each shard's collector
// sees the traces that start in its window. Two collectors fed the traces that start before and
// after 40 s, merged, draw the page one collector fed every trace draws, byte for byte (timeline,
// edges, latency histograms, the slowest trace, the slowest per fault, the rare shapes).
TEST(HtmlReportTest, CollectorsOfTwoWindowsMergeIntoTheWholeRunsPage) {
  scenarios::Scenario sc = Load("checkout-payment-outage");
  const sim::Duration window = sim::Duration::Seconds(90);
  const sim::FaultPlan* plan = sc.faults.empty() ? nullptr : &sc.faults;
  ASSERT_NE(plan, nullptr);
  HtmlReportCollector whole(sc.model, plan, window);
  HtmlReportCollector early(sc.model, plan, window), late(sc.model, plan, window);
  struct ByStart final : sim::SpanSink {
    HtmlReportCollector *early, *late;
    ByStart(HtmlReportCollector* e, HtmlReportCollector* l) : early(e), late(l) {}
    void OnTrace(const sim::TraceView& t) noexcept override {
      (t.truth->start.nanos() < 40'000'000'000 ? early : late)->OnTrace(t);
    }
  } split(&early, &late);
  metrics::RedMetricsSink red(sc.model);
  const sim::SimulationStats stats = Simulate(sc, window, {&red, &whole, &split});
  RunReport report;
  report.scenario = sc.name;
  FillFromRun(sc.model, stats, red, 90, &report);
  early.Merge(std::move(late));
  const std::string merged = early.Render(report), expected = whole.Render(report);
  EXPECT_NE(expected.find("Slowest trace touched by fault"), std::string::npos);
  EXPECT_NE(expected.find("Rare shape"), std::string::npos);
  EXPECT_TRUE(merged == expected)
      << "the merged page differs; first difference at byte "
      << std::mismatch(merged.begin(), merged.end(), expected.begin(), expected.end()).first -
             merged.begin();
}

// The baseline is the traces no fault touched: when a fault touched every trace there is none,
// and the page says so as the text report does (it printed "0.00 / 0.00").
// Issue 13: the faults section shows what a backend sees when a fault leaves symptoms (lost
// context here), and nothing more when none does (the payment outage's golden above).
TEST(HtmlReportTest, FaultSectionShowsTheSymptomsABackendWouldSee) {
  const std::string page = RenderRun("checkout-broken-propagation", 5);
  const size_t at = page.find("<h3>Symptoms: what a tracing backend shows</h3>");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(page.find("<section id=\"faults\">"), at);
  EXPECT_LT(at, page.find("<section id=\"traces\">"));
  const std::regex row(
      R"(<tr><td>stripped-headers</td><td class="n">[0-9,]+</td><td class="n">([0-9,]+)</td>)"
      R"(<td class="n">0</td><td class="n">([0-9,]+)</td><td class="n">0</td><td class="n">-</td></tr>)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, row)) << page.substr(at, 1500);
  EXPECT_NE(m[1].str(), "0");
  EXPECT_EQ(m[1].str(), m[2].str());  // every lost context: one fragment root, one dangling call
  EXPECT_EQ(RenderRun("checkout-payment-outage", 5).find("<h3>Symptoms"), std::string::npos);
}

TEST(HtmlReportTest, BaselineRowSaysNoneWhenEveryTraceWasTouched) {
  auto loaded = scenarios::LoadScenario("checkout-payment-outage");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  RunReport report;
  report.scenario = "all-touched";
  report.truth.traces = 40;
  report.truth.touched = 40;
  HtmlReportInput in;
  in.report = &report;
  in.model = &loaded->model;
  const std::string row = "<td>… traces no fault touched</td><td class=\"n\">";
  std::string page = RenderHtmlReport(in);
  size_t at = page.find(row);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(page.substr(at + row.size(), 9), "none</td>");
  report.truth.touched = 39;  // one untouched trace: its percentiles are the baseline
  report.truth.baseline_p50_ms = 1.5;
  report.truth.baseline_p99_ms = 2.25;
  page = RenderHtmlReport(in);
  at = page.find(row);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(page.substr(at + row.size(), 4), "1.50");
}

TEST(HtmlReportTest, LoadPageHasTheSummaryErrorsAndOneChartPerSeries) {
  loadgen::LoadReport r;
  r.generated = 1000;
  r.accepted = 990;
  r.rejected_partial = 10;
  r.mean_spans_per_trace = 10;
  r.errors["UNAVAILABLE"] = 3;
  r.requests = 30;
  r.failed_requests = 3;
  for (uint32_t i = 0; i < 3; ++i) {
    loadgen::SecondStats s;
    s.second = i;
    s.target_traces = 33.3;
    s.generated_spans = 333;
    s.accepted = 330;
    r.seconds.push_back(s);
  }
  const std::string a = RenderLoadHtmlReport(r, "checkout </script> grpc");
  EXPECT_EQ(a, RenderLoadHtmlReport(r, "checkout </script> grpc"));
  EXPECT_NE(a.find("<td>UNAVAILABLE</td><td class=\"n\">3</td>"), std::string::npos);
  EXPECT_NE(a.find("<td class=\"n\">1,000 / 990</td>"), std::string::npos);
  EXPECT_NE(a.find("checkout &lt;/script&gt; grpc"), std::string::npos);
  EXPECT_EQ(a.find("checkout </script>"), std::string::npos);
  for (const char* id : {"load-rates", "load-latency", "load-queue", "load-failures"})
    EXPECT_NE(a.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(a.find("\"target\":333.0"), std::string::npos);  // target traces x spans/trace
  // The figures behind the charts, readable without JavaScript.
  EXPECT_NE(a.find("<details><summary>Every second as a table</summary>"), std::string::npos);
  EXPECT_NE(a.find("<tr><td class=\"n\">2</td><td class=\"n\">333</td>"), std::string::npos);
  if (HtmlChartsAvailable()) {
    EXPECT_TRUE(MatchesGolden("load-synthetic", a));
  }
}

TEST(HtmlReportTest, LoadPageShowsTheCollectorBesideTracesimsAccounting) {
  loadgen::LoadReport r;
  r.generated = 3000;
  r.accepted = 2900;
  r.rejected_partial = 100;
  r.mean_spans_per_trace = 10;
  loadgen::TargetSummary t;
  t.urls = {"http://127.0.0.1:8888/metrics"};
  t.pid = 4242;
  t.scrapes = 4;
  t.accepted = 2900;
  t.refused = 100;
  t.sent = 2850;
  t.dropped = 50;
  t.wall_seconds = 3;
  t.has_cpu = t.has_rss = t.has_queue = true;
  t.peak_rss_mb = 181.5;
  t.mean_cpu_cores = 0.75;
  t.peak_cpu_cores = 1.25;
  t.peak_queue_size = 640;
  r.target = t;
  for (uint32_t i = 0; i < 3; ++i) {
    loadgen::SecondStats s;
    s.second = i;
    s.target_traces = 100;
    s.generated_spans = 1000;
    s.accepted = 960 + i;
    if (i != 1) {  // the second scrape failed: a gap in the charts, dashes in the table
      loadgen::TargetSecond c;
      c.ok = true;
      c.accepted_per_s = 950 + i;
      c.refused_per_s = 50;
      c.sent_per_s = 940;
      c.dropped_per_s = 25;
      c.queue_size = 320 * i;
      c.cpu_cores = 0.5 + i / 4.0;
      c.rss_mb = 170 + i;
      c.has_cpu = c.has_rss = c.has_queue = true;
      s.target = c;
    }
    r.seconds.push_back(s);
  }
  const std::string a = RenderLoadHtmlReport(r, "collector");
  EXPECT_EQ(a, RenderLoadHtmlReport(r, "collector"));
  EXPECT_NE(a.find("<a href=\"#collector\">Collector</a>"), std::string::npos);
  EXPECT_NE(a.find("<section id=\"collector\">"), std::string::npos);
  // Totals: tracesim's accounting beside the collector's.
  EXPECT_NE(a.find("<td>accepted</td><td class=\"n\">2,900</td><td class=\"n\">2900</td>"),
            std::string::npos);
  EXPECT_NE(a.find("<td class=\"n\">0.75 / 1.25</td>"), std::string::npos);
  EXPECT_NE(a.find("http://127.0.0.1:8888/metrics, pid 4242"), std::string::npos);
  for (const char* id : {"collector-rates", "collector-queue", "collector-cpu", "collector-rss"})
    EXPECT_NE(a.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(a.find("<details><summary>The collector every second as a table</summary>"),
            std::string::npos);
  EXPECT_NE(a.find("<tr><td class=\"n\">2</td><td class=\"n\">952</td>"), std::string::npos);
  EXPECT_NE(a.find("\"c_accepted\":null"), std::string::npos);  // the failed scrape
  EXPECT_NE(a.find("\"c_rss\":172.0"), std::string::npos);
  if (HtmlChartsAvailable()) {
    EXPECT_TRUE(MatchesGolden("load-target", a));
  }
}

TEST(HtmlReportTest, LoadPageWithoutTargetHasNoCollectorSection) {
  loadgen::LoadReport r;
  r.seconds.push_back(loadgen::SecondStats{});
  const std::string a = RenderLoadHtmlReport(r, "plain");
  EXPECT_EQ(a.find("id=\"collector"), std::string::npos);
  EXPECT_EQ(a.find("c_accepted"), std::string::npos);
}

TEST(HtmlReportTest, FindMaxPageHasTheStepsEvidenceAndChart) {
  CapacitySearchView v;
  v.unit = "spans/s";
  v.max_rate = 2000;
  v.lowest_failing_rate = 4000;
  auto threshold = loadgen::ParseThreshold("collector_refused_ratio<0.01");
  ASSERT_TRUE(threshold.ok()) << threshold.status().ToString();
  for (uint32_t i = 1; i <= 2; ++i) {
    CapacityStepView s;
    s.index = i;
    s.phase = "grow";
    s.rate = 2000.0 * i;
    s.achieved_rate = i == 1 ? 1990 : 3100;
    s.passed = i == 1;
    s.criteria.push_back({*threshold, i == 1 ? 0.0 : 0.25, i == 1});
    v.steps.push_back(s);
  }
  const std::string a = RenderFindMaxHtmlReport(v, "checkout <grpc>");
  EXPECT_EQ(a, RenderFindMaxHtmlReport(v, "checkout <grpc>"));
  EXPECT_NE(a.find("checkout &lt;grpc&gt;"), std::string::npos);
  EXPECT_NE(a.find("highest sustained rate: 2000.0 spans/s; lowest failing rate: 4000.0 spans/s"),
            std::string::npos);
  EXPECT_NE(a.find("id=\"findmax-steps\""), std::string::npos);
  EXPECT_NE(a.find("<td class=\"n\">FAIL</td><td class=\"n\">FAIL collector_refused_ratio&lt;0.01 "
                   "(0.250)</td>"),
            std::string::npos)
      << a;
  EXPECT_NE(a.find("{\"index\":2,\"rate\":4000.0,\"achieved\":3100.0,\"passed\":false}"),
            std::string::npos);
  EXPECT_TRUE(a.ends_with("</html>\n"));
}

TEST(TimelineTest, WholeSecondBucketsCoveringTheWindow) {
  EXPECT_EQ(TimelineSink(sim::Duration::Seconds(240)).Points().size(), 120u);
  EXPECT_EQ(TimelineSink(sim::Duration::Seconds(240)).bucket_s(), 2);
  EXPECT_EQ(TimelineSink(sim::Duration::Seconds(30)).Points().size(), 30u);
  EXPECT_EQ(TimelineSink(sim::Duration::Seconds(241)).Points().size(), 81u);  // 3 s buckets
}

}  // namespace
}  // namespace tracesim::reports
