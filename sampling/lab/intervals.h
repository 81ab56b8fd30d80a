// Confidence intervals for the lab's fractions (issue 13): the Wilson score interval for a
// binomial proportion (recalls, kept fractions), which stays inside [0, 1] and is honest for rare
// events and for 0 or n successes, unlike the normal approximation. Pure functions.
#ifndef TRACESIM_SAMPLING_LAB_INTERVALS_H_
#define TRACESIM_SAMPLING_LAB_INTERVALS_H_

#include <cstdint>

namespace tracesim::sampling {

struct Interval {
  double low = 0, high = 0;
};

// z for a two-sided 95 % interval.
inline constexpr double kZ95 = 1.959963984540054;

// The Wilson score interval of k successes in n trials at `z`; {0, 1} when n == 0.
// REQUIRES: k <= n.
Interval Wilson(uint64_t k, uint64_t n, double z = kZ95);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_INTERVALS_H_
