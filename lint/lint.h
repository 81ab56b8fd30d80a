// Lint: checks a scenario's sampling configs against the traffic the scenario produces. A lint
// run simulates the scenario with the sampling lab and an EvidenceSink, then runs every rule
// (rules.h) over the configs, the evidence and the lab's scores. `tracesim lint` prints the
// findings; `run` and `validate` print the same ones (doc/lint.md). Deterministic for a scenario,
// seed and duration; not thread-safe (one call per thread).
#ifndef TRACESIM_LINT_LINT_H_
#define TRACESIM_LINT_LINT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lint/evidence.h"
#include "lint/finding.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::lint {

struct LintOptions {
  // Arrival window of the evidence run, > 0. Default: the scenario's.
  std::optional<sim::Duration> duration;
  // Seed of the evidence run. Default: the scenario's.
  std::optional<uint64_t> seed;
  sim::Status Validate() const;
};

struct LintReport {
  std::vector<Finding> findings;  // sorted (SortFindings)
  TrafficEvidence evidence;
  std::vector<sampling::StrategyScore> scores;  // the lab's, in samplers: order
};

// The sink a run adds (RunOptions::sinks) to collect the evidence, for a run starting at
// `start_unix_nanos`; spans are sized only when a rule needs bytes.
std::unique_ptr<EvidenceSink> MakeEvidenceSink(const scenarios::Scenario& scenario,
                                               int64_t start_unix_nanos);

// Every rule over the scenario's samplers, the evidence and the scores (samplers: order, or
// empty). Sorted findings; none for a scenario without samplers.
std::vector<Finding> Check(const scenarios::Scenario& scenario, const TrafficEvidence& evidence,
                           const std::vector<sampling::StrategyScore>& scores);

// Simulates the scenario (app::RunScenario with the evidence sink) and runs Check. Errors: bad
// options (kInvalidArgument, naming the flag) or the run's errors.
sim::Result<LintReport> LintScenario(const scenarios::Scenario& scenario,
                                     const LintOptions& options);

}  // namespace tracesim::lint

#endif  // TRACESIM_LINT_LINT_H_
