#include "metrics/truth_metrics.h"

#include <gtest/gtest.h>

#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"

namespace tracesim::metrics {
namespace {

using namespace sim;

TEST(TruthMetricsTest, CountsTouchedErrorAndLatencyPerFault) {
  Model m;
  uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  uint32_t back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(10e6))});
  uint32_t entry = AddOp(m, front, "GET /", {CallTo(back_op)});
  m.Finalize();
  FaultPlan plan;
  Fault slow;
  slow.id = "slow";
  slow.kind = Fault::Kind::kLatency;
  slow.service = back;
  slow.multiplier = 11;  // 10 ms -> 110 ms
  slow.end = Time::FromNanos(1'000'000'000);
  Fault err;
  err.id = "err";
  err.kind = Fault::Kind::kError;
  err.service = back;
  err.start = Time::FromNanos(1'000'000'000);
  err.end = Time::FromNanos(1'500'000'000);
  plan.faults = {slow, err};
  TruthMetricsSink sink(m, &plan);
  SimulationOptions opt;
  opt.faults = &plan;
  Simulation s(m, opt);
  s.AddObserver(&sink);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(2), entry);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  const auto& f = sink.faults();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].id, "slow");
  EXPECT_EQ(f[0].kind, "latency");
  EXPECT_EQ(f[0].target, "back");
  EXPECT_EQ(f[0].traces, 10u);
  // The request sent at 0.9 s is slowed, still working at 1 s, and fails under the error fault:
  // it is touched by both.
  EXPECT_EQ(f[0].error_traces, 1u);
  EXPECT_NEAR(f[0].latency.Percentile(50) / 1e6, 110.0, 1.0);
  EXPECT_EQ(f[1].traces, 6u);
  EXPECT_EQ(f[1].error_traces, 6u);
  EXPECT_EQ(f[1].root_errors, 6u);
  EXPECT_EQ(f[1].root_caused, 6u);
  const TruthTotals& t = sink.totals();
  EXPECT_EQ(t.traces, 20u);
  EXPECT_EQ(t.touched, 15u);
  EXPECT_EQ(t.error_traces, 6u);
  EXPECT_EQ(t.untouched_latency.Count(), 5u);
  EXPECT_NEAR(t.untouched_latency.Percentile(50) / 1e6, 10.0, 0.5);
}

}  // namespace
}  // namespace tracesim::metrics
