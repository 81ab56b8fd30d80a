// Advisor: `tracesim advise` (issue 13). Searches sampling configurations for the cheapest ones
// that meet the user's targets on the scenario's simulated traffic, and says how sure it is.
//
// The search runs the simulation, never a formula. Run 1 measures the traffic (new traces per
// second, whole-trace duration percentiles: lint's TrafficEvidence) and scores the scenario's own
// samplers, if any, against the targets. Then a coarse grid per family (candidate.h: head ratios;
// tail_sampling with errors, a latency policy at a percentile of the whole-trace duration and a
// probabilistic baseline; a head ratio feeding the tail policies), up to 63 configurations per
// run: the lab scores them side by side on the same traffic (common random numbers, so
// differences between configurations are not noise between runs). Each later run refines around
// the best configurations found (pattern search: every parameter moved halfway towards its
// nearest evaluated neighbour on each side), until the run budget is spent or nothing new is
// left. decision_wait follows the traffic (the p99.9 whole-trace duration, then the refinement
// tries shorter waits) and num_traces is sized from it (peak new traces/s x (wait + 1 s) x 2).
//
// A configuration meets the targets when every target holds on the run's figures; it is "sure"
// when the 95 % Wilson interval of each recall or share target also clears the target. Ranked by
// the metric minimised, then the Collector's peak buffered bytes, then name. Deterministic for a
// scenario, seed, duration and options. Not thread-safe.
#ifndef TRACESIM_ADVISE_ADVISOR_H_
#define TRACESIM_ADVISE_ADVISOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "advise/candidate.h"
#include "lint/evidence.h"
#include "loadgen/target/threshold.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::advise {

struct AdviseOptions {
  // What a configuration must achieve: "METRIC OP NUMBER" over app::RunThresholdMetricNames()
  // ('error_recall>=0.99', 'slow_trace_p95_recall>=0.95', 'completeness>=0.99'); at least one.
  std::vector<std::string> targets;
  // The metric to minimise, one where lower is better (MinimizeNames()); "cost" is usd_month.
  // Default: usd_month.
  std::string minimize = "usd_month";
  // The families searched. Default: head, tail, head+tail.
  std::vector<Family> families = {Family::kHead, Family::kTail, Family::kHeadTail};
  // Simulation runs, in [2, 100]: the evidence run, then rounds of up to 63 configurations.
  // Default: 4.
  size_t budget = 4;
  // Configurations shown, in [1, 50]. Default: 3.
  size_t top = 3;
  // The runs' arrival window and seed. Default: the scenario's.
  std::optional<sim::Duration> duration;
  std::optional<uint64_t> seed;
  // Prices of the cost metrics. Default: the scenario's pricing:.
  std::optional<sampling::PricingOptions> pricing;

  // Ranges above; messages name the flag (--target, --minimize, --budget, --top).
  sim::Status Validate() const;
};

// The metrics --minimize accepts, in documentation order.
const std::vector<std::string>& MinimizeNames();

// "head", "tail" or "head+tail"; kInvalidArgument naming --family otherwise.
sim::Result<Family> ParseFamily(std::string_view text);

// A target's figure for one configuration.
struct TargetResult {
  std::string metric;
  double actual = 0;
  bool met = false;
  bool has_interval = false;  // recalls and shares: `count` of `of`, the 95 % Wilson interval
  uint64_t count = 0, of = 0;
  double low = 0, high = 0;
  bool sure = false;  // met, and the interval's far side clears the target too
};

struct Evaluated {
  std::string name;     // Candidate::Name(), or the scenario's strategy name
  bool yours = false;   // one of the scenario's samplers:
  Candidate candidate;  // meaningless when `yours`
  size_t run = 0;       // 1-based simulation run that scored it
  sampling::StrategyScore score;
  double objective = 0;  // the minimised metric
  std::vector<TargetResult> targets;
  bool meets = false;  // every target met
  bool sure = false;   // every target met with its interval
};

struct Advice {
  lint::TrafficEvidence evidence;
  uint64_t seed = 0;
  double duration_s = 0;
  // Whole-trace duration percentiles of the evidence run, ms: p90, p95, p99, p99.9.
  double trace_p90_ms = 0, trace_p95_ms = 0, trace_p99_ms = 0, trace_p999_ms = 0;
  std::vector<loadgen::Threshold> targets;
  std::string minimize;
  sampling::PricingOptions pricing;
  size_t runs = 0, budget = 0;
  // The scenario's own samplers (run 1), then every candidate in evaluation order.
  std::vector<Evaluated> evaluated;
  // Indices into `evaluated` of the candidates (not `yours`) that meet the targets, best first.
  std::vector<size_t> ranking;
};

// Searches `scenario` (its samplers are scored as the user's own; the candidates replace them
// for the later runs). Errors: kInvalidArgument for bad options (naming the flag) or the runs'
// errors.
sim::Result<Advice> Advise(scenarios::Scenario scenario, const AdviseOptions& options);

}  // namespace tracesim::advise

#endif  // TRACESIM_ADVISE_ADVISOR_H_
