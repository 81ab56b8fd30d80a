// RateFunction: a WorkloadSpec's rate (shape x surges) as a sequence of simple segments.
//
// Internal to workloads/. Time is double seconds from the scenario start. Between two
// breakpoints (a ramp's end, an epoch boundary, a burst or surge edge) the rate is constant,
// linear or one sinusoid, so each Segment integrates and inverts its integral in closed form
// (Newton for the sinusoid, whose segments are at most 1/8 period long). Arrival processes advance
// by "mass" (expected arrivals): Poisson by Exp(1) draws, uniform by 1. Immutable after
// construction; thread-compatible.
#ifndef TRACESIM_WORKLOADS_RATE_FUNCTION_H_
#define TRACESIM_WORKLOADS_RATE_FUNCTION_H_

#include <vector>

#include "workloads/workload_spec.h"

namespace tracesim::workloads {

// The rate on [a, b): factor * (c + slope * (t - a)), or, when `sinusoid`,
// factor * c * (1 + amplitude * sin(omega * (t + phase))).
struct Segment {
  double a = 0, b = 0;
  double factor = 1;
  double c = 0;
  double slope = 0;
  bool sinusoid = false;
  double amplitude = 0, omega = 0, phase = 0;

  double RateAt(double t) const;
  // Integral of the rate over [a, a + s]. REQUIRES: 0 <= s <= b - a.
  double Integral(double s) const;
  double Mass() const { return Integral(b - a); }
  // The s in [0, b - a] with Integral(s) = mass. `hint`, when >= 0, is a guess of s (the
  // sinusoid's Newton iteration starts there). REQUIRES: 0 <= mass <= Mass().
  double Invert(double mass, double hint = -1) const;
};

class RateFunction {
 public:
  // REQUIRES: spec.Validate().ok() for the shape and surges (the mix is not used).
  explicit RateFunction(const WorkloadSpec& spec);

  double RateAt(double t) const;
  // The segment starting at `a` and ending at the next breakpoint after `a`, or at `end`.
  // REQUIRES: 0 <= a < end.
  Segment SegmentAt(double a, double end) const;
  // Integral of the rate over [t0, t1]. REQUIRES: 0 <= t0 <= t1.
  double Integral(double t0, double t1) const;

 private:
  double ShapeRateAt(double t) const;
  double SurgeFactorAt(double t) const;
  // First shape or surge breakpoint strictly after `a` (infinity if none).
  double NextBreakpoint(double a) const;
  bool InBurst(double t) const;

  RateShape shape_;
  double over_ = 0, period_ = 0, phase_ = 0, length_ = 0, every_ = 0;
  std::vector<double> epoch_ends_;  // cumulative end of each epoch (seconds)
  std::vector<double> burst_at_;    // sorted burst starts
  struct SurgeS {
    double start, end, factor;
  };
  std::vector<SurgeS> surges_;
};

}  // namespace tracesim::workloads

#endif  // TRACESIM_WORKLOADS_RATE_FUNCTION_H_
