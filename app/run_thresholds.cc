#include "app/run_thresholds.h"

#include <algorithm>

#include "sim/base/suggest.h"

namespace tracesim::app {

namespace {

double Ratio(uint64_t a, uint64_t b) {
  return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

// The recall of StrategyScore::slow at (basis, at); 0 when absent.
double SlowRecall(const sampling::StrategyScore& s, std::string_view basis, std::string_view at) {
  for (const auto& r : s.slow)
    if (r.basis == basis && r.at == at) return r.recall;
  return 0;
}

}  // namespace

const std::vector<std::string>& RunThresholdMetricNames() {
  static const std::vector<std::string> kNames = {
      "traces_kept",
      "kept_ratio",
      "spans_kept",
      "bytes_kept",
      "gb_month",
      "usd_month",
      "usd_storage_month",
      "usd_ingest_month",
      "usd_per_span_month",
      "error_traces_kept",
      "error_recall",
      "slow_p99_recall",
      "slow_p90_recall",
      "slow_p95_recall",
      "slow_trace_p90_recall",
      "slow_trace_p95_recall",
      "slow_trace_p99_recall",
      "slow_threshold_recall",
      "rare_path_recall",
      "completeness",
      "fragmented_kept",
      "evicted_before_decision",
      "late_spans",
      "kept_at_shutdown",
      "est_error_rate",
      "error_rate_bias",
      "est_p99_ms",
      "peak_traces_buffered",
      "peak_bytes_buffered",
  };
  return kNames;
}

std::map<std::string, double> StrategyMetrics(const sampling::StrategyScore& s) {
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  return {
      {"traces_kept", d(s.traces_kept)},
      {"kept_ratio", Ratio(s.traces_kept, s.traces)},
      {"spans_kept", d(s.spans_kept)},
      {"bytes_kept", d(s.bytes_kept)},
      {"gb_month", s.gb_per_month},
      {"usd_month", s.usd_month},
      {"usd_storage_month", s.usd_storage_month},
      {"usd_ingest_month", s.usd_ingest_month},
      {"usd_per_span_month", s.usd_per_span_month},
      {"error_traces_kept", d(s.error_traces_kept)},
      {"error_recall", s.error_recall},
      {"slow_p99_recall", s.slow_recall_p99},
      {"slow_p90_recall", SlowRecall(s, "root", "p90")},
      {"slow_p95_recall", SlowRecall(s, "root", "p95")},
      {"slow_trace_p90_recall", SlowRecall(s, "trace", "p90")},
      {"slow_trace_p95_recall", SlowRecall(s, "trace", "p95")},
      {"slow_trace_p99_recall", SlowRecall(s, "trace", "p99")},
      {"slow_threshold_recall", s.slow_recall_threshold},
      {"rare_path_recall", s.rare_path_recall},
      {"completeness", s.completeness},
      {"fragmented_kept", d(s.fragmented_kept)},
      {"evicted_before_decision", d(s.evicted_before_decision)},
      {"late_spans", d(s.late_spans)},
      {"kept_at_shutdown", d(s.kept_at_shutdown)},
      {"est_error_rate", s.est_error_rate},
      {"error_rate_bias", s.est_error_rate - s.true_error_rate},
      {"est_p99_ms", s.est_p99_ms},
      {"peak_traces_buffered", d(s.peak_traces_buffered)},
      {"peak_bytes_buffered", d(s.peak_bytes_buffered)},
  };
}

sim::Result<loadgen::Threshold> ParseRunThreshold(std::string_view text,
                                                  const std::vector<std::string>& strategies) {
  const std::string quoted = "threshold '" + std::string(text) + "'";
  TRACESIM_ASSIGN_OR_RETURN(loadgen::Threshold t, loadgen::ParseThresholdExpression(text));
  const size_t dot = t.metric.rfind('.');
  if (dot == std::string::npos || dot == 0) {
    return sim::Status::InvalidArgument(quoted +
                                        ": expected STRATEGY.METRIC OP NUMBER, e.g. "
                                        "'tail-errors-slow.error_recall>=0.99'");
  }
  const std::string strategy = t.metric.substr(0, dot), metric = t.metric.substr(dot + 1);
  if (std::find(strategies.begin(), strategies.end(), strategy) == strategies.end()) {
    return sim::Status::InvalidArgument(quoted + ": no strategy '" + strategy +
                                        "' in samplers:" + sim::DidYouMean(strategy, strategies));
  }
  const auto& names = RunThresholdMetricNames();
  if (std::find(names.begin(), names.end(), metric) == names.end()) {
    return sim::Status::InvalidArgument(quoted + ": unknown metric '" + metric + "'" +
                                        sim::DidYouMean(metric, names));
  }
  return t;
}

std::vector<loadgen::ThresholdOutcome> EvaluateRunThresholds(
    const std::vector<loadgen::Threshold>& thresholds,
    const std::vector<sampling::StrategyScore>& scores) {
  std::map<std::string, double> metrics;
  for (const sampling::StrategyScore& s : scores)
    for (const auto& [name, value] : StrategyMetrics(s)) metrics[s.name + "." + name] = value;
  return loadgen::EvaluateThresholds(thresholds, metrics);
}

}  // namespace tracesim::app
