// Thresholds for `tracesim run` (issue 13): "STRATEGY.METRIC OP NUMBER" over the sampling lab's
// scores, in the one threshold grammar of `tracesim load` (loadgen/target/threshold.h), so a policy
// change becomes a CI gate: 'tail-errors-slow.error_recall>=0.99', 'head-10%.usd_month<100'.
// STRATEGY is a name of the scenario's samplers: (it may contain dots: the metric is after the
// last one); METRIC one of RunThresholdMetricNames() (doc/sampling-lab.md). Pure functions.
#ifndef TRACESIM_APP_RUN_THRESHOLDS_H_
#define TRACESIM_APP_RUN_THRESHOLDS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/target/threshold.h"
#include "sampling/lab/lab.h"
#include "sim/base/status.h"

namespace tracesim::app {

// The metric names of a strategy, in documentation order.
const std::vector<std::string>& RunThresholdMetricNames();

// One strategy's metrics by name (every RunThresholdMetricNames() entry).
std::map<std::string, double> StrategyMetrics(const sampling::StrategyScore& score);

// Parses "STRATEGY.METRIC OP NUMBER"; `strategies` are the scenario's strategy names. Errors
// (kInvalidArgument) quote the text and name the unknown strategy or metric with a did-you-mean.
sim::Result<loadgen::Threshold> ParseRunThreshold(std::string_view text,
                                                  const std::vector<std::string>& strategies);

// Evaluates each threshold against the scores (a threshold whose strategy has no score fails,
// actual NaN).
std::vector<loadgen::ThresholdOutcome> EvaluateRunThresholds(
    const std::vector<loadgen::Threshold>& thresholds,
    const std::vector<sampling::StrategyScore>& scores);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_RUN_THRESHOLDS_H_
