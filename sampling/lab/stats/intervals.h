// Confidence intervals for the lab's figures (issue 13): the Wilson score interval for a binomial
// proportion (recalls, kept fractions), which stays inside [0, 1] and is honest for rare events
// and for 0 or n successes, unlike the normal approximation; the Student t quantile and a t
// interval around a mean of independent values (replications, batch means). Pure functions.
#ifndef TRACESIM_SAMPLING_LAB_STATS_INTERVALS_H_
#define TRACESIM_SAMPLING_LAB_STATS_INTERVALS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tracesim::sampling {

struct Interval {
  double low = 0, high = 0;
};

// z for a two-sided 95 % interval.
inline constexpr double kZ95 = 1.959963984540054;

// The Wilson score interval of k successes in n trials at `z`; {0, 1} when n == 0.
// REQUIRES: k <= n.
Interval Wilson(uint64_t k, uint64_t n, double z = kZ95);

// The two-sided 95 % Student t quantile for `df` degrees of freedom (>= 1; 0 for df == 0).
double StudentT95(size_t df);

// The 95 % t interval half-width of the mean of `values` (sample standard deviation / sqrt(n) x
// t(n - 1)); 0 with fewer than two values.
double THalfWidth95(const std::vector<double>& values);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_STATS_INTERVALS_H_
