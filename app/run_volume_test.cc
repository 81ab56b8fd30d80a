// The volume block of every run (issue 13): RunScenario fills reports::RunReport::volume.
#include <gtest/gtest.h>

#include <string>

#include "app/run.h"
#include "app/test_scenarios.h"
#include "scenarios/scenario.h"

namespace tracesim::app {
namespace {

using testing::Builtin;

// The volume counts every exported span at the size the lab costs it: a keep-all strategy keeps
// exactly the volume's spans and bytes.
TEST(RunVolumeTest, IsWhatAKeepAllStrategyKeeps) {
  scenarios::Scenario sc = Builtin("checkout-sampling");
  RunOptions o;
  o.duration = sim::Duration::Seconds(20);
  auto r = RunScenario(sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const reports::RunReport& rep = r->report;
  ASSERT_EQ(rep.sampling.at(0).name, "keep-all");
  EXPECT_EQ(rep.volume.spans, rep.spans);
  EXPECT_EQ(rep.volume.spans, rep.sampling[0].spans_kept);
  EXPECT_EQ(rep.volume.bytes, rep.sampling[0].bytes_kept);
  EXPECT_DOUBLE_EQ(rep.volume.spans_per_s, static_cast<double>(rep.spans) / 20);
  EXPECT_GT(rep.compression_ratio, 0);
  EXPECT_LT(rep.compression_ratio, 1);
  EXPECT_DOUBLE_EQ(rep.volume.compressed_bytes_per_span,
                   rep.volume.bytes_per_span * rep.compression_ratio);
}

// The seed's figure (100 k requests/s x 8 spans x ~500 B: ~69 G spans and ~35 TB a day) comes
// out of scenarios/bench/day.yaml with no arithmetic by hand, from a half-second run at the
// diurnal trough: the day is projected at the scenario's mean rate over its own 24 h.
TEST(RunVolumeTest, DayScenarioGivesTheSeedsDailyFigure) {
  auto sc =
      scenarios::LoadScenarioFile(std::string(TRACESIM_SOURCE_DIR) + "/scenarios/bench/day.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  RunOptions o;
  o.duration = sim::Duration::Millis(500);
  auto r = RunScenario(*sc, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const reports::RunReport::Volume& v = r->report.volume;
  EXPECT_NEAR(r->report.offered_rate, 50000, 500);  // the trough: half the mean
  EXPECT_NEAR(v.day_traces_per_s, 100000, 1);
  EXPECT_NEAR(v.spans_per_day, 8 * 100000 * 86400.0, 0.02 * 8 * 100000 * 86400.0);
  EXPECT_GT(v.bytes_per_span, 450);
  EXPECT_LT(v.bytes_per_span, 550);
  EXPECT_GT(v.gb_per_day, 30e3);  // TB a day
  EXPECT_LT(v.gb_per_day, 40e3);
  EXPECT_DOUBLE_EQ(v.tb_per_month, v.gb_per_day * 30 / 1e3);
  EXPECT_LT(v.compressed_gb_per_day, v.gb_per_day);
}

// A day is the scenario's own: the same whatever --duration, and --rate's.
TEST(RunVolumeTest, ADayIsAtTheScenariosRateWhateverTheRunsLength) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions o;
  o.duration = sim::Duration::Seconds(5);
  auto short_run = RunScenario(sc, o);
  ASSERT_TRUE(short_run.ok());
  EXPECT_DOUBLE_EQ(short_run->report.volume.day_traces_per_s, short_run->report.offered_rate);
  o.rate = loadgen::Rate{160, false};
  auto doubled = RunScenario(sc, o);
  ASSERT_TRUE(doubled.ok()) << doubled.status().message();
  EXPECT_DOUBLE_EQ(doubled->report.volume.day_traces_per_s, 160);
  EXPECT_NEAR(doubled->report.volume.spans_per_day / short_run->report.volume.spans_per_day, 2,
              0.1);
}

}  // namespace
}  // namespace tracesim::app
