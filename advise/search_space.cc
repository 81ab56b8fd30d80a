#include "advise/search_space.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace tracesim::advise {
namespace {

// Two significant digits, to the nearest: 0.0316 -> 0.032, 2.24 -> 2.2.
double Sig2(double v) {
  if (!(v > 0)) return 0;
  const double scale = std::pow(10.0, std::floor(std::log10(v)) - 1);
  return std::round(v / scale) * scale;
}

// Two significant digits, up.
uint64_t Sig2Up(double v) {
  if (!(v > 0)) return 0;
  const double scale = std::max(1.0, std::pow(10.0, std::floor(std::log10(v)) - 1));
  return static_cast<uint64_t>(std::ceil(v / scale - 1e-9) * scale);
}

constexpr double kHeadRatios[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5};
constexpr double kLatencyPcts[] = {0, 99.9, 99, 95, 90};  // 0: no latency policy
constexpr double kBaselines[] = {0, 0.1, 0.5, 1, 2, 5, 10};
constexpr double kHeadTailRatios[] = {0.1, 0.25, 0.5};
constexpr double kHeadTailLatencies[] = {99, 95};
constexpr double kHeadTailBaselines[] = {0, 1};

// One numeric parameter of a family: how to read and write it on a candidate and where its
// halfway point between two values lies.
struct Param {
  double (*get)(const Candidate&);
  void (*set)(Candidate*, double);
  // Halfway between two values (a < b), or past the edge beyond `a` when b is NaN (downwards)
  // or beyond `b` when a is NaN (upwards); NaN when there is nothing there.
  double (*between)(double a, double b);
};

// Geometric halfway for ratios and percentages; 0 stays the floor.
double Geometric(double a, double b) {
  if (std::isnan(b)) return a > 0 ? Sig2(a / 2) : NAN;  // below the smallest
  if (std::isnan(a)) return b * 2;                      // above the largest
  if (a <= 0) return Sig2(b / 2);
  return Sig2(std::sqrt(a * b));
}

// Percentiles in "nines": halfway in log(100 - p). 0 (no policy) is left alone.
double Nines(double a, double b) {
  if (std::isnan(b)) return a > 0 ? 100 - Sig2((100 - a) * 2) : NAN;  // a lower percentile
  if (std::isnan(a)) return b > 0 && b < 99.99 ? 100 - Sig2((100 - b) / 2) : NAN;
  if (a <= 0 || b <= 0) return NAN;
  return 100 - Sig2(std::sqrt((100 - a) * (100 - b)));
}

double IntegerHalf(double a, double b) {
  if (std::isnan(b)) return a - 1;
  if (std::isnan(a)) return b + 1;
  return std::floor((a + b) / 2);
}

const Param kRatio = {[](const Candidate& c) { return c.head_ratio; },
                      [](Candidate* c, double v) { c->head_ratio = v; }, Geometric};
const Param kLatency = {[](const Candidate& c) { return c.latency_pct; },
                        [](Candidate* c, double v) { c->latency_pct = v; }, Nines};
const Param kBaseline = {[](const Candidate& c) { return c.baseline_pct; },
                         [](Candidate* c, double v) { c->baseline_pct = v; }, Geometric};
const Param kWait = {[](const Candidate& c) { return static_cast<double>(c.decision_wait_s); },
                     [](Candidate* c, double v) { c->decision_wait_s = static_cast<int64_t>(v); },
                     IntegerHalf};

std::vector<const Param*> ParamsOf(Family f) {
  switch (f) {
    case Family::kHead:
      return {&kRatio};
    case Family::kTail:
      return {&kLatency, &kBaseline, &kWait};
    case Family::kHeadTail:
      return {&kRatio, &kLatency, &kBaseline, &kWait};
  }
  return {};
}

// Whether a parameter value is in range for the traffic.
bool InRange(const Candidate& c, const Traffic& t) {
  if (!(c.head_ratio > 0 && c.head_ratio <= 1)) return false;
  if (c.latency_pct != 0 && !(c.latency_pct >= 50 && c.latency_pct < 100)) return false;
  if (!(c.baseline_pct >= 0 && c.baseline_pct <= 100)) return false;
  if (c.baseline_pct > 0 && c.baseline_pct < 0.1) return false;  // below: noise in cost
  return c.family == Family::kHead || c.decision_wait_s >= t.MinWaitS();
}

}  // namespace

int64_t Traffic::LatencyMsAt(double pct) const {
  const double ms = static_cast<double>(trace_duration.Percentile(pct)) / 1e6;
  return std::max<int64_t>(1, static_cast<int64_t>(Sig2Up(ms)));
}

int64_t Traffic::MinWaitS() const {
  const double p99 = static_cast<double>(trace_duration.Percentile(99) + export_delay_ns);
  return static_cast<int64_t>(std::ceil(p99 / 1e9)) + 1;
}

int64_t Traffic::DefaultWaitS() const {
  const double p999 = static_cast<double>(trace_duration.Percentile(99.9) + export_delay_ns);
  return std::max(MinWaitS(), static_cast<int64_t>(std::ceil(p999 / 1e9)) + 1);
}

void Traffic::Size(Candidate* c) const {
  c->latency_ms = c->latency_pct > 0 ? LatencyMsAt(c->latency_pct) : 0;
  const double peak = static_cast<double>(std::max<uint64_t>(1, peak_new_traces_per_s));
  c->num_traces = Sig2Up(peak * static_cast<double>(c->decision_wait_s + 1) * 2);
  c->expected_new_traces_per_sec =
      static_cast<uint64_t>(std::max(1.0, std::ceil(mean_new_traces_per_s)));
}

std::vector<Candidate> CoarseGrid(const std::vector<Family>& families, const Traffic& traffic) {
  std::vector<Candidate> out;
  auto add = [&](Family f, double ratio, double latency, double baseline) {
    Candidate c;
    c.family = f;
    c.head_ratio = ratio;
    c.latency_pct = latency;
    c.baseline_pct = baseline;
    c.decision_wait_s = traffic.DefaultWaitS();
    traffic.Size(&c);
    out.push_back(c);
  };
  for (Family f : families) {
    if (f == Family::kHead)
      for (double r : kHeadRatios) add(f, r, 0, 0);
    if (f == Family::kTail)
      for (double l : kLatencyPcts)
        for (double b : kBaselines) add(f, 1, l, b);
    if (f == Family::kHeadTail)
      for (double r : kHeadTailRatios)
        for (double l : kHeadTailLatencies)
          for (double b : kHeadTailBaselines) add(f, r, l, b);
  }
  return out;
}

std::vector<Candidate> Refine(const std::vector<Candidate>& incumbents,
                              const std::vector<Candidate>& evaluated, const Traffic& traffic) {
  std::set<std::string> seen;
  for (const Candidate& c : evaluated) seen.insert(c.Key());
  std::vector<Candidate> out;
  for (const Candidate& inc : incumbents) {
    for (const Param* p : ParamsOf(inc.family)) {
      const double v = p->get(inc);
      // The values of this parameter evaluated in the family, sorted.
      std::set<double> ladder;
      for (const Candidate& c : evaluated)
        if (c.family == inc.family) ladder.insert(p->get(c));
      auto above = ladder.upper_bound(v);
      auto below = ladder.lower_bound(v);
      const double hi = above == ladder.end() ? NAN : *above;
      const double lo = below == ladder.begin() ? NAN : *std::prev(below);
      for (double next : {std::isnan(lo) ? p->between(v, NAN) : p->between(lo, v),
                          std::isnan(hi) ? p->between(NAN, v) : p->between(v, hi)}) {
        if (std::isnan(next) || next == v) continue;
        Candidate c = inc;
        p->set(&c, next);
        if (!InRange(c, traffic)) continue;
        traffic.Size(&c);
        if (seen.insert(c.Key()).second) out.push_back(c);
      }
    }
  }
  return out;
}

}  // namespace tracesim::advise
