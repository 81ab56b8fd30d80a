// FindMax: `tracesim load --find-max`, the capacity search. "How much can my collector take?"
//
// It runs `tracesim load` steps (each a whole RunLoad: its own warm-up, transport, target
// baseline, drain) at rising rates: the start rate, then x `factor` while every criterion holds;
// after the first step that breaks one, it bisects between the highest passing rate and the
// lowest failing one until they are within `precision` of each other or `max_steps` steps have
// run. The answer is the highest rate whose step passed, with every step's evidence.
//
// Criteria are thresholds (loadgen/target/threshold.h) evaluated on each step's report: the user's
// --threshold list, or by default DefaultCriteria(). Each step holds its rate for
// `step_duration`; rates are measured over its steady window (doc/load.md "Rates"), latency and
// losses over the whole step. Unless --arrivals says otherwise, arrivals are uniform, so a step's
// achieved rate is exact and only the system under test decides.
//
// Thread-safety: as RunLoad.
#ifndef TRACESIM_APP_LOAD_FIND_MAX_H_
#define TRACESIM_APP_LOAD_FIND_MAX_H_

#include <functional>
#include <string>
#include <vector>

#include "app/load/load.h"
#include "loadgen/target/threshold.h"
#include "reports/html/html_report.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::app {

struct FindMaxOptions {
  // Every step's options; its `rates` must hold only a start `rate` (no ramp or steps), its
  // duration and max_traces are replaced by the step's. Default: LoadOptions' defaults.
  LoadOptions load;
  // Each step's arrival window, > 0. Default: 10s.
  sim::Duration step_duration = sim::Duration::Seconds(10);
  // Steps in all, in [1, 100]. Default: 8.
  uint32_t max_steps = 8;
  // Growth per step before the first failure, in (1, 100]. Default: 2.
  double factor = 2;
  // Bisection stops when (lowest failing - highest passing) / highest passing <= precision,
  // in (0, 1]. Default: 0.1.
  double precision = 0.1;
  // Pass/fail rules of a step. Default: empty, which means DefaultCriteria(load.target).
  std::vector<loadgen::Threshold> criteria;

  // Errors (InvalidArgument) name the flag: --rate missing or not a plain rate, --ramp/--steps
  // given, --step-duration, --max-steps, --step-factor, --precision out of range.
  sim::Status Validate() const;
};

// accepted_ratio>=0.999, achieved_ratio>=0.95 (the generator kept up: spans per trace vary even
// with uniform arrivals), export_p99_ms<500; with a target also
// collector_refused_ratio<0.001 and collector_dropped_ratio<0.001.
std::vector<loadgen::Threshold> DefaultCriteria(const loadgen::TargetOptions& target);

struct FindMaxStep {
  uint32_t index = 0;  // 1-based
  double rate = 0;     // in the --rate unit
  std::string phase;   // "grow" or "bisect"
  bool passed = false;
  std::vector<loadgen::ThresholdOutcome> criteria;
  loadgen::LoadReport report;
};

struct FindMaxResult {
  LoadStart start;  // of the first step
  std::vector<loadgen::Threshold> criteria;
  std::string unit;                // "spans/s" or "traces/s"
  double max_rate = 0;             // the highest passing step's rate; 0 when none passed
  double lowest_failing_rate = 0;  // 0 when no step failed (the search ran out of steps)
  bool interrupted = false;
  std::vector<FindMaxStep> steps;

  bool found() const { return max_rate > 0; }
  // The evidence table, one row per step (text, fixed columns).
  std::string ToTable() const;
  // tracesim.load.find_max/v1 (doc/load.md "Capacity search").
  std::string ToJson() const;
};

struct FindMaxCallbacks {
  std::function<void(const LoadStart&)> on_start;                // before the first step
  std::function<void(const FindMaxStep& about_to_run)> on_step;  // rate, phase, index set
  std::function<void(const FindMaxStep& done)> on_step_done;
  std::function<void(const loadgen::SecondStats&)> on_second;
};

// Runs the search. Errors: invalid options, or a step that could not run (RunLoad's errors).
sim::Result<FindMaxResult> FindMax(const scenarios::Scenario& scenario,
                                   const FindMaxOptions& options,
                                   const FindMaxCallbacks& callbacks = {});

// The search as the HTML report draws it (reports::RenderFindMaxHtmlReport).
reports::CapacitySearchView CapacityView(const FindMaxResult& result);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_LOAD_FIND_MAX_H_
