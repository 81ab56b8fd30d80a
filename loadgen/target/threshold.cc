#include "loadgen/target/threshold.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "loadgen/target/target_summary.h"

namespace tracesim::loadgen {

std::string_view CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
  }
  return "?";
}

bool Threshold::Passes(double actual) const noexcept {
  if (std::isnan(actual)) return false;
  switch (op) {
    case CompareOp::kLess:
      return actual < value;
    case CompareOp::kLessEqual:
      return actual <= value;
    case CompareOp::kGreater:
      return actual > value;
    case CompareOp::kGreaterEqual:
      return actual >= value;
    case CompareOp::kEqual:
      return actual == value;
    case CompareOp::kNotEqual:
      return actual != value;
  }
  return false;
}

const std::vector<std::string>& ThresholdMetricNames() {
  static const std::vector<std::string> kNames = {
      "generated",
      "traces",
      "accepted",
      "rejected",
      "rejected_partial",
      "rejected_fatal",
      "dropped",
      "dropped_queue_full",
      "dropped_non_retryable",
      "dropped_retries_exhausted",
      "dropped_shutdown",
      "in_flight",
      "accepted_ratio",
      "rejected_ratio",
      "dropped_ratio",
      "requests",
      "failed_requests",
      "retries",
      "failed_attempt_spans",
      "error_rate",
      "target_rate",
      "achieved_rate",
      "achieved_ratio",
      "target_span_rate",
      "achieved_span_rate",
      "achieved_trace_rate",
      "export_p50_ms",
      "export_p90_ms",
      "export_p95_ms",
      "export_p99_ms",
      "export_max_ms",
      "export_mean_ms",
      "duration_s",
  };
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> all = kNames;
    for (const std::string& n : TargetMetricNames()) all.push_back(n);
    return all;
  }();
  return kAll;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

sim::Result<Threshold> ParseThresholdExpression(std::string_view text) {
  const std::string quoted = "threshold '" + std::string(text) + "'";
  size_t pos = text.find_first_of("<>=!");
  if (pos == std::string_view::npos)
    return sim::Status::InvalidArgument(
        quoted + ": expected METRIC OP NUMBER with OP one of < <= > >= == !=");
  Threshold t;
  t.text = std::string(text);
  t.metric = std::string(Trim(text.substr(0, pos)));
  std::string_view rest = text.substr(pos);
  static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
      {"<=", CompareOp::kLessEqual}, {">=", CompareOp::kGreaterEqual}, {"==", CompareOp::kEqual},
      {"!=", CompareOp::kNotEqual},  {"<", CompareOp::kLess},          {">", CompareOp::kGreater},
  };
  bool found = false;
  for (const auto& [sym, op] : kOps) {
    if (rest.starts_with(sym)) {
      t.op = op;
      rest.remove_prefix(sym.size());
      found = true;
      break;
    }
  }
  if (!found)
    return sim::Status::InvalidArgument(quoted + ": unknown operator (use < <= > >= == !=)");
  if (t.metric.empty()) return sim::Status::InvalidArgument(quoted + ": missing metric name");
  std::string_view num = Trim(rest);
  if (num.empty()) return sim::Status::InvalidArgument(quoted + ": missing number after operator");
  if (num.front() == '+') num.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), t.value);
  if (ec != std::errc() || ptr != num.data() + num.size() || !std::isfinite(t.value))
    return sim::Status::InvalidArgument(quoted + ": '" + std::string(Trim(rest)) +
                                        "' is not a finite number");
  return t;
}

sim::Result<Threshold> ParseThreshold(std::string_view text) {
  const std::string quoted = "threshold '" + std::string(text) + "'";
  TRACESIM_ASSIGN_OR_RETURN(Threshold t, ParseThresholdExpression(text));
  for (char c : t.metric) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return sim::Status::InvalidArgument(quoted + ": bad metric name '" + t.metric + "'");
  }
  const auto& names = ThresholdMetricNames();
  if (std::find(names.begin(), names.end(), t.metric) == names.end()) {
    std::string best;
    size_t best_d = std::numeric_limits<size_t>::max();
    for (const std::string& n : names) {
      size_t d = EditDistance(t.metric, n);
      if (d < best_d) best_d = d, best = n;
    }
    std::string msg = quoted + ": unknown metric '" + t.metric + "'";
    if (best_d <= std::max<size_t>(2, t.metric.size() / 3))
      msg += " (did you mean '" + best + "'?)";
    return sim::Status::InvalidArgument(msg);
  }
  return t;
}

std::vector<ThresholdOutcome> EvaluateThresholds(const std::vector<Threshold>& thresholds,
                                                 const std::map<std::string, double>& metrics) {
  std::vector<ThresholdOutcome> out;
  for (const Threshold& t : thresholds) {
    ThresholdOutcome o;
    o.threshold = t;
    auto it = metrics.find(t.metric);
    o.actual = it == metrics.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
    o.passed = t.Passes(o.actual);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace tracesim::loadgen
