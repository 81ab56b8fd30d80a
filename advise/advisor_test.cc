#include "advise/advisor.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "advise/render.h"
#include "app/run.h"
#include "app/test_scenarios.h"
#include "sampling/lab/strategy_config.h"

namespace tracesim::advise {
namespace {

using app::testing::Builtin;

AdviseOptions Quick(std::vector<std::string> targets) {
  AdviseOptions o;
  o.targets = std::move(targets);
  o.duration = sim::Duration::Seconds(40);
  o.budget = 3;
  return o;
}

TEST(AdvisorTest, FindsConfigurationsThatMeetTheTargetsAndScoresYours) {
  auto advice = Advise(Builtin("checkout-sampling"),
                       Quick({"error_recall>=0.95", "slow_trace_p95_recall>=0.9"}));
  ASSERT_TRUE(advice.ok()) << advice.status().message();
  EXPECT_EQ(advice->runs, 3u);
  ASSERT_FALSE(advice->ranking.empty());
  size_t yours = 0;
  for (const Evaluated& e : advice->evaluated) yours += e.yours;
  EXPECT_EQ(yours, 6u);  // the scenario's six strategies, judged on run 1
  // Ranked by $/month, each one meeting both targets.
  double last = -1;
  for (size_t i : advice->ranking) {
    const Evaluated& e = advice->evaluated[i];
    EXPECT_TRUE(e.meets) << e.name;
    EXPECT_GE(e.targets[0].actual, 0.95);
    EXPECT_GE(e.objective, last);
    last = e.objective;
  }
  // A configuration that keeps everything meets the targets too: the best is cheaper.
  const Evaluated& best = advice->evaluated[advice->ranking[0]];
  for (const Evaluated& e : advice->evaluated) {
    if (e.yours && e.name == "keep-all") {
      EXPECT_LT(best.objective, e.objective);
    }
  }
}

// The configuration printed is the one scored: running its samplers: entry as a scenario's on
// the same seed and window gives the same figures.
TEST(AdvisorTest, TheBestConfigurationScoresTheSameWhenRunAlone) {
  auto advice = Advise(Builtin("checkout-sampling"), Quick({"error_recall>=0.95"}));
  ASSERT_TRUE(advice.ok()) << advice.status().message();
  ASSERT_FALSE(advice->ranking.empty());
  const Evaluated& best = advice->evaluated[advice->ranking[0]];
  scenarios::Scenario sc = Builtin("checkout-sampling");
  auto parsed = sampling::ParseStrategies(YAML::Load(best.candidate.SamplersYaml()), "t", "");
  ASSERT_TRUE(parsed.ok());
  sc.samplers = *parsed;
  app::RunOptions run;
  run.duration = sim::Duration::Seconds(40);
  auto alone = app::RunScenario(sc, run);
  ASSERT_TRUE(alone.ok());
  const sampling::StrategyScore& s = alone->report.sampling[0];
  EXPECT_EQ(s.traces_kept, best.score.traces_kept);
  EXPECT_EQ(s.error_traces_kept, best.score.error_traces_kept);
  EXPECT_EQ(s.bytes_kept, best.score.bytes_kept);
}

TEST(AdvisorTest, DeterministicForAScenarioAndSeed) {
  AdviseOptions o = Quick({"error_recall>=0.9"});
  o.families = {Family::kHead, Family::kTail};
  auto a = Advise(Builtin("checkout-sampling"), o);
  auto b = Advise(Builtin("checkout-sampling"), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(RenderAdviceJson(*a, "x", 5), RenderAdviceJson(*b, "x", 5));
}

TEST(AdvisorTest, ImpossibleTargetsLeaveTheRankingEmptyAndShowTheClosest) {
  AdviseOptions o = Quick({"error_recall>=0.99", "kept_ratio<=0.0001"});
  o.families = {Family::kHead};
  auto advice = Advise(Builtin("checkout-sampling"), o);
  ASSERT_TRUE(advice.ok()) << advice.status().message();
  EXPECT_TRUE(advice->ranking.empty());
  const std::string text = RenderAdviceText(*advice, "checkout-sampling", 3);
  EXPECT_NE(text.find("No configuration met every target. The closest:"), std::string::npos)
      << text;
  EXPECT_NE(text.find("misses "), std::string::npos);
}

TEST(AdvisorTest, OptionsAreValidatedNamingTheFlag) {
  AdviseOptions o;
  EXPECT_EQ(o.Validate().message(),
            "--target: at least one is needed, e.g. --target 'error_recall>=0.99'");
  o.targets = {"eror_recall>=0.99"};
  EXPECT_EQ(o.Validate().message(),
            "--target 'eror_recall>=0.99': unknown metric 'eror_recall' (did you mean "
            "'error_recall'?)");
  o.targets = {"error_recall>=0.99"};
  o.minimize = "error_recall";
  EXPECT_NE(o.Validate().message().find("--minimize: 'error_recall' is not a metric to minimise"),
            std::string::npos);
  o.minimize = "cost";
  EXPECT_TRUE(o.Validate().ok());
  o.budget = 1;
  EXPECT_EQ(o.Validate().message(), "--budget: must be in [2, 100]");
  o.budget = 4;
  o.top = 0;
  EXPECT_EQ(o.Validate().message(), "--top: must be in [1, 50]");
  EXPECT_EQ(ParseFamily("tails").status().message(),
            "--family: unknown family 'tails' (one of head, tail, head+tail)");
  EXPECT_EQ(*ParseFamily("head+tail"), Family::kHeadTail);
}

}  // namespace
}  // namespace tracesim::advise
