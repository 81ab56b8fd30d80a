#include "peers/sdk/jaeger_oracle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "peers/sdk/sdk_oracle.h"
#include "sampling/jaeger/jaeger_remote.h"

namespace tracesim::peers_sdk {

using sampling::JaegerSamplerType;

std::vector<AdaptiveScenario> AdaptiveScenarios() {
  std::vector<AdaptiveScenario> out;
  AdaptiveScenario defaults;
  defaults.name = "defaults";
  defaults.duration = sim::Duration::Seconds(40 * 60);
  defaults.load = {{"frontend", "GET-/", 60},
                   {"frontend", "POST-/cart", 5},
                   {"frontend", "GET-/health", 0.2},
                   {"checkout", "PlaceOrder", 2},
                   {"checkout", "Refund", 1, JaegerSamplerType::kLowerBound}};
  defaults.seed = 11;
  out.push_back(defaults);

  AdaptiveScenario fast = defaults;
  fast.name = "fast-3-buckets";
  fast.options.calculation_interval = sim::Duration::Seconds(10);
  fast.options.calculation_delay = sim::Duration::Seconds(20);
  fast.options.calculation_buckets = 3;
  fast.options.aggregation_buckets = 5;
  fast.options.target_samples_per_second = 2;
  fast.options.delta_tolerance = 0.1;
  fast.options.initial_sampling_probability = 0.05;
  fast.duration = sim::Duration::Seconds(15 * 60);
  fast.seed = 12;
  out.push_back(fast);

  AdaptiveScenario one_row = defaults;
  one_row.name = "store-keeps-1-row";
  one_row.options.aggregation_buckets = 1;
  one_row.duration = sim::Duration::Seconds(12 * 60);
  one_row.seed = 13;
  out.push_back(one_row);
  return out;
}

namespace {

double Uniform(SplitMix64& rng) { return static_cast<double>(rng.Next() >> 11) * 0x1p-53; }

double ServedProbability(const sampling::ServedStrategy& s, const std::string& op) {
  if (s.operation_sampling) {
    for (const sampling::JaegerOperationStrategy& o : s.operation_sampling->per_operation) {
      if (o.operation == op) return o.sampling_rate;
    }
    return s.operation_sampling->default_sampling_probability;
  }
  return s.probabilistic_rate.value_or(0);
}

}  // namespace

Feed GenerateFeed(const AdaptiveScenario& sc) {
  Feed feed;
  feed.options = sc.options;
  feed.end_ns = sc.duration.nanos();
  // The feed's SDKs follow each calculation (the ideal provider), so the oracle sees the
  // probabilities move; the real leader would keep serving its start-up ones.
  sampling::JaegerAdaptiveDeployment ideal;
  ideal.role = sampling::JaegerAdaptiveDeployment::Role::kIdeal;
  sampling::JaegerAdaptiveSampling model(sc.options, sim::Time::Zero(), "tracesim", ideal);
  SplitMix64 rng(sc.seed);
  const int64_t poll_ns = sim::Duration::Seconds(60).nanos();
  std::vector<double> next(sc.load.size());
  for (size_t i = 0; i < sc.load.size(); ++i) {
    next[i] = -std::log1p(-Uniform(rng)) / sc.load[i].roots_per_second * 1e9;
  }
  std::map<std::string, sampling::ServedStrategy> served;
  int64_t next_poll = 0;
  for (;;) {
    const size_t i = std::min_element(next.begin(), next.end()) - next.begin();
    const int64_t t = static_cast<int64_t>(next[i]);
    if (t >= feed.end_ns) break;
    next[i] += -std::log1p(-Uniform(rng)) / sc.load[i].roots_per_second * 1e9;
    if (t >= next_poll) {  // every SDK polls together here (lockstep, the old lab model)
      model.AdvanceTo(sim::Time::FromNanos(t));
      served.clear();
      for (const OpLoad& l : sc.load) served[l.service] = model.StrategyFor(l.service);
      next_poll = t - t % poll_ns + poll_ns;
    }
    const OpLoad& l = sc.load[i];
    const double p = ServedProbability(served[l.service], l.operation);
    if (Uniform(rng) >= p) continue;
    feed.records.push_back({t, l.service, l.operation, l.type, p});
    model.RecordRootSpan(l.service, l.operation, l.type, p, sim::Time::FromNanos(t));
  }
  return feed;
}

std::string FeedToText(const Feed& f) {
  std::ostringstream o;
  char buf[64];
  auto opt = [&](const char* key, double v) {
    std::snprintf(buf, sizeof buf, "%.17g", v);
    o << "# " << key << ' ' << buf << '\n';
  };
  const sampling::JaegerAdaptiveOptions& a = f.options;
  opt("target_samples_per_second", a.target_samples_per_second);
  opt("delta_tolerance", a.delta_tolerance);
  opt("calculation_interval_ns", static_cast<double>(a.calculation_interval.nanos()));
  opt("aggregation_buckets", a.aggregation_buckets);
  opt("calculation_buckets", a.calculation_buckets);
  opt("calculation_delay_ns", static_cast<double>(a.calculation_delay.nanos()));
  opt("initial_sampling_probability", a.initial_sampling_probability);
  opt("min_sampling_probability", a.min_sampling_probability);
  opt("min_samples_per_second", a.min_samples_per_second);
  for (const FeedRecord& r : f.records) {
    std::snprintf(buf, sizeof buf, "%.17g", r.param);
    o << "R " << r.t_ns << ' ' << r.service << ' ' << r.operation << ' '
      << sampling::JaegerSamplerTypeName(r.type) << ' ' << buf << '\n';
  }
  o << "E " << f.end_ns << '\n';
  return o.str();
}

namespace {

bool ParseSamplerType(const std::string& s, JaegerSamplerType* out) {
  for (JaegerSamplerType t : {JaegerSamplerType::kProbabilistic, JaegerSamplerType::kLowerBound,
                              JaegerSamplerType::kRateLimiting, JaegerSamplerType::kConst}) {
    if (s == sampling::JaegerSamplerTypeName(t)) {
      *out = t;
      return true;
    }
  }
  *out = JaegerSamplerType::kUnrecognized;
  return s == "unrecognized";
}

void SetOption(sampling::JaegerAdaptiveOptions* a, const std::string& key, double v) {
  if (key == "target_samples_per_second") a->target_samples_per_second = v;
  if (key == "delta_tolerance") a->delta_tolerance = v;
  if (key == "calculation_interval_ns") {
    a->calculation_interval = sim::Duration::Nanos(static_cast<int64_t>(v));
  }
  if (key == "aggregation_buckets") a->aggregation_buckets = static_cast<int>(v);
  if (key == "calculation_buckets") a->calculation_buckets = static_cast<int>(v);
  if (key == "calculation_delay_ns") {
    a->calculation_delay = sim::Duration::Nanos(static_cast<int64_t>(v));
  }
  if (key == "initial_sampling_probability") a->initial_sampling_probability = v;
  if (key == "min_sampling_probability") a->min_sampling_probability = v;
  if (key == "min_samples_per_second") a->min_samples_per_second = v;
}

}  // namespace

sim::Result<Feed> ParseFeed(const std::string& text) {
  Feed f;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    std::istringstream ls(line);
    std::string tag;
    if (!(ls >> tag)) continue;
    bool ok = true;
    if (tag == "#") {
      std::string key;
      double v = 0;
      ok = static_cast<bool>(ls >> key >> v);
      if (ok) SetOption(&f.options, key, v);
    } else if (tag == "R") {
      FeedRecord r;
      std::string type;
      ok = static_cast<bool>(ls >> r.t_ns >> r.service >> r.operation >> type >> r.param) &&
           ParseSamplerType(type, &r.type);
      if (ok) f.records.push_back(std::move(r));
    } else if (tag == "E") {
      ok = static_cast<bool>(ls >> f.end_ns);
    } else {
      ok = false;
    }
    if (!ok) {
      return sim::Status::InvalidArgument("feed line " + std::to_string(line_no) + ": " + line);
    }
  }
  TRACESIM_RETURN_IF_ERROR(f.options.Validate());
  return f;
}

std::vector<std::string> ReplayTracesim(const Feed& feed) {
  sampling::JaegerAdaptiveSampling model(feed.options);
  sampling::JaegerAdaptiveDeployment leader_d;
  leader_d.role = sampling::JaegerAdaptiveDeployment::Role::kLeader;
  sampling::JaegerAdaptiveSampling leader(feed.options, sim::Time::Zero(), "leader", leader_d);
  std::vector<std::string> lines;
  const int64_t interval = feed.options.calculation_interval.nanos();
  size_t next = 0;
  char buf[64];
  for (int64_t k = 1; k * interval <= feed.end_ns; ++k) {
    const int64_t tick = k * interval;
    // As the Go side: records before the tick first, one at the tick after it.
    for (; next < feed.records.size() && feed.records[next].t_ns < tick; ++next) {
      const FeedRecord& r = feed.records[next];
      for (sampling::JaegerAdaptiveSampling* m : {&model, &leader}) {
        m->RecordRootSpan(r.service, r.operation, r.type, r.param, sim::Time::FromNanos(r.t_ns));
      }
    }
    model.AdvanceTo(sim::Time::FromNanos(tick));
    leader.AdvanceTo(sim::Time::FromNanos(tick));
    std::vector<std::string> calc;
    for (const auto& [svc, ops] : model.probabilities()) {
      for (const auto& [op, p] : ops) {
        std::snprintf(buf, sizeof buf, "%.17g", p);
        calc.push_back("calc " + std::to_string(k) + " " + svc + " " + op + " " + buf);
      }
    }
    for (const auto& [svc, ops] : leader.served_probabilities()) {
      for (const auto& [op, p] : ops) {
        std::snprintf(buf, sizeof buf, "%.17g", p);
        calc.push_back("leader " + std::to_string(k) + " " + svc + " " + op + " " + buf);
      }
    }
    std::sort(calc.begin(), calc.end());
    lines.push_back("tick " + std::to_string(k));
    lines.insert(lines.end(), calc.begin(), calc.end());
  }
  return lines;
}

namespace {

using CalcKey = std::tuple<int, std::string, std::string>;

std::map<CalcKey, double> CalcValues(const std::vector<std::string>& lines, int* ticks) {
  std::map<CalcKey, double> out;
  *ticks = 0;
  for (const std::string& line : lines) {
    std::istringstream ls(line);
    std::string tag, svc, op, p;
    int k = 0;
    if (!(ls >> tag >> k)) continue;
    if (tag == "tick") ++*ticks;
    if ((tag != "calc" && tag != "leader") || !(ls >> svc >> op >> p)) continue;
    out[{k, tag + " " + svc, op}] = std::strtod(p.c_str(), nullptr);
  }
  return out;
}

}  // namespace

AdaptiveAgreement CompareCalcLines(const std::vector<std::string>& tracesim,
                                   const std::vector<std::string>& jaeger) {
  AdaptiveAgreement a;
  int their_ticks = 0;
  std::map<CalcKey, double> ours = CalcValues(tracesim, &a.calculations);
  std::map<CalcKey, double> theirs = CalcValues(jaeger, &their_ticks);
  a.same_calculations = a.calculations == their_ticks;
  auto diff = [&](const CalcKey& key, const std::string& what) {
    if (a.first_differences.size() >= 8) return;
    a.first_differences.push_back(std::to_string(std::get<0>(key)) + " " + std::get<1>(key) + " " +
                                  std::get<2>(key) + ": " + what);
  };
  for (const auto& [key, p] : ours) {
    ++a.compared;
    auto it = theirs.find(key);
    char buf[96];
    if (it == theirs.end()) {
      std::snprintf(buf, sizeof buf, "tracesim %.17g, jaeger none", p);
      diff(key, buf);
    } else if (it->second == p) {
      ++a.identical;
    } else {
      std::snprintf(buf, sizeof buf, "tracesim %.17g, jaeger %.17g", p, it->second);
      diff(key, buf);
    }
  }
  for (const auto& [key, p] : theirs) {
    if (ours.count(key) != 0) continue;
    ++a.compared;
    char buf[96];
    std::snprintf(buf, sizeof buf, "tracesim none, jaeger %.17g", p);
    diff(key, buf);
  }
  return a;
}

}  // namespace tracesim::peers_sdk
