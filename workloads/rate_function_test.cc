#include "workloads/rate_function.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::workloads {
namespace {

TEST(SegmentTest, LinearInvertsItsIntegral) {
  Segment up{.a = 2, .b = 12, .factor = 2, .c = 5, .slope = 3};
  Segment down{.a = 0, .b = 10, .factor = 1, .c = 30, .slope = -3};  // reaches 0 at the end
  for (const Segment& seg : {up, down}) {
    for (double s : {0.0, 1e-9, 0.37, 4.0, 9.999, 10.0}) {
      const double m = seg.Integral(s);
      EXPECT_NEAR(seg.Invert(m), s, 1e-9 * (1 + s)) << "s=" << s;
    }
  }
  EXPECT_NEAR(down.Mass(), 150, 1e-9);
}

TEST(SegmentTest, SinusoidInvertsItsIntegral) {
  Segment seg{.a = 1000,
              .b = 1000 + 7 * 3600,
              .factor = 1.5,
              .c = 80,
              .sinusoid = true,
              .amplitude = 1.0,
              .omega = 2 * M_PI / 3600,
              .phase = 123};
  EXPECT_GT(seg.Mass(), 0);
  for (double s : {0.0, 1e-6, 1.0, 100.0, 1800.0, 5000.0, 7 * 3600.0}) {
    const double m = seg.Integral(s);
    EXPECT_NEAR(seg.Invert(m), s, 1e-6) << "s=" << s;
  }
  // A whole period integrates to factor * mean * period.
  EXPECT_NEAR(seg.Integral(3600), 1.5 * 80 * 3600, 1e-6);
}

TEST(RateFunctionTest, SegmentsSplitAtEveryBreakpoint) {
  WorkloadSpec spec;
  spec.shape.kind = ShapeKind::kSteps;
  spec.shape.epochs = {{sim::Duration::Seconds(3), 1}, {sim::Duration::Seconds(2), 4}};
  spec.shape.repeat = true;
  spec.surges = {{sim::Time::Zero() + sim::Duration::Seconds(4),
                  sim::Time::Zero() + sim::Duration::Seconds(7), 10}};
  RateFunction f(spec);
  std::vector<double> edges;
  for (double a = 0; a < 12;) {
    Segment seg = f.SegmentAt(a, 12);
    EXPECT_GT(seg.b, seg.a);
    edges.push_back(seg.b);
    a = seg.b;
  }
  EXPECT_EQ(edges, (std::vector<double>{3, 4, 5, 7, 8, 10, 12}));
  // 0-3: 3; 3-4: 4; 4-5: 40; 5-7: 20; 7-8: 1; 8-10: 8; 10-12: 2.
  EXPECT_NEAR(f.Integral(0, 12), 3 + 4 + 40 + 20 + 1 + 8 + 2, 1e-9);
}

TEST(RateFunctionTest, ManyRepeatingCyclesStayExact) {
  WorkloadSpec spec;
  spec.shape.kind = ShapeKind::kSteps;
  spec.shape.epochs = {{sim::Duration::Millis(100), 10}, {sim::Duration::Millis(300), 30}};
  spec.shape.repeat = true;
  RateFunction f(spec);
  // 25,000 cycles of 0.4 s, 10 arrivals each.
  EXPECT_NEAR(f.Integral(0, 10000), 250000, 1e-3);
}

}  // namespace
}  // namespace tracesim::workloads
