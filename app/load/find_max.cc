#include "app/load/find_max.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "loadgen/load_plan.h"

namespace tracesim::app {

namespace {

sim::Status Bad(const std::string& m) { return sim::Status::InvalidArgument(m); }

// A rate in --rate's syntax; three decimals keep small traces/s rates exact enough.
std::string RateText(double rate, bool spans) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f%s", rate, spans ? "spans" : "");
  return buf;
}

double Round(double v, double unit) { return std::round(v / unit) * unit; }

// Runs one step at `rate`.
sim::Result<FindMaxStep> RunStep(const scenarios::Scenario& scenario, const FindMaxOptions& o,
                                 const std::vector<loadgen::Threshold>& criteria, double rate,
                                 bool spans, FindMaxStep step, const FindMaxCallbacks& cb,
                                 LoadStart* start) {
  LoadOptions lo = o.load;
  lo.rates = loadgen::RateFlags{RateText(rate, spans), "", ""};
  lo.duration = o.step_duration;
  lo.max_traces.reset();
  if (!lo.arrivals) lo.arrivals = workloads::ArrivalProcess::kUniform;
  lo.thresholds = criteria;
  step.rate = rate;
  if (cb.on_step) cb.on_step(step);
  LoadCallbacks lcb;
  lcb.on_start = [start, &cb](const LoadStart& s) {
    if (!start->scenario.empty()) return;
    *start = s;
    if (cb.on_start) cb.on_start(s);
  };
  lcb.on_second = cb.on_second;
  TRACESIM_ASSIGN_OR_RETURN(LoadOutcome out, RunLoad(scenario, lo, lcb));
  step.passed = !out.report.interrupted && out.thresholds_passed();
  step.criteria = std::move(out.thresholds);
  step.report = std::move(out.report);
  return step;
}

}  // namespace

sim::Status FindMaxOptions::Validate() const {
  if (load.rates.rate.empty())
    return Bad("--find-max needs a start rate: --rate R (e.g. 1000spans)");
  if (!load.rates.ramp.empty() || !load.rates.steps.empty())
    return Bad("--find-max sets the rates itself: drop --ramp and --steps");
  auto r = loadgen::ParseRate(load.rates.rate);
  if (!r.ok()) return Bad(r.status().message());
  if (!(r->value > 0)) return Bad("--find-max needs a start --rate > 0");
  if (step_duration.nanos() <= 0) return Bad("--step-duration must be a duration > 0");
  if (max_steps < 1 || max_steps > 100)
    return Bad("--max-steps must be an integer in [1, 100], got '" + std::to_string(max_steps) +
               "'");
  if (!(factor > 1 && factor <= 100)) return Bad("--step-factor must be a number in (1, 100]");
  if (!(precision > 0 && precision <= 1)) return Bad("--precision must be a number in (0, 1]");
  return load.Validate();
}

std::vector<loadgen::Threshold> DefaultCriteria(const loadgen::TargetOptions& target) {
  std::vector<std::string> texts = {"accepted_ratio>=0.999", "achieved_ratio>=0.95",
                                    "export_p99_ms<500"};
  if (target.enabled() && !target.urls.empty()) {
    texts.push_back("collector_refused_ratio<0.001");
    texts.push_back("collector_dropped_ratio<0.001");
  }
  std::vector<loadgen::Threshold> out;
  for (const std::string& t : texts) out.push_back(*loadgen::ParseThreshold(t));
  return out;
}

sim::Result<FindMaxResult> FindMax(const scenarios::Scenario& scenario,
                                   const FindMaxOptions& options,
                                   const FindMaxCallbacks& callbacks) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  const loadgen::Rate start = *loadgen::ParseRate(options.load.rates.rate);
  FindMaxResult result;
  result.criteria =
      options.criteria.empty() ? DefaultCriteria(options.load.target) : options.criteria;
  result.unit = start.spans ? "spans/s" : "traces/s";
  // Rates of bisection steps are rounded to 1 % of the passing rate's order, to read well.
  double lo = 0, hi = 0;  // highest passing, lowest failing (0 = none yet)
  double rate = start.value;
  for (uint32_t k = 1; k <= options.max_steps; ++k) {
    FindMaxStep step;
    step.index = k;
    step.phase = hi == 0 ? "grow" : "bisect";
    if (hi != 0) {
      if (lo == 0) {
        rate = hi / options.factor;  // below a failing start: keep shrinking
      } else {
        if ((hi - lo) / lo <= options.precision) break;
        double unit = std::pow(10.0, std::floor(std::log10(lo)) - 2);
        rate = Round((lo + hi) / 2, unit);
        if (rate <= lo || rate >= hi) break;
      }
    }
    TRACESIM_ASSIGN_OR_RETURN(FindMaxStep done,
                              RunStep(scenario, options, result.criteria, rate, start.spans,
                                      std::move(step), callbacks, &result.start));
    if (callbacks.on_step_done) callbacks.on_step_done(done);
    const bool interrupted = done.report.interrupted;
    if (done.passed) {
      lo = std::max(lo, rate);
      if (hi == 0) rate *= options.factor;
    } else if (!interrupted) {
      hi = hi == 0 ? rate : std::min(hi, rate);
    }
    result.steps.push_back(std::move(done));
    if (interrupted) {
      result.interrupted = true;
      break;
    }
  }
  result.max_rate = lo;
  result.lowest_failing_rate = hi;
  return result;
}

std::string FindMaxResult::ToTable() const {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%4s %-6s %12s %12s %9s %9s %9s %10s %9s %8s %7s  %s\n", "step",
                "phase", "target", "achieved", "accepted", "dropped", "p99 ms", "col.refus",
                "col.rss", "col.cpu", "verdict", "broken criteria");
  out += buf;
  for (const FindMaxStep& s : steps) {
    const loadgen::LoadReport& r = s.report;
    auto m = r.Metrics();
    std::string broken;
    for (const loadgen::ThresholdOutcome& c : s.criteria) {
      if (c.passed) continue;
      char a[64];
      std::snprintf(a, sizeof a, " (%.4g)", c.actual);
      broken += (broken.empty() ? "" : ", ") + c.threshold.text + a;
    }
    auto opt = [&](const char* key, const char* fmt) {
      char b[32];
      auto it = m.find(key);
      if (it == m.end()) return std::string("-");
      std::snprintf(b, sizeof b, fmt, it->second);
      return std::string(b);
    };
    std::snprintf(
        buf, sizeof buf, "%4u %-6s %12.0f %12.0f %9.5f %9llu %9.1f %10s %9s %8s %7s  %s\n", s.index,
        s.phase.c_str(), s.rate, m["achieved_rate"], m["accepted_ratio"],
        (unsigned long long)r.dropped(), r.export_p99_ms,
        opt("collector_refused_ratio", "%.5f").c_str(), opt("collector_rss_mb", "%.0fMiB").c_str(),
        opt("collector_cpu_cores", "%.2f").c_str(), s.passed ? "pass" : "FAIL", broken.c_str());
    out += buf;
  }
  if (found()) {
    std::snprintf(buf, sizeof buf, "highest sustained rate: %.0f %s", max_rate, unit.c_str());
    out += buf;
    if (lowest_failing_rate > 0) {
      std::snprintf(buf, sizeof buf, " (%.0f %s broke a criterion)", lowest_failing_rate,
                    unit.c_str());
      out += buf;
    } else {
      out += " (no step failed: the search ran out of steps; raise --max-steps)";
    }
    out += "\n";
  } else {
    out += "no step passed: not even the lowest rate tried is sustained\n";
  }
  return out;
}

std::string FindMaxResult::ToJson() const {
  using nlohmann::json;
  json j;
  j["schema"] = "tracesim.load.find_max/v1";
  j["scenario"] = start.scenario;
  j["protocol"] = start.protocol;
  j["endpoint"] = start.endpoint;
  j["seed"] = start.seed;
  j["unit"] = unit;
  json crit = json::array();
  for (const loadgen::Threshold& t : criteria) crit.push_back(t.text);
  j["criteria"] = crit;
  j["max_rate"] = max_rate;
  j["lowest_failing_rate"] = lowest_failing_rate;
  j["interrupted"] = interrupted;
  json st = json::array();
  for (const FindMaxStep& s : steps) {
    json outcomes = json::array();
    for (const loadgen::ThresholdOutcome& c : s.criteria) {
      outcomes.push_back({{"criterion", c.threshold.text},
                          {"actual", std::isfinite(c.actual) ? json(c.actual) : json()},
                          {"passed", c.passed}});
    }
    json summary = json::parse(s.report.ToJson());
    summary.erase("seconds");  // the evidence is the step's totals; seconds stay in the table
    st.push_back({{"step", s.index},
                  {"phase", s.phase},
                  {"rate", s.rate},
                  {"passed", s.passed},
                  {"criteria", outcomes},
                  {"summary", summary}});
  }
  j["steps"] = st;
  return j.dump(2) + "\n";
}

reports::CapacitySearchView CapacityView(const FindMaxResult& result) {
  reports::CapacitySearchView view{
      result.unit, result.max_rate, result.lowest_failing_rate, result.interrupted, {}};
  for (const FindMaxStep& s : result.steps)
    view.steps.push_back(
        {s.index, s.phase, s.rate, s.report.Metrics()["achieved_rate"], s.passed, s.criteria});
  return view;
}

}  // namespace tracesim::app
