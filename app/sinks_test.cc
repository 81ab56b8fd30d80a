// The sinks of app/sinks.h on a real simulation.
#include "app/sinks.h"

#include <gtest/gtest.h>

#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "workloads/workload.h"

namespace tracesim::app {
namespace {

void Simulate(const scenarios::Scenario& sc, sim::SpanSink* sink, int seconds) {
  auto w =
      workloads::Workload::Create(sc.workload, sc.model, sc.seed, sim::Duration::Seconds(seconds));
  ASSERT_TRUE(w.ok());
  sim::SimulationOptions o;
  o.seed = sc.seed;
  sim::Simulation s(sc.model, o);
  ASSERT_TRUE(s.AddObserver(sink).ok());
  ASSERT_TRUE(s.Run(w->get()).ok());
}

TEST(CompressionSampleTest, NothingCapturedIsZeroElseARatio) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  CompressionSample empty(10);
  EXPECT_EQ(empty.CompressionRatio(sc->model), 0);
  CompressionSample sample(50);
  Simulate(*sc, &sample, 2);
  const double ratio = sample.CompressionRatio(sc->model);
  EXPECT_GT(ratio, 0.02);
  EXPECT_LT(ratio, 0.9);
}

TEST(TraceKeeperTest, KeepsAtMostN) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  TraceKeeper keeper(3, 0);
  Simulate(*sc, &keeper, 2);
  EXPECT_TRUE(keeper.TakeErrorTraces().empty());
  std::vector<KeptTrace> kept = keeper.TakeTraces();
  ASSERT_EQ(kept.size(), 3u);
  for (const KeptTrace& t : kept) {
    for (const sim::Span& s : t.spans) {
      EXPECT_LE(s.first_event + s.event_count, t.events.size());
      EXPECT_LE(s.first_link + s.link_count, t.links.size());
    }
  }
}

TEST(TraceKeeperTest, KeepsTheFirstErrorTracesHoweverLate) {
  auto sc = scenarios::LoadBuiltinScenario("checkout-payment-outage");
  ASSERT_TRUE(sc.ok());
  TraceKeeper keeper(2, 4);
  auto w = workloads::Workload::Create(sc->workload, sc->model, sc->seed, sc->duration);
  ASSERT_TRUE(w.ok());
  sim::SimulationOptions o;
  o.seed = sc->seed;
  o.faults = &sc->faults;
  sim::Simulation s(sc->model, o);
  ASSERT_TRUE(s.AddObserver(&keeper).ok());
  ASSERT_TRUE(s.Run(w->get()).ok());
  std::vector<KeptTrace> errors = keeper.TakeErrorTraces();
  ASSERT_EQ(errors.size(), 4u);
  for (const KeptTrace& t : errors) {
    EXPECT_TRUE(t.truth.error);
    EXPECT_GT(t.truth.error_spans, 0u);
  }
  EXPECT_EQ(keeper.TakeTraces().size(), 2u);
}

}  // namespace
}  // namespace tracesim::app
