#include "advise/advisor.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "advise/search_space.h"
#include "app/run.h"
#include "app/run_thresholds.h"
#include "lint/lint.h"
#include "sampling/lab/strategy_config.h"
#include "sim/base/suggest.h"

namespace tracesim::advise {
namespace {

// Strategies per run: the lab's limit.
constexpr size_t kBatch = sampling::kMaxStrategies - 1;
// Configurations refined around after each run.
constexpr size_t kIncumbents = 4;

// A recall or share metric: k of n, and its 95 % Wilson interval.
struct Share {
  uint64_t k = 0, n = 0;
  sampling::Interval ci;
};

// The share behind `metric`, when it is one.
std::optional<Share> ShareOf(const sampling::StrategyScore& s, const std::string& metric) {
  if (metric == "error_recall")
    return Share{s.error_traces_kept, s.error_traces, s.error_recall_ci};
  if (metric == "kept_ratio") return Share{s.traces_kept, s.traces, s.kept_ci};
  static const std::pair<const char*, std::pair<const char*, const char*>> kSlow[] = {
      {"slow_p90_recall", {"root", "p90"}},        {"slow_p95_recall", {"root", "p95"}},
      {"slow_p99_recall", {"root", "p99"}},        {"slow_threshold_recall", {"root", "threshold"}},
      {"slow_trace_p90_recall", {"trace", "p90"}}, {"slow_trace_p95_recall", {"trace", "p95"}},
      {"slow_trace_p99_recall", {"trace", "p99"}},
  };
  for (const auto& [name, where] : kSlow) {
    if (metric != name) continue;
    for (const auto& r : s.slow)
      if (r.basis == where.first && r.at == where.second) return Share{r.kept, r.traces, r.ci};
  }
  return std::nullopt;
}

Evaluated Judge(std::string name, const sampling::StrategyScore& score,
                const std::vector<loadgen::Threshold>& targets, const std::string& minimize) {
  Evaluated e;
  e.name = std::move(name);
  e.score = score;
  const std::map<std::string, double> metrics = app::StrategyMetrics(score);
  e.objective = metrics.at(minimize);
  e.meets = e.sure = true;
  for (const loadgen::Threshold& t : targets) {
    TargetResult r;
    r.metric = t.metric;
    r.actual = metrics.at(t.metric);
    r.met = t.Passes(r.actual);
    r.sure = r.met;
    if (std::optional<Share> share = ShareOf(score, t.metric)) {
      r.has_interval = true;
      r.count = share->k;
      r.of = share->n;
      r.low = share->ci.low;
      r.high = share->ci.high;
      // The far side of the interval from the target must clear it too.
      r.sure = r.met && t.Passes(r.low) && t.Passes(r.high);
    }
    e.meets &= r.met;
    e.sure &= r.sure;
    e.targets.push_back(r);
  }
  return e;
}

// Lower objective first, then less Collector memory, then the name.
bool Better(const Evaluated& a, const Evaluated& b) {
  if (a.objective != b.objective) return a.objective < b.objective;
  if (a.score.peak_bytes_buffered != b.score.peak_bytes_buffered)
    return a.score.peak_bytes_buffered < b.score.peak_bytes_buffered;
  return a.name < b.name;
}

// How close a configuration that misses comes: the worst target's actual / wanted (>= targets)
// or wanted / actual (<= targets), capped at 1.
double Closeness(const Evaluated& e, const std::vector<loadgen::Threshold>& targets) {
  double worst = 1;
  for (size_t i = 0; i < targets.size(); ++i) {
    const double a = e.targets[i].actual, want = targets[i].value;
    const bool at_least = targets[i].op == loadgen::CompareOp::kGreater ||
                          targets[i].op == loadgen::CompareOp::kGreaterEqual;
    double c = e.targets[i].met ? 1 : at_least ? (want > 0 ? a / want : 0) : (a > 0 ? want / a : 0);
    worst = std::min(worst, std::max(0.0, c));
  }
  return worst;
}

sim::Result<std::vector<loadgen::Threshold>> ParseTargets(const std::vector<std::string>& texts) {
  std::vector<loadgen::Threshold> out;
  const std::vector<std::string>& names = app::RunThresholdMetricNames();
  for (const std::string& text : texts) {
    auto t = loadgen::ParseThresholdExpression(text);
    if (!t.ok()) return sim::Status::InvalidArgument("--target: " + t.status().message());
    if (std::find(names.begin(), names.end(), t->metric) == names.end()) {
      return sim::Status::InvalidArgument("--target '" + text + "': unknown metric '" + t->metric +
                                          "'" + sim::DidYouMean(t->metric, names));
    }
    out.push_back(*t);
  }
  return out;
}

class Search {
 public:
  Search(scenarios::Scenario scenario, const AdviseOptions& options, Advice* advice)
      : sc_(std::move(scenario)), options_(options), advice_(*advice) {
    run_.seed = options.seed;
    run_.duration = options.duration;
    run_.pricing = options.pricing;
  }

  sim::Status Run() {
    TRACESIM_RETURN_IF_ERROR(Evidence());
    std::vector<Candidate> queue = CoarseGrid(options_.families, traffic_);
    while (advice_.runs < options_.budget) {
      if (queue.empty()) queue = Refine(Incumbents(), candidates_, traffic_);
      if (queue.empty()) break;  // nothing new around the best: converged
      const size_t n = std::min(queue.size(), kBatch);
      std::vector<Candidate> batch(queue.begin(), queue.begin() + static_cast<long>(n));
      queue.erase(queue.begin(), queue.begin() + static_cast<long>(n));
      TRACESIM_RETURN_IF_ERROR(Score(batch));
    }
    for (size_t i = 0; i < advice_.evaluated.size(); ++i)
      if (!advice_.evaluated[i].yours && advice_.evaluated[i].meets) advice_.ranking.push_back(i);
    std::sort(advice_.ranking.begin(), advice_.ranking.end(), [this](size_t a, size_t b) {
      return Better(advice_.evaluated[a], advice_.evaluated[b]);
    });
    return sim::Status::Ok();
  }

 private:
  // Run 1: the traffic's facts, and the scenario's own samplers scored.
  sim::Status Evidence() {
    auto sink = lint::MakeEvidenceSink(sc_, sc_.start_unix_nanos);
    app::RunOptions run = run_;
    run.sinks.push_back(sink.get());
    TRACESIM_ASSIGN_OR_RETURN(app::RunOutcome outcome, app::RunScenario(sc_, run));
    ++advice_.runs;
    advice_.seed = outcome.run.seed;
    advice_.duration_s = outcome.run.duration.seconds();
    advice_.pricing = outcome.report.pricing;
    advice_.evidence = sink->Take(advice_.duration_s);
    const metrics::Histogram& d = advice_.evidence.trace_duration;
    advice_.trace_p90_ms = d.Percentile(90) / 1e6;
    advice_.trace_p95_ms = d.Percentile(95) / 1e6;
    advice_.trace_p99_ms = d.Percentile(99) / 1e6;
    advice_.trace_p999_ms = d.Percentile(99.9) / 1e6;
    traffic_.trace_duration = d;
    traffic_.mean_new_traces_per_s = advice_.evidence.MeanNewTracesPerSecond();
    traffic_.peak_new_traces_per_s = advice_.evidence.PeakNewTracesPerSecond();
    // The candidates export through the SDKs' BatchSpanProcessor with its defaults.
    traffic_.export_delay_ns = sampling::BspOptions().MaxDelayNanos();
    for (const sampling::StrategyScore& s : outcome.report.sampling) {
      Evaluated e = Judge(s.name, s, advice_.targets, advice_.minimize);
      e.yours = true;
      e.run = advice_.runs;
      advice_.evaluated.push_back(std::move(e));
    }
    return sim::Status::Ok();
  }

  // One run scoring `batch` side by side, through the scenario's strategy parser.
  sim::Status Score(const std::vector<Candidate>& batch) {
    std::string yaml;
    for (const Candidate& c : batch) yaml += c.SamplersYaml();
    auto parsed = sampling::ParseStrategies(YAML::Load(yaml), "advise", "");
    if (!parsed.ok())
      return sim::Status::Internal("advise: a candidate did not parse: " +
                                   parsed.status().message());
    sc_.samplers = std::move(parsed).value();
    TRACESIM_ASSIGN_OR_RETURN(app::RunOutcome outcome, app::RunScenario(sc_, run_));
    ++advice_.runs;
    for (size_t i = 0; i < batch.size(); ++i) {
      Evaluated e =
          Judge(batch[i].Name(), outcome.report.sampling[i], advice_.targets, advice_.minimize);
      e.candidate = batch[i];
      e.run = advice_.runs;
      advice_.evaluated.push_back(std::move(e));
      candidates_.push_back(batch[i]);
    }
    return sim::Status::Ok();
  }

  // The best configurations that meet the targets; when none does yet, those that come closest.
  std::vector<Candidate> Incumbents() const {
    std::vector<const Evaluated*> pool;
    for (const Evaluated& e : advice_.evaluated)
      if (!e.yours && e.meets) pool.push_back(&e);
    if (!pool.empty()) {
      std::sort(pool.begin(), pool.end(),
                [](const Evaluated* a, const Evaluated* b) { return Better(*a, *b); });
    } else {
      for (const Evaluated& e : advice_.evaluated)
        if (!e.yours) pool.push_back(&e);
      std::stable_sort(pool.begin(), pool.end(), [this](const Evaluated* a, const Evaluated* b) {
        const double ca = Closeness(*a, advice_.targets), cb = Closeness(*b, advice_.targets);
        return ca != cb ? ca > cb : Better(*a, *b);
      });
    }
    std::vector<Candidate> out;
    for (size_t i = 0; i < pool.size() && out.size() < kIncumbents; ++i)
      out.push_back(pool[i]->candidate);
    return out;
  }

  scenarios::Scenario sc_;
  const AdviseOptions& options_;
  Advice& advice_;
  app::RunOptions run_;
  Traffic traffic_;
  std::vector<Candidate> candidates_;  // evaluated, in order
};

}  // namespace

const std::vector<std::string>& MinimizeNames() {
  static const std::vector<std::string> kNames = {
      "usd_month",  "usd_storage_month",   "usd_ingest_month",    "usd_per_span_month",
      "gb_month",   "bytes_kept",          "spans_kept",          "traces_kept",
      "kept_ratio", "peak_bytes_buffered", "peak_traces_buffered"};
  return kNames;
}

sim::Result<Family> ParseFamily(std::string_view text) {
  for (Family f : {Family::kHead, Family::kTail, Family::kHeadTail})
    if (text == FamilyName(f)) return f;
  return sim::Status::InvalidArgument("--family: unknown family '" + std::string(text) +
                                      "' (one of head, tail, head+tail)");
}

sim::Status AdviseOptions::Validate() const {
  if (targets.empty()) {
    return sim::Status::InvalidArgument(
        "--target: at least one is needed, e.g. --target 'error_recall>=0.99'");
  }
  TRACESIM_RETURN_IF_ERROR(ParseTargets(targets).status());
  const std::string m = minimize == "cost" ? "usd_month" : minimize;
  const auto& names = MinimizeNames();
  if (std::find(names.begin(), names.end(), m) == names.end()) {
    return sim::Status::InvalidArgument(
        "--minimize: '" + minimize + "' is not a metric to minimise" +
        sim::DidYouMean(minimize, names) + " (one of cost, " + config::JoinList(names) + ")");
  }
  if (families.empty()) return sim::Status::InvalidArgument("--family: at least one is needed");
  if (budget < 2 || budget > 100)
    return sim::Status::InvalidArgument("--budget: must be in [2, 100]");
  if (top < 1 || top > 50) return sim::Status::InvalidArgument("--top: must be in [1, 50]");
  if (duration && duration->nanos() <= 0)
    return sim::Status::InvalidArgument("--duration: must be > 0");
  if (pricing) TRACESIM_RETURN_IF_ERROR(pricing->Validate());
  return sim::Status::Ok();
}

sim::Result<Advice> Advise(scenarios::Scenario scenario, const AdviseOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  Advice advice;
  TRACESIM_ASSIGN_OR_RETURN(advice.targets, ParseTargets(options.targets));
  advice.minimize = options.minimize == "cost" ? "usd_month" : options.minimize;
  advice.budget = options.budget;
  if (scenario.samplers.size() > sampling::kMaxStrategies) {
    return sim::Status::InvalidArgument("samplers: at most " +
                                        std::to_string(sampling::kMaxStrategies) + " strategies");
  }
  Search search(std::move(scenario), options, &advice);
  TRACESIM_RETURN_IF_ERROR(search.Run());
  return advice;
}

}  // namespace tracesim::advise
