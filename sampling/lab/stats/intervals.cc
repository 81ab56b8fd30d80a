#include "sampling/lab/stats/intervals.h"

#include <algorithm>
#include <cmath>
#include <iterator>

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

double StudentT95(size_t df) {
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return 0;
  if (df <= std::size(kT)) return kT[df - 1];
  if (df <= 60) return 2.000;
  if (df <= 120) return 1.980;
  return 1.960;
}

double THalfWidth95(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double n = static_cast<double>(v.size());
  return StudentT95(v.size() - 1) * std::sqrt(ss / (n - 1)) / std::sqrt(n);
}

}  // namespace tracesim::sampling
