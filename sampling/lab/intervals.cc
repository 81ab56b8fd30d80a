#include "sampling/lab/intervals.h"

#include <algorithm>
#include <cmath>

namespace tracesim::sampling {

Interval Wilson(uint64_t k, uint64_t n, double z) {
  if (n == 0) return {0, 1};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double center = (p + z2 / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
  Interval i{std::max(0.0, center - half), std::min(1.0, center + half)};
  if (k == 0) i.low = 0;  // exact at the bounds (rounding would leave 1e-17)
  if (k == n) i.high = 1;
  return i;
}

}  // namespace tracesim::sampling
