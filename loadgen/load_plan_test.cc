#include "loadgen/load_plan.h"

#include <gtest/gtest.h>

#include "scenarios/scenario.h"

namespace tracesim::loadgen {
namespace {

TEST(ParseRateTest, TracesAndSpans) {
  auto a = ParseRate("500");
  ASSERT_TRUE(a.ok());
  EXPECT_DOUBLE_EQ(a->value, 500);
  EXPECT_FALSE(a->spans);
  auto b = ParseRate("20000spans");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->spans);
  EXPECT_DOUBLE_EQ(b->value, 20000);
  EXPECT_TRUE(ParseRate("2.5/s").ok());
  EXPECT_TRUE(ParseRate("100spans/s")->spans);
  for (const char* bad : {"", "spans", "0", "-5", "12x", "1e10", "nan"}) {
    auto r = ParseRate(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--rate"), std::string::npos);
    }
  }
}

TEST(BuildLoadPlanTest, RateScalesTheScenarioShape) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  RateFlags f;
  f.rate = "500";
  auto plan = BuildLoadPlan(sc->workload, f, 0);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_NEAR(plan->workload.BaseRate(), 500, 1e-9);
  EXPECT_FALSE(plan->rate_in_spans);
  f.rate = "9000spans";
  plan = BuildLoadPlan(sc->workload, f, 18);
  ASSERT_TRUE(plan.ok());
  EXPECT_NEAR(plan->workload.BaseRate(), 500, 1e-9);
  EXPECT_TRUE(plan->rate_in_spans);
  // Spans without a measured mean is an error, not a silent guess.
  EXPECT_FALSE(BuildLoadPlan(sc->workload, f, 0).ok());
}

TEST(BuildLoadPlanTest, RampAndSteps) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  RateFlags f;
  f.ramp = "100:1000:30s";
  auto plan = BuildLoadPlan(sc->workload, f, 0);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->workload.shape.kind, workloads::ShapeKind::kRamp);
  EXPECT_NEAR(plan->workload.RateAt(sim::Time::FromNanos(15'000'000'000)), 550, 1e-6);
  f = RateFlags{};
  f.steps = "200spans:10s,400spans:5s";
  plan = BuildLoadPlan(sc->workload, f, 4);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->workload.shape.kind, workloads::ShapeKind::kSteps);
  ASSERT_EQ(plan->workload.shape.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(plan->workload.shape.epochs[1].rate, 100);
  EXPECT_TRUE(plan->rate_in_spans);
}

TEST(BuildLoadPlanTest, ErrorsNameTheFlag) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  auto err = [&](RateFlags f) {
    auto p = BuildLoadPlan(sc->workload, f, 10);
    return p.ok() ? std::string() : p.status().message();
  };
  EXPECT_NE(err({"", "100:1000", ""}).find("--ramp"), std::string::npos);
  EXPECT_NE(err({"", "100:1000:0s", ""}).find("--ramp OVER"), std::string::npos);
  EXPECT_NE(err({"", "100:1000spans:10s", ""}).find("mix"), std::string::npos);
  EXPECT_NE(err({"", "", "500:10s,abc:5s"}).find("--steps[1]"), std::string::npos);
  EXPECT_NE(err({"", "", "500"}).find("--steps[0]"), std::string::npos);
  EXPECT_NE(err({"", "1:2:3s", "500:1s"}).find("cannot be combined"), std::string::npos);
  EXPECT_NE(err({"5", "1:2:3s", ""}).find("cannot be combined"), std::string::npos);
}

TEST(MeasureMeanSpansPerTraceTest, MatchesAFullRunOfTheBuiltinScenario) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  auto m = MeasureMeanSpansPerTrace(sc->model, sc->workload, sc->seed, 1000);
  ASSERT_TRUE(m.ok()) << m.status().message();
  // The README quotes 18.1 spans per trace for checkout; a 1000-trace warm-up lands close.
  EXPECT_GT(*m, 15);
  EXPECT_LT(*m, 21);
}

}  // namespace
}  // namespace tracesim::loadgen
