#include "loadgen/load_plan.h"

#include <charconv>
#include <cmath>
#include <memory>
#include <vector>

#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim::loadgen {

sim::Result<Rate> ParseRate(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return sim::Status::InvalidArgument(std::string(flag) + ": '" + std::string(text) +
                                        "' is not a rate (e.g. 500 for traces/s, 20000spans for "
                                        "spans/s)");
  };
  std::string_view t = text;
  Rate r;
  if (t.ends_with("/s")) t.remove_suffix(2);
  if (t.ends_with("spans")) {
    r.spans = true;
    t.remove_suffix(5);
  } else if (t.ends_with("traces")) {
    t.remove_suffix(6);
  }
  if (t.empty()) return bad();
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), r.value);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(r.value)) return bad();
  if (!(r.value > 0) || r.value > 1e9)
    return sim::Status::InvalidArgument(std::string(flag) + ": rate must be in (0, 1e9], got '" +
                                        std::string(text) + "'");
  return r;
}

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(
        s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

sim::Status CheckUnit(bool* have, bool* unit, bool spans, std::string_view flag) {
  if (*have && *unit != spans)
    return sim::Status::InvalidArgument(std::string(flag) +
                                        ": rates mix traces/s and spans/s; use one unit");
  *have = true;
  *unit = spans;
  return sim::Status::Ok();
}

}  // namespace

bool NeedsSpansPerTrace(const RateFlags& flags) {
  return flags.rate.find("spans") != std::string::npos ||
         flags.ramp.find("spans") != std::string::npos ||
         flags.steps.find("spans") != std::string::npos;
}

sim::Result<LoadPlan> BuildLoadPlan(const workloads::WorkloadSpec& base, const RateFlags& flags,
                                    double mean_spans_per_trace) {
  LoadPlan plan;
  plan.workload = base;
  if (!flags.ramp.empty() && !flags.steps.empty())
    return sim::Status::InvalidArgument("--ramp and --steps cannot be combined");
  bool have_unit = false, unit_spans = false;
  auto to_traces = [&](const Rate& r) {
    return r.spans ? r.value / mean_spans_per_trace : r.value;
  };
  if (NeedsSpansPerTrace(flags) && !(mean_spans_per_trace > 0))
    return sim::Status::InvalidArgument("a rate in spans/s needs the mean spans per trace");

  if (!flags.ramp.empty()) {
    auto parts = Split(flags.ramp, ':');
    if (parts.size() != 3)
      return sim::Status::InvalidArgument(
          "--ramp: expected FROM:TO:OVER (e.g. 100:1000:30s), got '" + flags.ramp + "'");
    TRACESIM_ASSIGN_OR_RETURN(Rate from, ParseRate(parts[0], "--ramp FROM"));
    TRACESIM_ASSIGN_OR_RETURN(Rate to, ParseRate(parts[1], "--ramp TO"));
    TRACESIM_RETURN_IF_ERROR(CheckUnit(&have_unit, &unit_spans, from.spans, "--ramp"));
    TRACESIM_RETURN_IF_ERROR(CheckUnit(&have_unit, &unit_spans, to.spans, "--ramp"));
    auto over = sim::ParseDuration(parts[2]);
    if (!over.ok() || over->nanos() <= 0)
      return sim::Status::InvalidArgument("--ramp OVER: '" + std::string(parts[2]) +
                                          "' must be a duration > 0 (e.g. 30s)");
    plan.workload.shape = workloads::RateShape{};
    plan.workload.shape.kind = workloads::ShapeKind::kRamp;
    plan.workload.shape.from = to_traces(from);
    plan.workload.shape.to = to_traces(to);
    plan.workload.shape.over = *over;
    plan.workload.surges.clear();
  } else if (!flags.steps.empty()) {
    plan.workload.shape = workloads::RateShape{};
    plan.workload.shape.kind = workloads::ShapeKind::kSteps;
    int i = 0;
    for (std::string_view step : Split(flags.steps, ',')) {
      auto parts = Split(step, ':');
      std::string where = "--steps[" + std::to_string(i++) + "]";
      if (parts.size() != 2)
        return sim::Status::InvalidArgument(
            where + ": expected RATE:DURATION (e.g. 500:10s), got '" + std::string(step) + "'");
      TRACESIM_ASSIGN_OR_RETURN(Rate r, ParseRate(parts[0], where));
      TRACESIM_RETURN_IF_ERROR(CheckUnit(&have_unit, &unit_spans, r.spans, "--steps"));
      auto d = sim::ParseDuration(parts[1]);
      if (!d.ok() || d->nanos() <= 0)
        return sim::Status::InvalidArgument(where + ": '" + std::string(parts[1]) +
                                            "' must be a duration > 0");
      plan.workload.shape.epochs.push_back(workloads::Epoch{*d, to_traces(r)});
    }
    plan.workload.surges.clear();
  }
  if (!flags.rate.empty()) {
    TRACESIM_ASSIGN_OR_RETURN(Rate r, ParseRate(flags.rate));
    if (!flags.ramp.empty() || !flags.steps.empty()) {
      return sim::Status::InvalidArgument("--rate cannot be combined with --ramp or --steps");
    }
    TRACESIM_RETURN_IF_ERROR(CheckUnit(&have_unit, &unit_spans, r.spans, "--rate"));
    plan.workload = plan.workload.WithBaseRate(to_traces(r));
  }
  plan.rate_in_spans = have_unit && unit_spans;
  TRACESIM_RETURN_IF_ERROR(plan.workload.Validate().WithContext("workload"));
  return plan;
}

sim::Result<double> MeasureMeanSpansPerTrace(const sim::Model& model,
                                             const workloads::WorkloadSpec& workload, uint64_t seed,
                                             uint64_t traces) {
  sim::Duration window = sim::Duration::Seconds(60);
  auto w = workloads::Workload::Create(workload, model, seed, window);
  if (!w.ok()) return w.status();
  // Stop after `traces` arrivals.
  struct Limit final : sim::ArrivalSource {
    sim::ArrivalSource* in;
    uint64_t left;
    bool Next(sim::Arrival* a) noexcept override {
      if (left == 0 || !in->Next(a)) return false;
      --left;
      return true;
    }
  } limit;
  limit.in = w->get();
  limit.left = traces;
  sim::CountingSink sink;
  sim::SimulationOptions so;
  so.seed = seed;
  sim::Simulation simulation(model, so);
  TRACESIM_RETURN_IF_ERROR(simulation.AddObserver(&sink));
  TRACESIM_RETURN_IF_ERROR(simulation.Run(&limit));
  if (sink.traces() == 0)
    return sim::Status::InvalidArgument("warm-up: no trace finished; cannot measure spans/trace");
  return static_cast<double>(sink.spans()) / static_cast<double>(sink.traces());
}

}  // namespace tracesim::loadgen
