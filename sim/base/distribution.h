// Distribution: the latency and count distributions users know, sampled from an Rng.
//
// Values are plain doubles in the caller's unit (nanoseconds for durations, a count for repeated
// calls). Built once by a loader and read-only afterwards; Sample() is noexcept and allocation
// free. Kinds and parameters:
//   constant(v)              always v
//   uniform(lo, hi)          uniform on [lo, hi]
//   normal(mean, stddev)     Gaussian, clamped at 0
//   exponential(mean)        memoryless, the service time of an M/M/c queue
//   lognormal(median, p99)   the usual shape of service latency; mu = ln(median),
//                            sigma = ln(p99/median) / z(0.99)
//   empirical(quantiles)     piecewise interpolation through (q, value) points such as
//                            p50/p90/p99/p999; log-linear between points, an exponential tail
//                            past the last point, linear down to the minimum below the first
//   poisson(mean)            integer counts (for repeated calls)
#ifndef TRACESIM_SIM_DISTRIBUTION_H_
#define TRACESIM_SIM_DISTRIBUTION_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/rng.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::sim {

class Distribution {
 public:
  // NOTE: printed in reports and docs; do not renumber.
  enum class Kind : uint8_t {
    kConstant = 0,
    kUniform = 1,
    kNormal = 2,
    kExponential = 3,
    kLogNormal = 4,
    kEmpirical = 5,
    kPoisson = 6,
  };

  // Default: constant 0.
  Distribution() = default;

  static Distribution Constant(double v);
  // REQUIRES (checked, error names the parameter): 0 <= lo <= hi.
  static Result<Distribution> Uniform(double lo, double hi);
  static Result<Distribution> Normal(double mean, double stddev);
  static Result<Distribution> Exponential(double mean);
  // REQUIRES: 0 < median < p99.
  static Result<Distribution> LogNormal(double median, double p99);
  // `points` are (quantile in [0,1), value) pairs, e.g. {{0.5, 2e6}, {0.99, 9e6}}. At least one
  // point; quantiles strictly increasing in (0, 1); values non-decreasing and > 0. `min` (the value
  // at quantile 0) defaults to half the first value.
  static Result<Distribution> Empirical(std::vector<std::pair<double, double>> points,
                                        double min = -1);
  static Result<Distribution> Poisson(double mean);

  // A draw, >= 0.
  double Sample(Rng& rng) const noexcept;
  // A duration draw (value in nanoseconds, rounded).
  Duration SampleDuration(Rng& rng) const noexcept {
    return Duration::Nanos(static_cast<int64_t>(Sample(rng) + 0.5));
  }
  // A count draw (rounded to the nearest integer, >= 0).
  uint32_t SampleCount(Rng& rng) const noexcept;

  // The analytic mean (numeric for empirical). Used by validation and analytic tests.
  double Mean() const;
  // The analytic quantile q in [0, 1) (inverse CDF; numeric for normal and poisson).
  double Quantile(double q) const;

  Kind kind() const { return kind_; }
  bool IsZero() const { return kind_ == Kind::kConstant && a_ == 0; }
  // Multiplies every value by k (k >= 0): for latency multipliers and unit conversion.
  Distribution Scaled(double k) const;
  // Human-readable echo, e.g. "lognormal(median=2ms, p99=9ms)" when `nanos` is true.
  std::string Describe(bool nanos = true) const;

 private:
  Kind kind_ = Kind::kConstant;
  double a_ = 0, b_ = 0;  // parameters, see the kinds above (lognormal: mu, sigma)
  std::vector<std::pair<double, double>> points_;  // empirical (q, value), with (0, min) first
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_DISTRIBUTION_H_
