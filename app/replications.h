// Replications (issue 13): one scenario run with N independent seeds (seed, seed + 1, ...,
// seed + N - 1), each strategy's scores summarised as a mean and a 95 % Student-t interval over
// the runs. Deterministic for a scenario, a seed and N. Not thread-safe.
#ifndef TRACESIM_APP_REPLICATIONS_H_
#define TRACESIM_APP_REPLICATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "app/run.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/base/status.h"

namespace tracesim::app {

// One metric of one strategy over the replications.
struct ReplicatedMetric {
  std::string name;  // a RunThresholdMetricNames() entry
  // The mean and its 95 % t interval, clipped to the metric's range ([0, 1] for shares, >= 0 for
  // $); low == high when n == 1.
  double mean = 0, low = 0, high = 0;
};

struct ReplicatedStrategy {
  std::string name;
  std::vector<ReplicatedMetric> metrics;  // kReplicatedMetrics order
};

struct Replications {
  std::vector<uint64_t> seeds;
  std::vector<ReplicatedStrategy> strategies;  // samplers: order
  // The scores of each run, by run then strategy.
  std::vector<std::vector<sampling::StrategyScore>> runs;
};

// The metrics summarised, in order.
inline constexpr const char* kReplicatedMetrics[] = {
    "kept_ratio", "error_recall", "slow_p99_recall", "usd_month", "est_error_rate"};

// Runs `scenario` `n` times (n in [1, 1000]) with seeds options.seed (default: the scenario's)
// + 0 .. n - 1 and summarises the sampling scores. `first`, when not null, are the scores of the
// run with the first seed already made with `options` (not run again). The replicas write no
// files and feed no sinks or progress callback. Errors: kInvalidArgument naming --replications
// (also for a scenario without samplers), or RunScenario's.
sim::Result<Replications> RunReplications(
    const scenarios::Scenario& scenario, RunOptions options, size_t n,
    const std::vector<sampling::StrategyScore>* first = nullptr);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_REPLICATIONS_H_
