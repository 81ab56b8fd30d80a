#include "workloads/workload_spec.h"

#include <charconv>
#include <cmath>

#include "workloads/rate_function.h"

namespace tracesim::workloads {

namespace {

std::string Num(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string Dur(sim::Duration d) { return sim::FormatDuration(d); }

class Checker {
 public:
  explicit Checker(std::vector<SpecProblem>* out) : out_(out) {}

  void Add(std::string path, std::string message) {
    out_->push_back({std::move(path), std::move(message)});
  }
  // x > 0 and finite.
  void Positive(const std::string& path, double x) {
    if (!(x > 0) || !std::isfinite(x)) Add(path, "must be > 0, got " + Num(x));
  }
  // x >= 0 and finite.
  void NonNegative(const std::string& path, double x) {
    if (!(x >= 0) || !std::isfinite(x)) Add(path, "must be >= 0, got " + Num(x));
  }
  void Positive(const std::string& path, sim::Duration d) {
    if (d.nanos() <= 0) Add(path, "must be > 0, got " + Dur(d));
  }
  void NonNegative(const std::string& path, sim::Time t) {
    if (t.nanos() < 0) Add(path, "must be >= 0, got " + Dur(t - sim::Time::Zero()));
  }

 private:
  std::vector<SpecProblem>* out_;
};

void CheckShape(const RateShape& s, Checker& c) {
  switch (s.kind) {
    case ShapeKind::kConstant:
      c.Positive("rate", s.rate);
      break;
    case ShapeKind::kRamp:
      c.NonNegative("ramp.from", s.from);
      c.NonNegative("ramp.to", s.to);
      if (s.from == 0 && s.to == 0) c.Add("ramp", "from and to are both 0: no traffic");
      c.Positive("ramp.over", s.over);
      break;
    case ShapeKind::kSteps: {
      if (s.epochs.empty()) {
        c.Add("steps.epochs", "must list at least one epoch");
        break;
      }
      bool any = false;
      for (size_t i = 0; i < s.epochs.size(); ++i) {
        const std::string p = "steps.epochs[" + std::to_string(i) + "]";
        c.Positive(p + ".duration", s.epochs[i].duration);
        c.NonNegative(p + ".rate", s.epochs[i].rate);
        any = any || s.epochs[i].rate > 0;
      }
      if (!any) c.Add("steps.epochs", "every rate is 0: no traffic");
      break;
    }
    case ShapeKind::kDiurnal:
      c.Positive("diurnal.mean", s.rate);
      if (!(s.amplitude >= 0 && s.amplitude <= 1)) {
        c.Add("diurnal.amplitude",
              "must be in [0, 1] (a fraction of the mean), got " + Num(s.amplitude));
      }
      c.Positive("diurnal.period", s.period);
      break;
    case ShapeKind::kBursts:
      c.Positive("bursts.rate", s.rate);
      c.NonNegative("bursts.factor", s.factor);
      c.Positive("bursts.length", s.length);
      if (s.at.empty()) {
        if (s.every <= s.length) {
          c.Add("bursts.every", "must be > length (" + Dur(s.length) + "), got " + Dur(s.every));
        }
      } else {
        for (size_t i = 0; i < s.at.size(); ++i)
          c.NonNegative("bursts.at[" + std::to_string(i) + "]", s.at[i]);
      }
      break;
    default:
      c.Add("shape", "unknown shape kind " + std::to_string(static_cast<int>(s.kind)));
  }
}

}  // namespace

std::string_view ShapeKindName(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::kConstant:
      return "constant";
    case ShapeKind::kRamp:
      return "ramp";
    case ShapeKind::kSteps:
      return "steps";
    case ShapeKind::kDiurnal:
      return "diurnal";
    case ShapeKind::kBursts:
      return "bursts";
  }
  return "unknown";
}

std::string_view ArrivalProcessName(ArrivalProcess kind) {
  switch (kind) {
    case ArrivalProcess::kPoisson:
      return "poisson";
    case ArrivalProcess::kUniform:
      return "uniform";
  }
  return "unknown";
}

std::vector<SpecProblem> WorkloadSpec::Problems() const {
  std::vector<SpecProblem> out;
  Checker c(&out);
  CheckShape(shape, c);
  for (size_t i = 0; i < surges.size(); ++i) {
    const Surge& s = surges[i];
    const std::string p = "surges[" + std::to_string(i) + "]";
    c.NonNegative(p + ".start", s.start);
    if (s.end <= s.start) {
      c.Add(p + ".end", "must be after start (" + Dur(s.start - sim::Time::Zero()) + "), got " +
                            Dur(s.end - sim::Time::Zero()));
    }
    c.NonNegative(p + ".factor", s.factor);
  }
  if (process != ArrivalProcess::kPoisson && process != ArrivalProcess::kUniform) {
    c.Add("process", "unknown arrival process " + std::to_string(static_cast<int>(process)));
  }
  if (mix.empty()) c.Add("mix", "must list at least one entry operation");
  for (size_t i = 0; i < mix.size(); ++i) {
    const std::string p = "mix[" + std::to_string(i) + "]";
    if (mix[i].operation.empty()) c.Add(p + ".operation", "must name \"service.operation\"");
    c.Positive(p + ".weight", mix[i].weight);
  }
  return out;
}

sim::Status WorkloadSpec::Validate() const {
  std::vector<SpecProblem> problems = Problems();
  if (problems.empty()) return sim::Status::Ok();
  std::string msg;
  for (const SpecProblem& p : problems) {
    if (!msg.empty()) msg += "; ";
    msg += "workload." + p.path + ": " + p.message;
  }
  return sim::Status::InvalidArgument(std::move(msg));
}

double WorkloadSpec::BaseRate() const {
  switch (shape.kind) {
    case ShapeKind::kConstant:
    case ShapeKind::kDiurnal:
    case ShapeKind::kBursts:
      return shape.rate;
    case ShapeKind::kRamp:
      return shape.to > 0 ? shape.to : shape.from;
    case ShapeKind::kSteps: {
      double total = 0, mass = 0;
      for (const Epoch& e : shape.epochs) {
        total += e.duration.seconds();
        mass += e.duration.seconds() * e.rate;
      }
      return total > 0 ? mass / total : 0;
    }
  }
  return 0;
}

WorkloadSpec WorkloadSpec::WithBaseRate(double base_rate) const {
  WorkloadSpec out = *this;
  const double base = BaseRate();
  if (!(base > 0) || !std::isfinite(base)) {
    out.shape = RateShape();
    out.shape.kind = ShapeKind::kConstant;
    out.shape.rate = base_rate;
    return out;
  }
  const double k = base_rate / base;
  out.shape.rate *= k;
  out.shape.from *= k;
  out.shape.to *= k;
  for (Epoch& e : out.shape.epochs) e.rate *= k;
  return out;
}

double WorkloadSpec::RateAt(sim::Time t) const { return RateFunction(*this).RateAt(t.seconds()); }

double WorkloadSpec::ExpectedArrivals(sim::Duration duration) const {
  if (duration.nanos() <= 0) return 0;
  return RateFunction(*this).Integral(0, duration.seconds());
}

double WorkloadSpec::MeanRate(sim::Duration duration) const {
  if (duration.nanos() <= 0) return 0;
  return ExpectedArrivals(duration) / duration.seconds();
}

}  // namespace tracesim::workloads
