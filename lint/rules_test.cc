// Every lint rule against two scenarios: lint/testdata/bad.yaml, where each strategy breaks the
// rules named below, and lint/testdata/good.yaml, the same kinds of configs done right, where no
// rule fires. Both simulate 40 s of checkout traffic at 200 traces/s with a Stripe outage.
#include "lint/rules.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "lint/lint.h"

namespace tracesim::lint {
namespace {

const LintReport& Lint(const std::string& name) {
  static std::map<std::string, LintReport> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  auto sc =
      scenarios::LoadScenarioFile(std::string(TRACESIM_SOURCE_DIR) + "/lint/testdata/" + name);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  static std::vector<std::unique_ptr<scenarios::Scenario>> keep;
  keep.push_back(std::make_unique<scenarios::Scenario>(std::move(sc).value()));
  auto r = LintScenario(*keep.back(), LintOptions{});
  EXPECT_TRUE(r.ok()) << r.status().message();
  return cache.emplace(name, std::move(r).value()).first->second;
}

std::vector<Finding> Of(const LintReport& r, const std::string& rule) {
  std::vector<Finding> out;
  for (const Finding& f : r.findings)
    if (f.rule == rule) out.push_back(f);
  return out;
}

// The bad scenario has exactly one finding of `rule`, at `key` and `line`, with `severity`;
// the good one has none.
Finding ExpectOne(const std::string& rule, const std::string& key, int line, Severity severity) {
  std::vector<Finding> bad = Of(Lint("bad.yaml"), rule);
  EXPECT_EQ(bad.size(), 1u) << rule;
  EXPECT_TRUE(Of(Lint("good.yaml"), rule).empty())
      << rule << ": " << Of(Lint("good.yaml"), rule)[0].Format();
  if (bad.empty()) return {};
  EXPECT_EQ(bad[0].key, key);
  EXPECT_EQ(bad[0].line, line);
  EXPECT_EQ(bad[0].severity, severity);
  EXPECT_FALSE(bad[0].fix.empty());
  EXPECT_NE(bad[0].file.find("lint/testdata/bad.yaml"), std::string::npos);
  return bad[0];
}

TEST(LintRulesTest, GoodScenarioHasNoFinding) {
  for (const Finding& f : Lint("good.yaml").findings) ADD_FAILURE() << f.Format();
}

TEST(LintRulesTest, EveryRuleFiresInTheBadScenario) {
  for (const RuleInfo& r : AllRules()) EXPECT_FALSE(Of(Lint("bad.yaml"), r.id).empty()) << r.id;
}

TEST(LintRulesTest, TailNumTraces) {
  Finding f =
      ExpectOne("tail-num-traces", "samplers[0].tail_sampling.num_traces", 13, Severity::kError);
  // Peak new traces/s x 31 s, and 50 % more recommended.
  const uint64_t peak = Lint("bad.yaml").evidence.PeakNewTracesPerSecond();
  EXPECT_NE(f.message.find("= " + Count(peak * 31) + " traces"), std::string::npos) << f.message;
  EXPECT_NE(f.fix.find("set num_traces: " + Count(RoundUpNice(peak * 31 * 1.5))), std::string::npos)
      << f.fix;
  EXPECT_NE(f.message.find("evicted"), std::string::npos);
}

TEST(LintRulesTest, TailFinalFlush) {
  Finding f =
      ExpectOne("tail-final-flush", "samplers[0].tail_sampling.num_traces", 13, Severity::kWarning);
  const sampling::StrategyScore& s = Lint("bad.yaml").scores[0];
  EXPECT_GT(s.kept_at_shutdown * 4, s.traces_kept);
  EXPECT_NE(f.message.find(OfTotal(s.kept_at_shutdown, s.traces_kept)), std::string::npos);
}

TEST(LintRulesTest, TailExpectedRate) {
  Finding f =
      ExpectOne("tail-expected-rate", "samplers[0].tail_sampling.expected_new_traces_per_sec", 14,
                Severity::kWarning);
  EXPECT_NE(f.message.find("expected_new_traces_per_sec 20 "), std::string::npos);
}

TEST(LintRulesTest, TailDecisionWait) {
  Finding f = ExpectOne("tail-decision-wait", "samplers[1].tail_sampling.decision_wait", 21,
                        Severity::kWarning);
  EXPECT_NE(f.message.find("late spans"), std::string::npos) << f.message;
}

TEST(LintRulesTest, TailLatencyThreshold) {
  // Only at another percentile of root latency than of whole traces: a note.
  Finding f =
      ExpectOne("tail-latency-threshold",
                "samplers[0].tail_sampling.policies[1].latency.threshold_ms", 17, Severity::kNote);
  EXPECT_NE(f.message.find("of root (entry) latency and at p"), std::string::npos);
  // Above every trace: a warning.
  std::vector<Finding> never = Of(Lint("threshold-never.yaml"), "tail-latency-threshold");
  ASSERT_EQ(never.size(), 1u);
  EXPECT_EQ(never[0].severity, Severity::kWarning);
  EXPECT_EQ(never[0].line, 14);
  EXPECT_NE(never[0].message.find("almost no trace is that long"), std::string::npos);
}

TEST(LintRulesTest, LimiterBelowErrors) {
  std::vector<Finding> bad = Of(Lint("bad.yaml"), "limiter-below-errors");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].key,
            "samplers[2].tail_sampling.policies[0].and.and_sub_policy[1].rate_limiting."
            "spans_per_second");
  EXPECT_EQ(bad[0].line, 35);
  EXPECT_EQ(bad[1].key,
            "samplers[3].tail_sampling.policies[0].composite.max_total_spans_per_second");
  EXPECT_EQ(bad[1].line, 44);
  for (const Finding& f : bad) EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_TRUE(Of(Lint("good.yaml"), "limiter-below-errors").empty());
}

TEST(LintRulesTest, StackedProbabilistic) {
  Finding f =
      ExpectOne("stacked-probabilistic", "samplers[4].probabilistic_sampler.sampling_percentage",
                54, Severity::kWarning);
  EXPECT_NE(f.message.find("keep 10.0% of traces, not 20.0%"), std::string::npos) << f.message;
  EXPECT_NE(f.fix.find("sampling_percentage: 40.00"), std::string::npos) << f.fix;
}

TEST(LintRulesTest, HeadBelowTail) {
  ExpectOne("head-below-tail", "samplers[5].head.ratio", 56, Severity::kWarning);
}

TEST(LintRulesTest, JaegerRules) {
  ExpectOne("jaeger-sampler-tags", "samplers[6].jaeger_adaptive", 63, Severity::kWarning);
  ExpectOne("jaeger-memory-store", "samplers[6].jaeger_adaptive.aggregation_buckets", 63,
            Severity::kWarning);
}

TEST(LintRulesTest, RefineryMaxKeys) {
  Finding f =
      ExpectOne("refinery-max-keys", "samplers[7].dynamic.max_keys", 65, Severity::kWarning);
  EXPECT_GT(Lint("bad.yaml").evidence.dynamic_peak_keys[7], 3u);
}

}  // namespace
}  // namespace tracesim::lint

namespace tracesim::lint {
namespace {

// issue 15 (scale): a sharded run's evidence is the merge of its shards' (TrafficEvidence::Merge).
TEST(TrafficEvidenceTest, MergeAddsCountsAndKeepsThePeakKeys) {
  TrafficEvidence a, b;
  a.traces = 3;
  a.error_traces = 1;
  a.new_traces = {2, 1};
  a.error_spans = {4};
  a.error_bytes = {400};
  a.root_latency.Record(10);
  a.dynamic_peak_keys = {5, 0};
  b.traces = 2;
  b.new_traces = {0, 0, 2};
  b.root_latency.Record(30);
  b.trace_duration.Record(7);
  b.dynamic_peak_keys = {3, 9};
  a.Merge(b);
  EXPECT_EQ(a.traces, 5u);
  EXPECT_EQ(a.error_traces, 1u);
  EXPECT_EQ(a.new_traces, (std::vector<uint64_t>{2, 1, 2}));
  EXPECT_EQ(a.error_spans, (std::vector<uint64_t>{4}));
  EXPECT_EQ(a.root_latency.Count(), 2u);
  EXPECT_EQ(a.root_latency.Max(), 30);
  EXPECT_EQ(a.trace_duration.Count(), 1u);
  EXPECT_EQ(a.dynamic_peak_keys, (std::vector<uint64_t>{5, 9}));
}

}  // namespace
}  // namespace tracesim::lint
