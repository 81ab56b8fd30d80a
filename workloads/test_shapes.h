// Rate shapes for the workloads tests: one place builds each kind of RateShape.
#ifndef TRACESIM_WORKLOADS_TEST_SHAPES_H_
#define TRACESIM_WORKLOADS_TEST_SHAPES_H_

#include <utility>
#include <vector>

#include "workloads/workload_spec.h"

namespace tracesim::workloads::testing {

using sim::Duration;

inline RateShape Constant(double rate) {
  RateShape s;
  s.rate = rate;
  return s;
}

inline RateShape Ramp(double from, double to, Duration over) {
  RateShape s;
  s.kind = ShapeKind::kRamp;
  s.from = from;
  s.to = to;
  s.over = over;
  return s;
}

inline RateShape Steps(std::vector<Epoch> epochs, bool repeat) {
  RateShape s;
  s.kind = ShapeKind::kSteps;
  s.epochs = std::move(epochs);
  s.repeat = repeat;
  return s;
}

inline RateShape Diurnal(double mean, double amplitude, Duration period, Duration phase = {}) {
  RateShape s;
  s.kind = ShapeKind::kDiurnal;
  s.rate = mean;
  s.amplitude = amplitude;
  s.period = period;
  s.phase = phase;
  return s;
}

inline RateShape Bursts(double rate, double factor, Duration length, Duration every) {
  RateShape s;
  s.kind = ShapeKind::kBursts;
  s.rate = rate;
  s.factor = factor;
  s.length = length;
  s.every = every;
  return s;
}

}  // namespace tracesim::workloads::testing

#endif  // TRACESIM_WORKLOADS_TEST_SHAPES_H_
