// WorkloadSpec: what traffic enters the simulated system, as plain data.
//
// A spec is a rate shape (requests/s as a function of simulated time), optional surge windows
// layered on it, an arrival process (Poisson or evenly spaced) and a weighted mix of entry
// operations named "service.operation". scenarios/ fills it from YAML (doc/scenario.md);
// Workload (workload.h) turns it into arrivals. Plain aggregate, thread-compatible.
#ifndef TRACESIM_WORKLOADS_WORKLOAD_SPEC_H_
#define TRACESIM_WORKLOADS_WORKLOAD_SPEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::workloads {

// NOTE: printed in messages and docs; do not renumber.
enum class ShapeKind : uint8_t {
  kConstant = 0,  // `rate` forever
  kRamp = 1,      // linear `from` -> `to` over `over`, then `to` forever
  kSteps = 2,     // piecewise-constant `epochs`; after the last one it holds, or `repeat`s
  kDiurnal = 3,   // rate * (1 + amplitude * sin(2*pi*(t + phase) / period))
  kBursts = 4,    // `rate`, times `factor` inside bursts of `length` (every `every`, or `at`)
};

// NOTE: printed in messages and docs; do not renumber.
enum class ArrivalProcess : uint8_t {
  kPoisson = 0,  // non-homogeneous Poisson: independent arrivals, mean = integral of the rate
  kUniform = 1,  // deterministic: the k-th arrival where the rate's integral reaches k - 1/2
};

std::string_view ShapeKindName(ShapeKind kind);            // "constant", "ramp", ...
std::string_view ArrivalProcessName(ArrivalProcess kind);  // "poisson", "uniform"

// One piecewise-constant epoch of a kSteps shape.
struct Epoch {
  sim::Duration duration;  // REQUIRES: > 0. Default: 0 (invalid; set it).
  double rate = 0;         // requests/s, >= 0. Default: 0.
};

// The base shape of the arrival rate. Which fields apply depends on `kind`; the others are
// ignored (and kept, so a spec round-trips).
struct RateShape {
  ShapeKind kind = ShapeKind::kConstant;  // Default: kConstant.
  // kConstant: the rate. kDiurnal: the mean rate. kBursts: the rate outside bursts. Requests/s,
  // > 0. Default: 10.
  double rate = 10;

  // kRamp: the rate goes linearly from `from` to `to` during [0, over), then holds `to`.
  double from = 0;                                  // >= 0. Default: 0.
  double to = 0;                                    // >= 0, from + to > 0. Default: 0.
  sim::Duration over = sim::Duration::Seconds(60);  // > 0. Default: 60s.

  // kSteps: epochs back to back from t = 0.
  std::vector<Epoch> epochs;  // non-empty, at least one rate > 0. Default: empty (invalid).
  bool repeat = false;        // false: the last epoch holds forever; true: cycle. Default: false.

  // kDiurnal: amplitude is a fraction of the mean in [0, 1]; the rate starts at the mean, rising,
  // peaks at period/4 - phase.
  double amplitude = 0.5;                                // Default: 0.5.
  sim::Duration period = sim::Duration::Seconds(86400);  // > 0. Default: 24h.
  sim::Duration phase;                                   // Default: 0s.

  // kBursts: bursts [s, s + length) at s = k * every (k >= 1), or at each time in `at` when it
  // is non-empty (then `every` is ignored). Overlapping bursts do not stack.
  double factor = 2;                                 // >= 0. Default: 2.
  sim::Duration length = sim::Duration::Seconds(1);  // > 0. Default: 1s.
  sim::Duration every = sim::Duration::Seconds(60);  // > length (periodic). Default: 60s.
  std::vector<sim::Time> at;                         // >= 0. Default: empty (periodic).
};

// A window [start, end) during which the rate is multiplied by `factor` ("x10 traffic from 20s
// to 30s"). Layered on any shape; overlapping surges multiply. Traffic faults reuse this.
struct Surge {
  sim::Time start;    // >= 0. Default: 0.
  sim::Time end;      // > start. Default: 0 (invalid; set it).
  double factor = 1;  // >= 0 (0 silences traffic). Default: 1.
};

// One entry operation of the mix, chosen with probability weight / sum(weights).
struct MixEntry {
  std::string operation;  // "service.operation" (Model::FindOperationRef). Default: empty.
  double weight = 1;      // > 0. Default: 1.
};

// One thing wrong with a spec: a key path relative to the workload ("mix[2].weight",
// "steps.epochs[0].duration") and what is wrong with it ("must be > 0, got -5").
struct SpecProblem {
  std::string path;
  std::string message;
};

struct WorkloadSpec {
  RateShape shape;                                    // Default: constant 10/s.
  std::vector<Surge> surges;                          // Default: none.
  ArrivalProcess process = ArrivalProcess::kPoisson;  // Default: kPoisson.
  std::vector<MixEntry> mix;                          // non-empty. Default: empty (invalid).

  // Every problem, in field order; empty when the spec is valid. Does not resolve operation
  // names (that needs a Model; see Workload::Create).
  std::vector<SpecProblem> Problems() const;
  // OK, or InvalidArgument listing every problem as "path: message; path: message".
  sim::Status Validate() const;

  // The level the shape is written around, which the CLI's --rate sets:
  //   constant: rate; ramp: to (from, if to is 0); steps: the time-weighted mean rate of one
  //   pass over the epochs; diurnal: the mean; bursts: the rate outside bursts.
  // Surges are not part of it.
  double BaseRate() const;
  // A copy with every rate of the shape multiplied by base_rate / BaseRate(), so BaseRate()
  // becomes `base_rate` and the form (ramp ratio, steps profile, amplitude, burst factor,
  // surges) is kept. If BaseRate() is 0 the shape becomes constant `base_rate`.
  // REQUIRES: base_rate > 0 (otherwise the copy fails Validate()).
  WorkloadSpec WithBaseRate(double base_rate) const;

  // Requests/s at `t`, surges included. REQUIRES: Validate().ok(). Rebuilds the rate function on
  // every call (allocates): in loops use Workload::RateAt or RateFunction.
  double RateAt(sim::Time t) const;
  // Expected arrivals per second over [0, duration): the integral of RateAt / duration.
  // REQUIRES: duration > 0.
  double MeanRate(sim::Duration duration) const;
  // Expected number of arrivals in [0, duration): the integral of RateAt.
  double ExpectedArrivals(sim::Duration duration) const;
};

}  // namespace tracesim::workloads

#endif  // TRACESIM_WORKLOADS_WORKLOAD_SPEC_H_
