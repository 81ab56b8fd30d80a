// Load plan helpers: the rate flags of `tracesim load` (--rate, --ramp, --steps) turned into a
// WorkloadSpec, and the warm-up that measures a scenario's mean spans per trace so a rate can
// be given in spans/s. Pure functions (MeasureMeanSpansPerTrace runs a short simulation).
#ifndef TRACESIM_LOADGEN_LOAD_PLAN_H_
#define TRACESIM_LOADGEN_LOAD_PLAN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/status.h"
#include "sim/model/model.h"
#include "workloads/workload_spec.h"

namespace tracesim::loadgen {

// A rate as written: "500" (traces/s) or "20000spans" (spans/s). Also accepts a "/s" suffix.
struct Rate {
  double value = 0;
  bool spans = false;
};

// Errors name the text and the flag: "--rate: '12x' is not a rate (e.g. 500 or 20000spans)".
sim::Result<Rate> ParseRate(std::string_view text, std::string_view flag = "--rate");

// What the user asked for; at most one of ramp/steps. Ramp "FROM:TO:OVER" (rates, then a
// duration: "100:1000:30s"); steps "RATE:DUR,RATE:DUR,..." ("500:10s,1000:10s"). Rates in one
// flag must share a unit (all traces/s or all spans/s).
struct RateFlags {
  std::string rate, ramp, steps;
};

struct LoadPlan {
  workloads::WorkloadSpec workload;  // in traces/s
  bool rate_in_spans = false;        // the user's unit
};

// Applies `flags` to `base` (the scenario's workload). A spans/s rate is divided by
// `mean_spans_per_trace` (REQUIRES > 0 when any rate is in spans). No flag: `base` unchanged.
sim::Result<LoadPlan> BuildLoadPlan(const workloads::WorkloadSpec& base, const RateFlags& flags,
                                    double mean_spans_per_trace);

// True when any rate flag is in spans/s (so the warm-up is needed).
bool NeedsSpansPerTrace(const RateFlags& flags);

// Mean spans per trace of `workload` on `model`, from a simulation of up to `traces` traces
// (at most 60 simulated seconds of arrivals). Error when no trace finished.
sim::Result<double> MeasureMeanSpansPerTrace(const sim::Model& model,
                                             const workloads::WorkloadSpec& workload, uint64_t seed,
                                             uint64_t traces = 2000);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_LOAD_PLAN_H_
