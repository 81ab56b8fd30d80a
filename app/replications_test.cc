#include "app/replications.h"

#include <gtest/gtest.h>

namespace tracesim::app {
namespace {

TEST(ReplicationsTest, SeedsInOrderDeterministicAndIntervalsAroundTheMean) {
  auto sc = scenarios::LoadBuiltinScenario("checkout-sampling");
  ASSERT_TRUE(sc.ok());
  RunOptions o;
  o.duration = sim::Duration::Seconds(15);
  o.seed = 5;
  auto a = RunReplications(*sc, o, 3);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->seeds, (std::vector<uint64_t>{5, 6, 7}));
  ASSERT_EQ(a->strategies.size(), sc->samplers.size());
  // The runs differ (independent seeds) and the mean sits in its interval.
  EXPECT_NE(a->runs[0][1].traces_kept, a->runs[1][1].traces_kept);
  for (const auto& st : a->strategies) {
    for (const auto& m : st.metrics) {
      EXPECT_LE(m.low, m.mean) << st.name << " " << m.name;
      EXPECT_GE(m.high, m.mean) << st.name << " " << m.name;
    }
  }
  // keep-all keeps everything in every run: a zero-width interval at 1.
  EXPECT_EQ(a->strategies[0].metrics[0].mean, 1);
  EXPECT_EQ(a->strategies[0].metrics[0].low, 1);
  // Same seed and N: the same figures.
  auto b = RunReplications(*sc, o, 3);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->strategies[1].metrics[1].mean, b->strategies[1].metrics[1].mean);
  EXPECT_EQ(a->strategies[1].metrics[1].high, b->strategies[1].metrics[1].high);
}

TEST(ReplicationsTest, BadCounts) {
  auto sc = scenarios::LoadBuiltinScenario("checkout-sampling");
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ(RunReplications(*sc, RunOptions{}, 0).status().message(),
            "--replications: must be in [1, 1000]");
  auto plain = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(RunReplications(*plain, RunOptions{}, 2).ok());
}

}  // namespace
}  // namespace tracesim::app
