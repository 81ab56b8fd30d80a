#include "workloads/workload_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "workloads/test_shapes.h"

namespace tracesim::workloads {
namespace {

using sim::Duration;
using sim::Time;
using testing::Bursts;
using testing::Constant;
using testing::Diurnal;
using testing::Ramp;
using testing::Steps;

Time At(double s) { return Time::Zero() + Duration::FromSecondsF(s); }

WorkloadSpec WithMix(RateShape shape) {
  WorkloadSpec spec;
  spec.shape = std::move(shape);
  spec.mix = {{"frontend.GET /", 1}};
  return spec;
}

// Joined problem paths, for compact assertions.
std::string Paths(const WorkloadSpec& spec) {
  std::string out;
  for (const SpecProblem& p : spec.Problems()) out += (out.empty() ? "" : " ") + p.path;
  return out;
}

TEST(WorkloadSpecTest, DefaultsNeedOnlyAMix) {
  WorkloadSpec spec;
  EXPECT_FALSE(spec.Validate().ok());
  EXPECT_EQ(Paths(spec), "mix");
  spec.mix = {{"frontend.GET /"}};
  EXPECT_TRUE(spec.Validate().ok()) << spec.Validate().message();
  EXPECT_EQ(spec.RateAt(At(5)), 10);
  EXPECT_EQ(spec.process, ArrivalProcess::kPoisson);
}

TEST(WorkloadSpecTest, ConstantRate) {
  WorkloadSpec spec = WithMix(Constant(80));
  EXPECT_DOUBLE_EQ(spec.RateAt(At(0)), 80);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(1e5)), 80);
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(60)), 4800, 1e-6);
  EXPECT_NEAR(spec.MeanRate(Duration::Seconds(60)), 80, 1e-9);
}

TEST(WorkloadSpecTest, RampThenHold) {
  WorkloadSpec spec = WithMix(Ramp(0, 100, Duration::Seconds(10)));
  EXPECT_DOUBLE_EQ(spec.RateAt(At(0)), 0);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(5)), 50);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(10)), 100);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(1000)), 100);
  // 500 during the ramp, then 10 s at 100.
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(20)), 1500, 1e-6);
  // Ramp down.
  WorkloadSpec down = WithMix(Ramp(100, 20, Duration::Seconds(8)));
  EXPECT_DOUBLE_EQ(down.RateAt(At(4)), 60);
  EXPECT_NEAR(down.ExpectedArrivals(Duration::Seconds(10)), 480 + 40, 1e-6);
}

TEST(WorkloadSpecTest, StepsHoldOrRepeat) {
  std::vector<Epoch> epochs = {{Duration::Seconds(10), 5}, {Duration::Seconds(5), 20}};
  WorkloadSpec hold = WithMix(Steps(epochs, false));
  EXPECT_DOUBLE_EQ(hold.RateAt(At(0)), 5);
  EXPECT_DOUBLE_EQ(hold.RateAt(At(9.999)), 5);
  EXPECT_DOUBLE_EQ(hold.RateAt(At(10)), 20);  // epochs are [start, end)
  EXPECT_DOUBLE_EQ(hold.RateAt(At(500)), 20);
  EXPECT_NEAR(hold.ExpectedArrivals(Duration::Seconds(30)), 50 + 100 + 300, 1e-6);

  WorkloadSpec cycle = WithMix(Steps(epochs, true));
  EXPECT_DOUBLE_EQ(cycle.RateAt(At(16)), 5);
  EXPECT_DOUBLE_EQ(cycle.RateAt(At(26)), 20);
  EXPECT_NEAR(cycle.ExpectedArrivals(Duration::Seconds(30)), 300, 1e-6);
  EXPECT_NEAR(cycle.ExpectedArrivals(Duration::Seconds(3000)), 200 * 150, 1e-5);
}

TEST(WorkloadSpecTest, DiurnalSinusoid) {
  WorkloadSpec spec = WithMix(Diurnal(100, 0.5, Duration::Seconds(40)));
  EXPECT_NEAR(spec.RateAt(At(0)), 100, 1e-9);
  EXPECT_NEAR(spec.RateAt(At(10)), 150, 1e-9);  // peak at period / 4
  EXPECT_NEAR(spec.RateAt(At(30)), 50, 1e-9);   // trough at 3 period / 4
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(40)), 4000, 1e-6);
  // First half period: 100 * 20 + 100 * 0.5 * 40 / pi.
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(20)), 2000 + 2000 / 3.14159265358979, 1e-6);
  // A phase of a quarter period starts at the peak.
  WorkloadSpec shifted = WithMix(Diurnal(100, 0.5, Duration::Seconds(40), Duration::Seconds(10)));
  EXPECT_NEAR(shifted.RateAt(At(0)), 150, 1e-9);
}

TEST(WorkloadSpecTest, PeriodicBursts) {
  WorkloadSpec spec = WithMix(Bursts(10, 5, Duration::Seconds(2), Duration::Seconds(10)));
  EXPECT_DOUBLE_EQ(spec.RateAt(At(0)), 10);  // no burst at t = 0
  EXPECT_DOUBLE_EQ(spec.RateAt(At(9.9)), 10);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(10)), 50);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(11.9)), 50);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(12)), 10);
  // Bursts at 10, 20, 30, 40, 50: 5 * 2 s * 40 extra.
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(60)), 600 + 400, 1e-6);
}

TEST(WorkloadSpecTest, BurstsAtGivenTimes) {
  RateShape shape = Bursts(10, 3, Duration::Seconds(4), Duration::Seconds(10));
  shape.at = {At(30), At(5), At(7)};  // unsorted, overlapping: [5, 11) is one x3 stretch
  WorkloadSpec spec = WithMix(shape);
  ASSERT_TRUE(spec.Validate().ok()) << spec.Validate().message();
  EXPECT_DOUBLE_EQ(spec.RateAt(At(4)), 10);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(8)), 30);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(10.5)), 30);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(20)), 10);  // `every` is ignored when `at` is given
  EXPECT_DOUBLE_EQ(spec.RateAt(At(31)), 30);
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(60)), 600 + (6 + 4) * 20, 1e-6);
}

TEST(WorkloadSpecTest, SurgesMultiplyAnyShape) {
  WorkloadSpec spec = WithMix(Ramp(0, 100, Duration::Seconds(10)));
  spec.surges = {{At(5), At(15), 2}, {At(12), At(20), 3}};
  ASSERT_TRUE(spec.Validate().ok());
  EXPECT_DOUBLE_EQ(spec.RateAt(At(4)), 40);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(5)), 100);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(13)), 600);  // both surges
  EXPECT_DOUBLE_EQ(spec.RateAt(At(16)), 300);
  EXPECT_DOUBLE_EQ(spec.RateAt(At(20)), 100);  // windows are [start, end)
  // 0-5: 125; 5-10: 2 * 375; 10-12: 2 * 200; 12-15: 6 * 300; 15-20: 3 * 500; 20-30: 1000.
  EXPECT_NEAR(spec.ExpectedArrivals(Duration::Seconds(30)), 125 + 750 + 400 + 1800 + 1500 + 1000,
              1e-6);
}

TEST(WorkloadSpecTest, BaseRateAndOverride) {
  WorkloadSpec constant = WithMix(Constant(80));
  EXPECT_EQ(constant.BaseRate(), 80);
  EXPECT_EQ(constant.WithBaseRate(200).shape.rate, 200);

  WorkloadSpec ramp = WithMix(Ramp(10, 100, Duration::Seconds(10)));
  EXPECT_EQ(ramp.BaseRate(), 100);
  WorkloadSpec r = ramp.WithBaseRate(50);
  EXPECT_DOUBLE_EQ(r.shape.from, 5);
  EXPECT_DOUBLE_EQ(r.shape.to, 50);
  EXPECT_EQ(WithMix(Ramp(100, 0, Duration::Seconds(5))).BaseRate(), 100);

  WorkloadSpec steps =
      WithMix(Steps({{Duration::Seconds(30), 10}, {Duration::Seconds(10), 50}}, false));
  EXPECT_DOUBLE_EQ(steps.BaseRate(), 20);  // (300 + 500) / 40
  WorkloadSpec s = steps.WithBaseRate(40);
  EXPECT_DOUBLE_EQ(s.shape.epochs[0].rate, 20);
  EXPECT_DOUBLE_EQ(s.shape.epochs[1].rate, 100);
  EXPECT_DOUBLE_EQ(s.BaseRate(), 40);

  WorkloadSpec diurnal = WithMix(Diurnal(100, 0.3, Duration::Seconds(60)));
  WorkloadSpec d = diurnal.WithBaseRate(10);
  EXPECT_DOUBLE_EQ(d.shape.rate, 10);
  EXPECT_DOUBLE_EQ(d.shape.amplitude, 0.3);

  WorkloadSpec bursts = WithMix(Bursts(10, 5, Duration::Seconds(1), Duration::Seconds(10)));
  bursts.surges = {{At(1), At(2), 4}};
  WorkloadSpec b = bursts.WithBaseRate(30);
  EXPECT_DOUBLE_EQ(b.shape.rate, 30);
  EXPECT_DOUBLE_EQ(b.shape.factor, 5);
  EXPECT_DOUBLE_EQ(b.surges[0].factor, 4);
  EXPECT_DOUBLE_EQ(b.RateAt(At(1.5)), 120);
  EXPECT_TRUE(b.Validate().ok());
}

TEST(WorkloadSpecTest, ValidateRejectsNegativeRate) {
  WorkloadSpec spec = WithMix(Constant(-5));
  EXPECT_EQ(spec.Validate().message(), "workload.rate: must be > 0, got -5");
  EXPECT_EQ(Paths(WithMix(Constant(0))), "rate");
  EXPECT_EQ(Paths(WithMix(Ramp(-1, 10, Duration::Seconds(1)))), "ramp.from");
  EXPECT_EQ(Paths(WithMix(Ramp(0, 0, Duration::Seconds(1)))), "ramp");
  EXPECT_EQ(Paths(WithMix(Ramp(1, 10, Duration()))), "ramp.over");
  EXPECT_EQ(Paths(WithMix(Diurnal(-1, 0.5, Duration::Seconds(1)))), "diurnal.mean");
  EXPECT_EQ(Paths(WithMix(Bursts(-1, 2, Duration::Seconds(1), Duration::Seconds(5)))),
            "bursts.rate");
  EXPECT_EQ(Paths(WithMix(Bursts(1, -2, Duration::Seconds(1), Duration::Seconds(5)))),
            "bursts.factor");
}

TEST(WorkloadSpecTest, ValidateRejectsBadEpochs) {
  EXPECT_EQ(Paths(WithMix(Steps({}, false))), "steps.epochs");
  EXPECT_EQ(Paths(WithMix(Steps({{Duration::Seconds(1), 5}, {Duration(), 5}}, false))),
            "steps.epochs[1].duration");
  EXPECT_EQ(Paths(WithMix(Steps({{Duration::Seconds(1), -5}, {Duration::Seconds(1), 5}}, true))),
            "steps.epochs[0].rate");
  EXPECT_EQ(Paths(WithMix(Steps({{Duration::Seconds(1), 0}}, false))), "steps.epochs");
  WorkloadSpec spec = WithMix(Steps({{Duration::Seconds(-2), 1}}, false));
  EXPECT_EQ(spec.Validate().message(), "workload.steps.epochs[0].duration: must be > 0, got -2s");
}

TEST(WorkloadSpecTest, ValidateRejectsAmplitudeOutsideUnit) {
  EXPECT_EQ(Paths(WithMix(Diurnal(10, 1.5, Duration::Seconds(60)))), "diurnal.amplitude");
  EXPECT_EQ(Paths(WithMix(Diurnal(10, -0.1, Duration::Seconds(60)))), "diurnal.amplitude");
  EXPECT_EQ(Paths(WithMix(Diurnal(10, 1.0, Duration::Seconds(60)))), "");
  EXPECT_EQ(Paths(WithMix(Diurnal(10, 0.5, Duration()))), "diurnal.period");
}

TEST(WorkloadSpecTest, ValidateRejectsBadBursts) {
  EXPECT_EQ(Paths(WithMix(Bursts(10, 2, Duration::Seconds(5), Duration::Seconds(5)))),
            "bursts.every");
  EXPECT_EQ(Paths(WithMix(Bursts(10, 2, Duration(), Duration::Seconds(5)))), "bursts.length");
  RateShape at = Bursts(10, 2, Duration::Seconds(5), Duration::Seconds(1));
  at.at = {At(3), Time::FromNanos(-1)};  // `every` is not checked when `at` is given
  EXPECT_EQ(Paths(WithMix(at)), "bursts.at[1]");
}

TEST(WorkloadSpecTest, ValidateRejectsBadSurges) {
  WorkloadSpec spec = WithMix(Constant(10));
  spec.surges = {{At(10), At(5), 2}, {At(1), At(2), -1}, {Time::FromNanos(-5), At(1), 2}};
  EXPECT_EQ(Paths(spec), "surges[0].end surges[1].factor surges[2].start");
}

TEST(WorkloadSpecTest, ValidateRejectsEmptyMixAndBadWeights) {
  WorkloadSpec spec = WithMix(Constant(10));
  spec.mix.clear();
  EXPECT_EQ(spec.Validate().message(), "workload.mix: must list at least one entry operation");
  spec.mix = {{"a.b", 1}, {"a.c", 0}, {"a.d", -2}, {"", 1}};
  EXPECT_EQ(Paths(spec), "mix[1].weight mix[2].weight mix[3].operation");
  // Every problem is reported, joined.
  EXPECT_EQ(spec.Validate().message(),
            "workload.mix[1].weight: must be > 0, got 0; workload.mix[2].weight: must be > 0, got "
            "-2; workload.mix[3].operation: must name \"service.operation\"");
  spec.mix = {{"a.b", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_EQ(Paths(spec), "mix[0].weight");
}

TEST(WorkloadSpecTest, Names) {
  EXPECT_EQ(ShapeKindName(ShapeKind::kDiurnal), "diurnal");
  EXPECT_EQ(ArrivalProcessName(ArrivalProcess::kUniform), "uniform");
}

}  // namespace
}  // namespace tracesim::workloads
