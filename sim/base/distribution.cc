#include "sim/base/distribution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracesim::sim {
namespace {

constexpr double kZ99 = 2.3263478740408408;  // standard normal 0.99 quantile

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Acklam's inverse normal CDF, relative error < 1.2e-9.
double InverseNormal(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (p <= 0) return -1e300;
  if (p >= 1) return 1e300;
  double q, r;
  if (p < 0.02425) {
    q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) {
    q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  q = p - 0.5;
  r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

Distribution Distribution::Constant(double v) {
  Distribution d;
  d.kind_ = Kind::kConstant;
  d.a_ = v < 0 ? 0 : v;
  return d;
}

Result<Distribution> Distribution::Uniform(double lo, double hi) {
  if (!(lo >= 0)) return Status::InvalidArgument("uniform 'min' must be >= 0, got " + Num(lo));
  if (!(hi >= lo))
    return Status::InvalidArgument("uniform 'max' (" + Num(hi) + ") is below 'min' (" + Num(lo) +
                                   ")");
  Distribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = lo;
  d.b_ = hi;
  return d;
}

Result<Distribution> Distribution::Normal(double mean, double stddev) {
  if (!(mean > 0)) return Status::InvalidArgument("normal 'mean' must be > 0, got " + Num(mean));
  if (!(stddev >= 0))
    return Status::InvalidArgument("normal 'stddev' must be >= 0, got " + Num(stddev));
  Distribution d;
  d.kind_ = Kind::kNormal;
  d.a_ = mean;
  d.b_ = stddev;
  return d;
}

Result<Distribution> Distribution::Exponential(double mean) {
  if (!(mean > 0))
    return Status::InvalidArgument("exponential 'mean' must be > 0, got " + Num(mean));
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean;
  return d;
}

Result<Distribution> Distribution::LogNormal(double median, double p99) {
  if (!(median > 0))
    return Status::InvalidArgument("lognormal 'median' must be > 0, got " + Num(median));
  if (!(p99 > median)) {
    return Status::InvalidArgument("lognormal 'p99' (" + Num(p99) + ") must be above 'median' (" +
                                   Num(median) + ")");
  }
  Distribution d;
  d.kind_ = Kind::kLogNormal;
  d.a_ = std::log(median);
  d.b_ = (std::log(p99) - d.a_) / kZ99;
  return d;
}

Result<Distribution> Distribution::Empirical(std::vector<std::pair<double, double>> points,
                                             double min) {
  if (points.empty())
    return Status::InvalidArgument("empirical distribution needs at least one percentile");
  double prev_q = 0, prev_v = 0;
  for (auto& [q, v] : points) {
    if (!(q > prev_q && q < 1)) {
      return Status::InvalidArgument(
          "empirical percentiles must increase strictly within (0, 1), got " + Num(q));
    }
    if (!(v > 0)) return Status::InvalidArgument("empirical values must be > 0, got " + Num(v));
    if (v < prev_v) {
      return Status::InvalidArgument("empirical value " + Num(v) + " at p" + Num(q * 100) +
                                     " is below the value at a lower percentile (" + Num(prev_v) +
                                     ")");
    }
    prev_q = q;
    prev_v = v;
  }
  if (min < 0) min = points.front().second / 2;
  if (min > points.front().second) {
    return Status::InvalidArgument("empirical 'min' (" + Num(min) +
                                   ") is above the first percentile value");
  }
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  d.points_.reserve(points.size() + 1);
  d.points_.emplace_back(0.0, min);
  for (auto& p : points) d.points_.push_back(p);
  return d;
}

Result<Distribution> Distribution::Poisson(double mean) {
  if (!(mean >= 0) || mean > 1e6)
    return Status::InvalidArgument("poisson 'mean' must be in [0, 1e6], got " + Num(mean));
  Distribution d;
  d.kind_ = Kind::kPoisson;
  d.a_ = mean;
  return d;
}

double Distribution::Quantile(double u) const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_ + (b_ - a_) * u;
    case Kind::kNormal:
      return std::max(0.0, a_ + b_ * InverseNormal(u));
    case Kind::kExponential:
      return -a_ * std::log1p(-u);
    case Kind::kLogNormal:
      return std::exp(a_ + b_ * InverseNormal(u));
    case Kind::kEmpirical: {
      const auto& p = points_;
      size_t i = 1;
      while (i < p.size() && p[i].first <= u) ++i;
      if (i == p.size()) {
        // Exponential tail: log(value) grows linearly in -log(1-q), with the last segment's slope.
        const auto& [q1, v1] = p[p.size() - 1];
        if (p.size() == 2) return v1 * (1 + (-std::log1p(-u) + std::log1p(-q1)));
        const auto& [q0, v0] = p[p.size() - 2];
        double x0 = -std::log1p(-q0), x1 = -std::log1p(-q1), x = -std::log1p(-u);
        double slope = q0 == 0 || v0 <= 0 ? 1.0 / x1 : (std::log(v1) - std::log(v0)) / (x1 - x0);
        return v1 * std::exp(slope * (x - x1));
      }
      const auto& [q0, v0] = p[i - 1];
      const auto& [q1, v1] = p[i];
      double t = (u - q0) / (q1 - q0);
      if (i == 1 || v0 <= 0) return v0 + (v1 - v0) * t;  // linear from the minimum
      return std::exp(std::log(v0) + (std::log(v1) - std::log(v0)) * t);
    }
    case Kind::kPoisson: {
      // Inverse CDF by summation (fine for the small means used for call counts).
      double pmf = std::exp(-a_), cdf = pmf;
      uint32_t k = 0;
      while (cdf < u && k < 10'000'000) {
        ++k;
        pmf *= a_ / k;
        cdf += pmf;
        if (pmf == 0) break;
      }
      return k;
    }
  }
  return 0;
}

double Distribution::Sample(Rng& rng) const noexcept {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_ + (b_ - a_) * rng.Uniform();
    case Kind::kNormal:
      return std::max(0.0, a_ + b_ * rng.Normal());
    case Kind::kExponential:
      return rng.Exponential(a_);
    case Kind::kLogNormal:
      return std::exp(a_ + b_ * rng.Normal());
    case Kind::kEmpirical:
      return Quantile(rng.Uniform());
    case Kind::kPoisson: {
      if (a_ < 30) {  // Knuth
        double l = std::exp(-a_), p = 1;
        uint32_t k = 0;
        do {
          ++k;
          p *= rng.Uniform();
        } while (p > l);
        return k - 1;
      }
      return std::max(0.0, std::round(a_ + std::sqrt(a_) * rng.Normal()));
    }
  }
  return 0;
}

uint32_t Distribution::SampleCount(Rng& rng) const noexcept {
  double v = Sample(rng);
  if (v <= 0) return 0;
  if (v > 1e6) return 1000000;
  return static_cast<uint32_t>(v + 0.5);
}

double Distribution::Mean() const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return (a_ + b_) / 2;
    case Kind::kNormal:
    case Kind::kExponential:
    case Kind::kPoisson:
      return a_;  // normal: ignores the clamp at 0, negligible for mean >> stddev
    case Kind::kLogNormal:
      return std::exp(a_ + b_ * b_ / 2);
    case Kind::kEmpirical: {
      // Midpoint rule over the quantile function.
      constexpr int kN = 100000;
      double sum = 0;
      for (int i = 0; i < kN; ++i) sum += Quantile((i + 0.5) / kN);
      return sum / kN;
    }
  }
  return 0;
}

Distribution Distribution::Scaled(double k) const {
  Distribution d = *this;
  if (k < 0) k = 0;
  switch (kind_) {
    case Kind::kConstant:
    case Kind::kExponential:
    case Kind::kPoisson:
      d.a_ *= k;
      break;
    case Kind::kUniform:
    case Kind::kNormal:
      d.a_ *= k;
      d.b_ *= k;
      break;
    case Kind::kLogNormal:
      if (k == 0) return Constant(0);
      d.a_ += std::log(k);
      break;
    case Kind::kEmpirical:
      for (auto& p : d.points_) p.second *= k;
      break;
  }
  return d;
}

std::string Distribution::Describe(bool nanos) const {
  auto f = [&](double v) {
    return nanos ? FormatDuration(Duration::Nanos(static_cast<int64_t>(std::llround(v)))) : Num(v);
  };
  switch (kind_) {
    case Kind::kConstant:
      return "constant(" + f(a_) + ")";
    case Kind::kUniform:
      return "uniform(" + f(a_) + ", " + f(b_) + ")";
    case Kind::kNormal:
      return "normal(mean=" + f(a_) + ", stddev=" + f(b_) + ")";
    case Kind::kExponential:
      return "exponential(mean=" + f(a_) + ")";
    case Kind::kLogNormal:
      return "lognormal(median=" + f(std::exp(a_)) + ", p99=" + f(std::exp(a_ + b_ * kZ99)) + ")";
    case Kind::kEmpirical: {
      std::string s = "empirical(";
      for (size_t i = 1; i < points_.size(); ++i) {
        if (i > 1) s += ", ";
        s += "p" + Num(points_[i].first * 100) + "=" + f(points_[i].second);
      }
      return s + ")";
    }
    case Kind::kPoisson:
      return "poisson(mean=" + Num(a_) + ")";
  }
  return "?";
}

}  // namespace tracesim::sim
