// Merges of sharded runs (doc/scale.md): a sink that saw part of the traces, merged with one that
// saw the rest, equals one sink that saw them all, figure for figure.
#include <gtest/gtest.h>

#include "metrics/histogram.h"
#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"

namespace tracesim::metrics {
namespace {

using namespace sim;

void ExpectSameHistogram(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.Count(), b.Count());
  EXPECT_EQ(a.Sum(), b.Sum());
  EXPECT_EQ(a.Min(), b.Min());
  EXPECT_EQ(a.Max(), b.Max());
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9})
    EXPECT_EQ(a.Percentile(p), b.Percentile(p)) << p;
}

// Hands each trace to one of `parts` by its sequence number, and every trace to `all`.
class Splitter final : public SpanSink {
 public:
  Splitter(std::vector<SpanSink*> parts, SpanSink* all) : parts_(std::move(parts)), all_(all) {}
  void OnTrace(const TraceView& t) noexcept override {
    parts_[t.sequence % 7 % parts_.size()]->OnTrace(t);
    all_->OnTrace(t);
  }

 private:
  std::vector<SpanSink*> parts_;
  SpanSink* all_;
};

// front (queues) -> back (a latency fault, then an error fault) and a database; errors.
struct System {
  Model m;
  FaultPlan plan;
  uint32_t entry;
  System() {
    uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 2, 32);
    uint32_t back = AddService(m, "back", ServiceKind::kService, 2, 2, 8);
    uint32_t db = AddService(m, "db", ServiceKind::kDatabase, 1, 0, 0);
    uint32_t select =
        AddOp(m, db, "SELECT", {Work(*Distribution::Exponential(1e6))}, Protocol::kDb);
    m.operations[select].error_rate = 0.05;
    uint32_t back_op = AddOp(m, back, "GET /b", {Work(*Distribution::Exponential(4e6))});
    entry = AddOp(m, front, "GET /",
                  {Work(*Distribution::Exponential(2e6)), CallTo(back_op), CallTo(select)});
    m.Finalize();
    Fault slow;
    slow.id = "slow";
    slow.kind = Fault::Kind::kLatency;
    slow.service = back;
    slow.multiplier = 5;
    slow.end = Time::FromNanos(1'000'000'000);
    Fault err;
    err.id = "err";
    err.kind = Fault::Kind::kError;
    err.service = back;
    err.probability = 0.5;
    err.start = Time::FromNanos(1'000'000'000);
    err.end = Time::FromNanos(2'000'000'000);
    plan.faults = {slow, err};
  }
};

TEST(MergeTest, RedMetricsMergeEqualsOneSinkOverEveryTrace) {
  System s;
  RedMetricsSink all(s.m), a(s.m), b(s.m), c(s.m);
  Splitter split({&a, &b, &c}, &all);
  SimulationOptions opt;
  opt.faults = &s.plan;
  Simulation sim(s.m, opt);
  ASSERT_TRUE(sim.AddObserver(&split).ok());
  PoissonArrivals arrivals(400, Duration::Seconds(3), s.entry, 5);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  a.Merge(b);
  a.Merge(c);
  ASSERT_GT(all.totals().traces, 500u);
  EXPECT_EQ(a.totals().traces, all.totals().traces);
  EXPECT_EQ(a.totals().spans, all.totals().spans);
  EXPECT_EQ(a.totals().error_traces, all.totals().error_traces);
  EXPECT_EQ(a.totals().spans_by_kind, all.totals().spans_by_kind);
  auto sa = a.Services(), sall = all.Services();
  ASSERT_EQ(sa.size(), sall.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].requests, sall[i].requests);
    EXPECT_EQ(sa[i].errors, sall[i].errors);
    ExpectSameHistogram(sa[i].latency, sall[i].latency);
  }
  auto oa = a.Operations(), oall = all.Operations();
  ASSERT_EQ(oa.size(), oall.size());
  for (size_t i = 0; i < oa.size(); ++i) {
    EXPECT_EQ(oa[i].service, oall[i].service);
    EXPECT_EQ(oa[i].name, oall[i].name);
    EXPECT_EQ(oa[i].kind, oall[i].kind);
    EXPECT_EQ(oa[i].requests, oall[i].requests);
    EXPECT_EQ(oa[i].errors, oall[i].errors);
    ExpectSameHistogram(oa[i].latency, oall[i].latency);
  }
  auto da = a.Dependencies(), dall = all.Dependencies();
  ASSERT_EQ(da.size(), dall.size());
  for (size_t i = 0; i < da.size(); ++i) {
    EXPECT_EQ(da[i].requests, dall[i].requests);
    EXPECT_EQ(da[i].errors, dall[i].errors);
    ExpectSameHistogram(da[i].latency, dall[i].latency);
  }
  // A part alone is not the whole (the test can fail).
  EXPECT_LT(b.totals().traces, all.totals().traces);
}

TEST(MergeTest, TruthMergeEqualsOneSinkOverEveryTrace) {
  System s;
  TruthMetricsSink all(s.m, &s.plan), a(s.m, &s.plan), b(s.m, &s.plan);
  Splitter split({&a, &b}, &all);
  SimulationOptions opt;
  opt.faults = &s.plan;
  Simulation sim(s.m, opt);
  ASSERT_TRUE(sim.AddObserver(&split).ok());
  PoissonArrivals arrivals(400, Duration::Seconds(3), s.entry, 6);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  a.Merge(b);
  const TruthTotals &x = a.totals(), &y = all.totals();
  ASSERT_GT(y.error_traces, 10u);
  ASSERT_GT(y.touched, 10u);
  EXPECT_EQ(x.traces, y.traces);
  EXPECT_EQ(x.error_traces, y.error_traces);
  EXPECT_EQ(x.root_errors, y.root_errors);
  EXPECT_EQ(x.fragments, y.fragments);
  EXPECT_EQ(x.fragmented, y.fragmented);
  EXPECT_EQ(x.lost_spans, y.lost_spans);
  EXPECT_EQ(x.retries, y.retries);
  EXPECT_EQ(x.timeouts, y.timeouts);
  EXPECT_EQ(x.touched, y.touched);
  ExpectSameHistogram(x.latency, y.latency);
  ExpectSameHistogram(x.untouched_latency, y.untouched_latency);
  ASSERT_EQ(a.faults().size(), all.faults().size());
  for (size_t i = 0; i < a.faults().size(); ++i) {
    const FaultImpact &f = a.faults()[i], &g = all.faults()[i];
    EXPECT_GT(g.traces, 0u);
    EXPECT_EQ(f.traces, g.traces);
    EXPECT_EQ(f.error_traces, g.error_traces);
    EXPECT_EQ(f.root_errors, g.root_errors);
    EXPECT_EQ(f.root_caused, g.root_caused);
    ExpectSameHistogram(f.latency, g.latency);
  }
}

}  // namespace
}  // namespace tracesim::metrics
