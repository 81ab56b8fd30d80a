// RunScenario and RunOptions: the options reach the run, the run is deterministic, the lab's
// lifecycle and cost re-scaling, the kept traces and the per-second series, every error path.
#include "app/run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/test_scenarios.h"
#include "reports/text/run_report.h"

namespace tracesim::app {
namespace {

using testing::Builtin;

RunOptions Short(int seconds) {
  RunOptions o;
  o.duration = sim::Duration::Seconds(seconds);
  return o;
}

TEST(RunOptionsTest, ValidateNamesTheFlag) {
  RunOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.duration = sim::Duration::Seconds(0);
  EXPECT_NE(o.Validate().message().find("--duration: must be > 0"), std::string::npos);
  o = RunOptions{};
  o.rate = loadgen::Rate{0, false};
  EXPECT_NE(o.Validate().message().find("--rate must be a rate in (0, 1e9]"), std::string::npos);
  o.rate = loadgen::Rate{2e9, true};
  EXPECT_NE(o.Validate().message().find("got '2e+09spans'"), std::string::npos);
  o = RunOptions{};
  o.spans_out = o.truth_out = "same.jsonl";
  EXPECT_NE(o.Validate().message().find("name the same file"), std::string::npos);
  o = RunOptions{};
  o.compression_sample_traces = 0;
  EXPECT_FALSE(o.Validate().ok());
}

TEST(RunScenarioTest, AppliesOptionsAndIsDeterministic) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions o = Short(3);
  o.seed = 10;
  o.start_unix_nanos = 0;
  auto a = RunScenario(sc, o);
  auto b = RunScenario(sc, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->report.seed, 10u);
  EXPECT_EQ(a->report.duration_s, 3);
  EXPECT_EQ(a->report.start_time, "1970-01-01T00:00:00Z");
  EXPECT_EQ(a->report.version, Version());
  EXPECT_GT(a->report.traces, 50u);
  EXPECT_EQ(a->run.seed, 10u);
  EXPECT_EQ(a->scenario, &sc);
  EXPECT_EQ(sc.seed, Builtin("checkout").seed);  // the caller's scenario is not changed
  EXPECT_EQ(reports::RenderRunJson(a->report, false), reports::RenderRunJson(b->report, false));
  EXPECT_EQ(a->lab, nullptr);
  EXPECT_TRUE(a->traces.empty());
  EXPECT_TRUE(a->seconds.empty());
  o.seed = 11;
  auto c = RunScenario(sc, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(reports::RenderRunJson(a->report, false), reports::RenderRunJson(c->report, false));
}

// Issue 16 item 15: a run that never ends in practice is refused, saying how long it would take.
TEST(RunScenarioTest, ARunEstimatedAboveMaxSpansIsRefusedWithItsDuration) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions o;
  o.rate = loadgen::Rate{1e9, false};
  auto r = RunScenario(sc, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("this run would simulate about"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(" days on one core"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("--max-spans"), std::string::npos) << r.status().message();
  // The limit is the caller's: a short run under a tiny limit is refused, none with 0.
  RunOptions small = Short(1);
  small.max_spans = 10;
  EXPECT_FALSE(RunScenario(sc, small).ok());
  small.max_spans = 0;
  EXPECT_TRUE(RunScenario(sc, small).ok());
  small.max_spans = -1;
  EXPECT_NE(small.Validate().message().find("--max-spans must be >= 0"), std::string::npos);
}

TEST(RunScenarioTest, RateInSpansIsConvertedWithTheMeasuredMean) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions traces = Short(2), spans = Short(2);
  traces.rate = loadgen::Rate{10, false};
  spans.rate = loadgen::Rate{1000, true};
  auto t = RunScenario(sc, traces);
  auto s = RunScenario(sc, spans);
  ASSERT_TRUE(t.ok() && s.ok());
  EXPECT_DOUBLE_EQ(t->report.offered_rate, 10);
  // ~1000 spans/s at checkout's ~20 spans per trace: far fewer than 1000 traces/s.
  EXPECT_GT(s->report.offered_rate, 10);
  EXPECT_LT(s->report.offered_rate, 200);
}

TEST(RunScenarioTest, KeepsTracesAndTheSeriesWhenAsked) {
  RunOptions o = Short(3);
  o.keep_traces = 5;
  o.keep_error_traces = 2;
  o.keep_series = true;
  scenarios::Scenario sc = Builtin("checkout");
  auto r = RunScenario(sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->traces.size(), 5u);
  for (const KeptTrace& t : r->traces) {
    ASSERT_FALSE(t.spans.empty());
    EXPECT_EQ(t.truth.sequence, t.sequence);
    EXPECT_GE(t.truth.spans, t.spans.size());
  }
  EXPECT_LE(r->error_traces.size(), 2u);
  for (const KeptTrace& t : r->error_traces) EXPECT_TRUE(t.truth.error);
  ASSERT_GE(r->seconds.size(), 3u);
  uint64_t traces = 0, spans = 0;
  for (const SecondCounts& c : r->seconds) {
    traces += c.traces;
    spans += c.spans;
    EXPECT_LE(c.error_traces, c.traces);
  }
  EXPECT_EQ(traces, r->report.truth.traces);
  EXPECT_EQ(spans, r->report.spans);
}

TEST(RunScenarioTest, LabIsFinishedScoredAndRescaledByTheMeasuredRatio) {
  scenarios::Scenario sc = Builtin("checkout-sampling");
  auto r = RunScenario(sc, Short(5));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_NE(r->lab, nullptr);
  const reports::RunReport& rep = r->report;
  ASSERT_FALSE(rep.sampling.empty());
  EXPECT_GT(rep.compression_ratio, 0);
  EXPECT_LT(rep.compression_ratio, 1);
  std::vector<sampling::StrategyScore> raw = r->lab->Scores(5);
  ASSERT_EQ(raw.size(), rep.sampling.size());
  const double scale = rep.compression_ratio / sampling::LabOptions().compression_ratio;
  for (size_t i = 0; i < raw.size(); ++i) {
    EXPECT_EQ(raw[i].bytes_kept, rep.sampling[i].bytes_kept);
    EXPECT_DOUBLE_EQ(raw[i].compressed_bytes_kept * scale, rep.sampling[i].compressed_bytes_kept);
  }
}

TEST(RunScenarioTest, ErrorsAreBadInputOrRunFailures) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions o = Short(1);
  o.spans_out = "/nonexistent-dir/x.jsonl";
  auto r = RunScenario(sc, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--spans-out: "), std::string::npos);
  o = Short(1);
  o.truth_out = "/nonexistent-dir/t.jsonl";
  r = RunScenario(sc, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--truth-out: "), std::string::npos);
  o = Short(1);
  o.duration = sim::Duration::Seconds(2555555LL * 3600);  // the CLI golden's 2555555h
  r = RunScenario(sc, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("the last time unix nanoseconds can hold"),
            std::string::npos);
}

TEST(RunScenarioTest, WritesTheFilesItIsAskedFor) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("tracesim_app_run_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RunOptions o = Short(1);
  o.spans_out = dir + "/spans.jsonl";
  o.truth_out = dir + "/truth.jsonl";
  scenarios::Scenario sc = Builtin("checkout");
  auto r = RunScenario(sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->report.spans_out, o.spans_out);
  EXPECT_GT(std::filesystem::file_size(o.spans_out), 0u);
  EXPECT_GT(std::filesystem::file_size(o.truth_out), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tracesim::app
