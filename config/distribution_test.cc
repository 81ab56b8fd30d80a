#include "config/distribution.h"

#include <gtest/gtest.h>

namespace tracesim::config {
namespace {

using K = sim::Distribution::Kind;

struct Parsed {
  std::optional<sim::Distribution> d;
  std::string problems;
};

Parsed Dist(const std::string& yaml, Need need = Need::kPositive) {
  Diagnostics diag("t.yaml");
  Reader r(diag);
  YAML::Node root = YAML::Load("work: " + yaml);
  Parsed p;
  p.d = ReadDistribution(r, Node::At(root["work"], "work", Node::Root(root)), need);
  p.problems = diag.ErrorText();
  return p;
}

Parsed Count(const std::string& yaml) {
  Diagnostics diag("t.yaml");
  Reader r(diag);
  YAML::Node root = YAML::Load("count: " + yaml);
  Parsed p;
  p.d = ReadCount(r, Node::At(root["count"], "count", Node::Root(root)));
  p.problems = diag.ErrorText();
  return p;
}

TEST(DistributionGrammarTest, EveryKind) {
  EXPECT_EQ(Dist("2ms").d->kind(), K::kConstant);
  EXPECT_EQ(Dist("1m30s").d->Mean(), 90e9);
  EXPECT_EQ(Dist("{constant: 2ms}").d->Mean(), 2e6);
  EXPECT_EQ(Dist("{uniform: [1ms, 3ms]}").d->Mean(), 2e6);
  EXPECT_EQ(Dist("{uniform: {min: 1ms, max: 3ms}}").d->Mean(), 2e6);
  EXPECT_EQ(Dist("{min: 1ms, max: 3ms}").d->kind(), K::kUniform);
  EXPECT_EQ(Dist("{normal: {mean: 5ms, stddev: 1ms}}").d->kind(), K::kNormal);
  EXPECT_EQ(Dist("{exponential: 4ms}").d->Mean(), 4e6);
  EXPECT_EQ(Dist("{exponential: {mean: 4ms}}").d->Mean(), 4e6);
  EXPECT_EQ(Dist("{lognormal: {median: 2ms, p99: 9ms}}").d->kind(), K::kLogNormal);
  auto e = Dist("{empirical: {p50: 2ms, p99.9: 20ms, p90: 5ms, min: 1ms}}");
  ASSERT_TRUE(e.d) << e.problems;
  EXPECT_EQ(e.d->kind(), K::kEmpirical);
  EXPECT_EQ(e.d->Describe(), "empirical(p50=2ms, p90=5ms, p99.9=20ms)");
  EXPECT_EQ(Dist("0s", Need::kNonNegative).d->Mean(), 0);
}

TEST(DistributionGrammarTest, EveryRuleRejects) {
  struct Case {
    const char* yaml;
    const char* problem;
  } cases[] = {
      {"0s", "work: must be > 0 (a time is required here), got '0s'"},
      {"-2ms", "a duration must not be negative"},
      {"banana", "'banana' is not a duration"},
      {"[1ms]", "expected a duration or a distribution such as"},
      {"{gamma: 3ms}", "work.gamma: unknown key 'gamma'"},
      {"{constant: 1ms, uniform: [1ms, 2ms]}", "a distribution has exactly one of"},
      {"{min: 1ms}", "needs both 'min' and 'max'"},
      {"{uniform: [3ms, 1ms]}", "uniform 'max'"},
      {"{uniform: 3ms}", "expected [min, max] or {min:, max:}"},
      {"{normal: {mean: 5ms}}", "missing required key 'stddev'"},
      {"{exponential: {}}", "missing required key 'mean'"},
      {"{lognormal: {median: 9ms, p99: 2ms}}", "lognormal 'p99'"},
      {"{lognormal: {median: 2ms}}", "missing required key 'p99'"},
      {"{empirical: {p50: 30ms, p90: 10ms}}", "empirical value"},
      {"{empirical: {p50: 1ms, q90: 2ms}}",
       "work.empirical.q90: unknown key 'q90'; expected "
       "percentiles"},
      {"{empirical: {p0: 1ms}}", "unknown key 'p0'"},
      {"{empirical: []}", "expected a mapping"},
  };
  for (const Case& c : cases) {
    Parsed p = Dist(c.yaml);
    EXPECT_FALSE(p.d) << c.yaml;
    EXPECT_NE(p.problems.find(c.problem), std::string::npos) << c.yaml << " -> " << p.problems;
  }
}

TEST(DistributionGrammarTest, Counts) {
  EXPECT_EQ(Count("3").d->Mean(), 3);
  EXPECT_EQ(Count("{constant: 3}").d->Mean(), 3);
  EXPECT_EQ(Count("{poisson: 2.5}").d->kind(), K::kPoisson);
  EXPECT_EQ(Count("{uniform: [1, 5]}").d->kind(), K::kUniform);
  EXPECT_EQ(Count("{min: 2, max: 2}").d->kind(), K::kConstant);
  for (const char* bad : {"-1", "1000001", "x", "[1]", "{poisson: -1}", "{uniform: [5, 1]}",
                          "{uniform: 3}", "{constant: 1, poisson: 2}", "{min: 1}"}) {
    Parsed p = Count(bad);
    EXPECT_FALSE(p.d) << bad;
    EXPECT_FALSE(p.problems.empty()) << bad;
  }
}

TEST(DistributionGrammarTest, PercentileKeys) {
  EXPECT_EQ(*PercentileKey("p50"), 0.5);
  EXPECT_DOUBLE_EQ(*PercentileKey("p999"), 0.999);
  EXPECT_DOUBLE_EQ(*PercentileKey("p99.9"), 0.999);
  EXPECT_EQ(*PercentileKey("p5"), 0.05);
  for (const char* bad : {"p", "p0", "p00", "q50", "p5x", "50"}) EXPECT_FALSE(PercentileKey(bad));
}

TEST(DistributionGrammarTest, StandaloneParseGivesTheFirstMessage) {
  auto ok = ParseDistribution(YAML::Load("{lognormal: {median: 2ms, p99: 9ms}}"), true);
  ASSERT_TRUE(ok.ok());
  auto bad = ParseDistribution(YAML::Load("0s"), true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "must be > 0 (a time is required here), got '0s'");
  EXPECT_TRUE(ParseDistribution(YAML::Load("0s"), false).ok());
}

}  // namespace
}  // namespace tracesim::config
