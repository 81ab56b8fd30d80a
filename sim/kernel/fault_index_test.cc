#include "sim/kernel/fault_index.h"

#include <gtest/gtest.h>

#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

Time At(int64_t s) { return Time::Zero() + Duration::Seconds(s); }

struct TwoServices {
  Model m;
  uint32_t api, db;
  TwoServices() {
    api = AddService(m, "api", ServiceKind::kService, 2, 4, 8);
    db = AddService(m, "db", ServiceKind::kDatabase, 1, 0, 0);
  }
};

Fault MakeFault(Fault::Kind kind, uint32_t service, Time start = Time::Zero(),
                Time end = Time::Max()) {
  Fault f;
  f.id = "f";
  f.kind = kind;
  f.service = service;
  f.start = start;
  f.end = end;
  return f;
}

TEST(FaultIndexTest, NoPlanMeansNoFaultAnywhere) {
  TwoServices s;
  FaultIndex idx(s.m, nullptr);
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_FALSE(idx.any(s.api));
  EXPECT_EQ(idx.Active(Fault::Kind::kError, s.api, kNone, 0, At(0)), kNone);
  EXPECT_EQ(idx.TrafficMask(At(0)), 0u);
}

TEST(FaultIndexTest, ActiveMatchesKindWindowAndTarget) {
  TwoServices s;
  FaultPlan plan;
  plan.faults.push_back(MakeFault(Fault::Kind::kLatency, s.db));
  plan.faults.push_back(MakeFault(Fault::Kind::kError, s.api, At(10), At(20)));
  plan.faults.back().instance = 1;
  plan.faults.push_back(MakeFault(Fault::Kind::kTraffic, kNone, At(5), At(6)));
  FaultIndex idx(s.m, &plan);
  EXPECT_TRUE(idx.any(s.api));
  EXPECT_TRUE(idx.any(s.db));
  // Kind, window [start, end) and instance all have to match.
  EXPECT_EQ(idx.Active(Fault::Kind::kError, s.api, 0, 1, At(10)), 1u);
  EXPECT_EQ(idx.Active(Fault::Kind::kError, s.api, 0, 1, At(20)), kNone);
  EXPECT_EQ(idx.Active(Fault::Kind::kError, s.api, 0, 1, At(9)), kNone);
  EXPECT_EQ(idx.Active(Fault::Kind::kError, s.api, 0, 0, At(15)), kNone);
  EXPECT_EQ(idx.Active(Fault::Kind::kLatency, s.api, 0, 1, At(15)), kNone);
  // Traffic faults target no service; they only show in the traffic mask while active.
  EXPECT_EQ(idx.TrafficMask(At(5)), uint64_t{1} << 2);
  EXPECT_EQ(idx.TrafficMask(At(6)), 0u);
}

TEST(FaultIndexTest, FiresDrawsTheProbabilityFromTheCallersStream) {
  TwoServices s;
  FaultPlan plan;
  plan.faults.push_back(MakeFault(Fault::Kind::kError, s.api));
  plan.faults.back().probability = 0.25;
  FaultIndex a(s.m, &plan), b(s.m, &plan);
  Rng ra(42), rb(42);
  int fired = 0;
  for (int i = 0; i < 4000; ++i) {
    uint32_t fa = a.Fires(Fault::Kind::kError, s.api, 0, 0, At(0), ra);
    EXPECT_EQ(fa, b.Fires(Fault::Kind::kError, s.api, 0, 0, At(0), rb));  // same stream, same draws
    fired += fa == 0 ? 1 : 0;
  }
  EXPECT_GT(fired, 850);
  EXPECT_LT(fired, 1150);
}

TEST(FaultIndexTest, LatencyAndSkewReportTheFaultsThatTouched) {
  TwoServices s;
  FaultPlan plan;
  plan.faults.push_back(MakeFault(Fault::Kind::kLatency, s.api));
  plan.faults.back().multiplier = 3;
  plan.faults.back().extra_latency = Distribution::Constant(1000);
  plan.faults.push_back(MakeFault(Fault::Kind::kClockSkew, s.api, At(10)));
  plan.faults.back().offset = Duration::Millis(5);
  plan.faults.back().drift_ppm = 100;
  FaultIndex idx(s.m, &plan);
  Rng rng(1);
  uint64_t touched = 0;
  EXPECT_EQ(idx.ApplyLatency(s.api, 0, 0, false, At(0), Duration::Nanos(100), &touched, rng),
            Duration::Nanos(1300));
  EXPECT_EQ(touched, 1u);
  // Another service is untouched and its durations unchanged.
  touched = 0;
  EXPECT_EQ(idx.ApplyLatency(s.db, 0, 0, false, At(0), Duration::Nanos(100), &touched, rng),
            Duration::Nanos(100));
  EXPECT_EQ(touched, 0u);
  EXPECT_EQ(idx.CertainLatencyMask(s.api, 0, 1, At(0)), 1u);
  // Skew: offset plus drift (100 ppm of the 10 s since the fault started = 1 ms).
  ASSERT_TRUE(idx.has_skew(s.api));
  EXPECT_EQ(idx.Skew(s.api, 0, At(5), 1000, &touched), 1000);
  EXPECT_EQ(touched, 0u);
  // (the drift is computed in floating point and truncated: within 1 ns)
  EXPECT_NEAR(static_cast<double>(idx.Skew(s.api, 0, At(20), 1000, &touched)),
              1000 + 5'000'000 + 1'000'000, 1.0);
  EXPECT_EQ(touched, 2u);
}

}  // namespace
}  // namespace tracesim::sim
