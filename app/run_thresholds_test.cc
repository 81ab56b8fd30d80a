#include "app/run_thresholds.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::app {
namespace {

const std::vector<std::string> kNames = {"head-10%", "tail.v2", "keep-all"};

TEST(RunThresholdTest, ParsesStrategyDotMetricInTheLoadGrammar) {
  auto t = ParseRunThreshold("head-10%.usd_month < 100", kNames);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->metric, "head-10%.usd_month");
  EXPECT_EQ(t->op, loadgen::CompareOp::kLess);
  EXPECT_EQ(t->value, 100);
  // A strategy name with a dot: the metric is after the last one.
  EXPECT_TRUE(ParseRunThreshold("tail.v2.error_recall>=0.99", kNames).ok());
}

TEST(RunThresholdTest, ErrorsNameTheProblem) {
  EXPECT_EQ(ParseRunThreshold("head-10%.usd_mont<100", kNames).status().message(),
            "threshold 'head-10%.usd_mont<100': unknown metric 'usd_mont' (did you mean "
            "'usd_month'?)");
  EXPECT_EQ(ParseRunThreshold("head-1%.error_recall>0.5", kNames).status().message(),
            "threshold 'head-1%.error_recall>0.5': no strategy 'head-1%' in samplers: (did you "
            "mean 'head-10%'?)");
  EXPECT_EQ(ParseRunThreshold("error_recall>0.5", kNames).status().message(),
            "threshold 'error_recall>0.5': expected STRATEGY.METRIC OP NUMBER, e.g. "
            "'tail-errors-slow.error_recall>=0.99'");
  EXPECT_FALSE(ParseRunThreshold("keep-all.error_recall>>1", kNames).ok());
  EXPECT_FALSE(ParseRunThreshold("keep-all.error_recall>=x", kNames).ok());
}

TEST(RunThresholdTest, EvaluatesAgainstScores) {
  sampling::StrategyScore a;
  a.name = "keep-all";
  a.traces = 200;
  a.traces_kept = 50;
  a.error_recall = 0.98;
  a.true_error_rate = 0.1;
  a.est_error_rate = 0.4;
  std::vector<loadgen::Threshold> ts = {*ParseRunThreshold("keep-all.error_recall>=0.99", kNames),
                                        *ParseRunThreshold("keep-all.kept_ratio==0.25", kNames),
                                        *ParseRunThreshold("head-10%.error_recall>0", kNames)};
  auto out = EvaluateRunThresholds(ts, {a});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].passed);
  EXPECT_DOUBLE_EQ(out[0].actual, 0.98);
  EXPECT_TRUE(out[1].passed);
  EXPECT_FALSE(out[2].passed);  // no score for that strategy
  EXPECT_TRUE(std::isnan(out[2].actual));
  EXPECT_NEAR(StrategyMetrics(a).at("error_rate_bias"), 0.3, 1e-12);
  EXPECT_EQ(StrategyMetrics(a).size(), RunThresholdMetricNames().size());
}

}  // namespace
}  // namespace tracesim::app
