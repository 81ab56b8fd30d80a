#include "workloads/rate_function.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tracesim::workloads {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTwoPi = 6.283185307179586;

double Secs(sim::Duration d) { return d.seconds(); }
double Secs(sim::Time t) { return t.seconds(); }

// Smallest candidate strictly after `a`, folded into `best`.
void Consider(double candidate, double a, double* best) {
  if (candidate > a && candidate < *best) *best = candidate;
}

}  // namespace

double Segment::RateAt(double t) const {
  if (sinusoid) return factor * c * (1 + amplitude * std::sin(omega * (t + phase)));
  return factor * (c + slope * (t - a));
}

double Segment::Integral(double s) const {
  if (s <= 0) return 0;
  if (sinusoid) {
    // cos(x) - cos(x + w s) = 2 sin(x + w s / 2) sin(w s / 2): no cancellation for small s.
    const double x = omega * (a + phase);
    const double h = omega * s / 2;
    return factor * c * (s + amplitude / omega * 2 * std::sin(x + h) * std::sin(h));
  }
  return factor * (c * s + slope * s * s / 2);
}

double Segment::Invert(double mass, double hint) const {
  const double len = b - a;
  if (mass <= 0) return 0;
  if (!sinusoid) {
    const double m = mass / factor;
    double s;
    if (slope == 0) {
      s = m / c;
    } else {
      // c s + slope s^2 / 2 = m, the root near 0, in the form that avoids cancellation.
      const double disc = std::max(0.0, c * c + 2 * slope * m);
      const double den = c + std::sqrt(disc);
      s = den > 0 ? 2 * m / den : std::sqrt(2 * m / slope);
    }
    return std::clamp(s, 0.0, len);
  }
  // Safeguarded Newton on F(s) = Integral(s) - mass, F' = rate >= 0, bracket [lo, hi].
  // Segments span at most an eighth of a period, so F is nearly linear and a few steps do.
  double lo = 0, hi = len;
  double s = hint >= 0 ? std::min(hint, len) : std::min(len, mass / (factor * c));
  const double tol = 1e-13 * (1 + std::abs(a) + len);
  for (int i = 0; i < 100; ++i) {
    const double f = Integral(s) - mass;
    if (f == 0) return s;
    if (f > 0) {
      hi = s;
    } else {
      lo = s;
    }
    const double r = RateAt(a + s);
    double next = r > 0 ? s - f / r : (lo + hi) / 2;
    if (!(next >= lo && next <= hi)) next = (lo + hi) / 2;
    if (std::abs(next - s) <= tol || hi - lo <= tol) return std::clamp(next, 0.0, len);
    s = next;
  }
  return std::clamp(s, 0.0, len);
}

RateFunction::RateFunction(const WorkloadSpec& spec) : shape_(spec.shape) {
  over_ = Secs(shape_.over);
  period_ = Secs(shape_.period);
  phase_ = Secs(shape_.phase);
  length_ = Secs(shape_.length);
  every_ = Secs(shape_.every);
  double end = 0;
  for (const Epoch& e : shape_.epochs) {
    end += Secs(e.duration);
    epoch_ends_.push_back(end);
  }
  for (sim::Time t : shape_.at) burst_at_.push_back(Secs(t));
  std::sort(burst_at_.begin(), burst_at_.end());
  for (const Surge& s : spec.surges) surges_.push_back({Secs(s.start), Secs(s.end), s.factor});
}

bool RateFunction::InBurst(double t) const {
  if (!burst_at_.empty()) {
    // Only the latest start <= t can cover t (all bursts have the same length).
    auto it = std::upper_bound(burst_at_.begin(), burst_at_.end(), t);
    return it != burst_at_.begin() && t < *std::prev(it) + length_;
  }
  const double k = std::floor(t / every_);
  return k >= 1 && t - k * every_ < length_;
}

double RateFunction::ShapeRateAt(double t) const {
  const RateShape& s = shape_;
  switch (s.kind) {
    case ShapeKind::kConstant:
      return s.rate;
    case ShapeKind::kRamp:
      return t < over_ ? s.from + (s.to - s.from) * (t / over_) : s.to;
    case ShapeKind::kSteps: {
      if (epoch_ends_.empty()) return 0;
      const double total = epoch_ends_.back();
      double pos = t;
      if (t >= total) {
        if (!s.repeat) return s.epochs.back().rate;
        pos = t - std::floor(t / total) * total;
      }
      size_t i =
          std::upper_bound(epoch_ends_.begin(), epoch_ends_.end(), pos) - epoch_ends_.begin();
      return s.epochs[std::min(i, s.epochs.size() - 1)].rate;
    }
    case ShapeKind::kDiurnal:
      return s.rate * (1 + s.amplitude * std::sin(kTwoPi * (t + phase_) / period_));
    case ShapeKind::kBursts:
      return InBurst(t) ? s.rate * s.factor : s.rate;
  }
  return 0;
}

double RateFunction::SurgeFactorAt(double t) const {
  double f = 1;
  for (const SurgeS& s : surges_)
    if (t >= s.start && t < s.end) f *= s.factor;
  return f;
}

double RateFunction::RateAt(double t) const { return ShapeRateAt(t) * SurgeFactorAt(t); }

double RateFunction::NextBreakpoint(double a) const {
  double best = kInf;
  switch (shape_.kind) {
    case ShapeKind::kConstant:
      break;
    case ShapeKind::kDiurnal: {
      // Every eighth of a period (on the sinusoid's own grid), to keep Newton local.
      const double step = period_ / 8;
      const double k = std::floor((a + phase_) / step);
      for (double j : {k, k + 1, k + 2}) Consider(j * step - phase_, a, &best);
      break;
    }
    case ShapeKind::kRamp:
      Consider(over_, a, &best);
      break;
    case ShapeKind::kSteps: {
      if (epoch_ends_.empty()) break;
      const double total = epoch_ends_.back();
      if (!shape_.repeat) {
        auto it = std::upper_bound(epoch_ends_.begin(), epoch_ends_.end(), a);
        if (it != epoch_ends_.end()) best = *it;
        break;
      }
      // Candidates in this cycle and the next; robust to rounding of floor(a / total).
      const double k = std::floor(a / total);
      for (double cycle : {k - 1, k, k + 1}) {
        const double base = cycle * total;
        if (base + total <= a) continue;
        for (double e : epoch_ends_) Consider(base + e, a, &best);
        if (best < kInf) break;
      }
      break;
    }
    case ShapeKind::kBursts: {
      if (!burst_at_.empty()) {
        for (double s : burst_at_) {
          Consider(s, a, &best);
          Consider(s + length_, a, &best);
        }
        break;
      }
      const double k = std::floor(a / every_);
      for (double j : {k - 1, k, k + 1, k + 2}) {
        if (j < 1) continue;
        Consider(j * every_, a, &best);
        Consider(j * every_ + length_, a, &best);
      }
      break;
    }
  }
  for (const SurgeS& s : surges_) {
    Consider(s.start, a, &best);
    Consider(s.end, a, &best);
  }
  return best;
}

Segment RateFunction::SegmentAt(double a, double end) const {
  Segment seg;
  seg.a = a;
  seg.b = std::min(NextBreakpoint(a), end);
  const double mid = a + (seg.b - a) / 2;
  seg.factor = SurgeFactorAt(mid);
  const RateShape& s = shape_;
  if (s.kind == ShapeKind::kDiurnal) {
    seg.sinusoid = true;
    seg.c = s.rate;
    seg.amplitude = s.amplitude;
    seg.omega = kTwoPi / period_;
    seg.phase = phase_;
  } else if (s.kind == ShapeKind::kRamp && mid < over_) {
    seg.slope = (s.to - s.from) / over_;
    seg.c = s.from + seg.slope * a;
  } else {
    seg.c = ShapeRateAt(mid);
  }
  return seg;
}

double RateFunction::Integral(double t0, double t1) const {
  double sum = 0;
  for (double a = t0; a < t1;) {
    Segment seg = SegmentAt(a, t1);
    sum += seg.Mass();
    a = seg.b;
  }
  return sum;
}

}  // namespace tracesim::workloads
