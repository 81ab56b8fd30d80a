// Findings, the locator and the evidence sink (the rules: rules_test.cc).
#include "lint/lint.h"

#include <gtest/gtest.h>

#include "lint/locate.h"
#include "lint/rules.h"

namespace tracesim::lint {
namespace {

TEST(FindingTest, FormatsPositionKeySeverityRuleAndFix) {
  Finding f;
  f.rule = "tail-num-traces";
  f.file = "s.yaml";
  f.line = 12;
  f.col = 7;
  f.key = "samplers[0].tail_sampling.num_traces";
  f.severity = Severity::kError;
  f.message = "too small";
  f.fix = "set num_traces: 93000";
  EXPECT_EQ(f.Format(),
            "s.yaml:12:7: samplers[0].tail_sampling.num_traces: error: [tail-num-traces] too "
            "small\n    fix: set num_traces: 93000");
  f.line = 0;
  f.fix.clear();
  EXPECT_EQ(f.Format(),
            "s.yaml: samplers[0].tail_sampling.num_traces: error: [tail-num-traces] too small");
}

TEST(FindingTest, WorstAndSort) {
  std::vector<Finding> v(2);
  v[0].file = "b";
  v[0].severity = Severity::kNote;
  v[1].file = "a";
  v[1].severity = Severity::kWarning;
  EXPECT_EQ(Worst(v), Severity::kWarning);
  SortFindings(&v);
  EXPECT_EQ(v[0].file, "a");
  EXPECT_EQ(Worst({}), Severity::kNote);
}

TEST(LocatorTest, FindsKeysAndFallsBackToTheNearestAncestor) {
  Locator loc;
  Location l = loc.Find("builtin:checkout-sampling.yaml",
                        {std::string("samplers"), size_t{4}, std::string("tail_sampling"),
                         std::string("num_traces")});
  EXPECT_TRUE(l.exact);
  EXPECT_EQ(l.key, "samplers[4].tail_sampling.num_traces");
  EXPECT_EQ(l.line, 33);
  EXPECT_EQ(l.col, 7);
  Location d = loc.Find("builtin:checkout-sampling.yaml",
                        {std::string("samplers"), size_t{4}, std::string("tail_sampling"),
                         std::string("expected_new_traces_per_sec")});
  EXPECT_FALSE(d.exact);
  EXPECT_EQ(d.line, 31);  // tail_sampling:
  Location missing = loc.Find("/no/such/file.yaml", {std::string("a")});
  EXPECT_EQ(missing.line, 0);
}

TEST(RulesTest, RoundUpNiceKeepsTwoSignificantDigits) {
  EXPECT_EQ(RoundUpNice(92001), 93000u);
  EXPECT_EQ(RoundUpNice(62000), 62000u);
  EXPECT_EQ(RoundUpNice(7.2), 8u);
  EXPECT_EQ(RoundUpNice(0), 0u);
  EXPECT_EQ(Count(1234567), "1,234,567");
  EXPECT_EQ(OfTotal(2, 141), "2 of 141 (1.4%)");
}

TEST(LintTest, EvidenceOfTheCheckoutSamplingScenario) {
  auto sc = scenarios::LoadBuiltinScenario("checkout-sampling");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  LintOptions o;
  o.duration = sim::Duration::Seconds(30);
  auto r = LintScenario(*sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const TrafficEvidence& ev = r->evidence;
  EXPECT_GT(ev.traces, 2000u);
  EXPECT_NEAR(ev.MeanNewTracesPerSecond(), 80, 8);
  EXPECT_GE(ev.PeakNewTracesPerSecond(), 80u);
  EXPECT_LT(ev.PeakNewTracesPerSecond(), 130u);
  // Whole traces include the async notification consumer: never shorter than the root.
  EXPECT_GE(ev.trace_duration.Percentile(99), ev.root_latency.Percentile(99));
  EXPECT_EQ(r->scores.size(), sc->samplers.size());
}

TEST(LintTest, BadOptionsNameTheFlag) {
  auto sc = scenarios::LoadBuiltinScenario("checkout-sampling");
  ASSERT_TRUE(sc.ok());
  LintOptions o;
  o.duration = sim::Duration::Seconds(0);
  auto r = LintScenario(*sc, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--duration: must be > 0");
}

TEST(LintTest, NoSamplersNoFindings) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  LintOptions o;
  o.duration = sim::Duration::Seconds(5);
  auto r = LintScenario(*sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->findings.empty());
}

}  // namespace
}  // namespace tracesim::lint
