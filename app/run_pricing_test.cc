// The lab's cost figures with a run's pricing (issue 13): RunOptions::pricing over the scenario's
// `pricing:`, retention tiers from each strategy's error-trace bytes.
#include <gtest/gtest.h>

#include "app/run.h"
#include "app/shards.h"
#include "app/test_scenarios.h"
#include "scenarios/scenario.h"

namespace tracesim::app {
namespace {

using testing::Builtin;

TEST(RunPricingTest, TiersFollowTheErrorTracesBytes) {
  scenarios::Scenario sc = Builtin("checkout-sampling");
  RunOptions o;
  o.duration = sim::Duration::Seconds(20);
  auto plain = RunScenario(sc, o);
  o.pricing = *sampling::PricingPreset("tiered");
  auto tiered = RunScenario(sc, o);
  ASSERT_TRUE(plain.ok() && tiered.ok());
  EXPECT_EQ(tiered->report.pricing.preset, "tiered");
  const double ratio = tiered->report.compression_ratio;
  for (size_t k = 0; k < tiered->report.sampling.size(); ++k) {
    const sampling::StrategyScore& s = tiered->report.sampling[k];
    SCOPED_TRACE(s.name);
    // The same traffic and decisions; only the prices differ.
    EXPECT_EQ(s.bytes_kept, plain->report.sampling[k].bytes_kept);
    EXPECT_EQ(s.error_bytes_kept, plain->report.sampling[k].error_bytes_kept);
    EXPECT_LE(s.error_bytes_kept, s.bytes_kept);
    const double per_day = 86400.0 / 20;
    EXPECT_NEAR(s.stored_gb_traces, s.bytes_kept * ratio * per_day / 1e9 * 7, 1e-9);
    EXPECT_NEAR(s.stored_gb_error_traces, s.error_bytes_kept * ratio * per_day / 1e9 * 23, 1e-9);
    EXPECT_NEAR(s.stored_gb_metadata, s.traces_kept * 128.0 * per_day / 1e9 * 90, 1e-9);
    EXPECT_DOUBLE_EQ(s.usd_month, s.usd_storage_month);
    // The default prices: 30 days of everything kept.
    EXPECT_NEAR(plain->report.sampling[k].usd_month,
                s.bytes_kept * ratio * per_day / 1e9 * 30 * 0.023, 1e-9);
  }
  // keep-all keeps every error trace's spans: its error bytes are the error traces' whole size,
  // more than the errors-only strategies keep and less than everything.
  const sampling::StrategyScore& all = tiered->report.sampling[0];
  ASSERT_EQ(all.name, "keep-all");
  EXPECT_GT(all.error_bytes_kept, 0u);
  EXPECT_LT(all.error_bytes_kept, all.bytes_kept);
  for (const sampling::StrategyScore& s : tiered->report.sampling)
    EXPECT_LE(s.error_bytes_kept, all.error_bytes_kept) << s.name;
}

// Error-trace bytes add up across shards like the other counters: with a warm-up covering the
// whole run each shard simulates the unsharded trajectory, so the merge is exact.
TEST(RunPricingTest, ErrorBytesMergeAcrossShards) {
  scenarios::Scenario sc = Builtin("checkout-sampling");
  RunOptions o;
  o.duration = sim::Duration::Seconds(20);
  o.pricing = *sampling::PricingPreset("tiered");
  auto whole = RunScenario(sc, o);
  ShardOptions two;
  two.count = 2;  // the default 30 s warm-up reaches both ends of a 20 s run
  auto merged = RunSharded(sc, o, two);
  ASSERT_TRUE(whole.ok() && merged.ok()) << merged.status().message();
  for (size_t k = 0; k < whole->report.sampling.size(); ++k) {
    SCOPED_TRACE(whole->report.sampling[k].name);
    EXPECT_EQ(merged->report.sampling[k].error_bytes_kept,
              whole->report.sampling[k].error_bytes_kept);
    EXPECT_DOUBLE_EQ(merged->report.sampling[k].stored_gb_error_traces,
                     whole->report.sampling[k].stored_gb_error_traces);
  }
}

}  // namespace
}  // namespace tracesim::app
