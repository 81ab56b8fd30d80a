// Thresholds in the style of k6: "accepted_ratio>=0.999", "export_p99_ms<200", "dropped==0".
//
// Grammar: METRIC OP NUMBER, spaces allowed around the operator, OP one of < <= > >= == !=.
// METRIC must be one of the names a LoadReport exposes (LoadReport::Metrics(); listed in
// doc/load.md); an unknown name is an error with a did-you-mean suggestion. Pure functions.
#ifndef TRACESIM_LOADGEN_THRESHOLD_H_
#define TRACESIM_LOADGEN_THRESHOLD_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::loadgen {

enum class CompareOp : uint8_t { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

std::string_view CompareOpText(CompareOp op);  // "<", "<=", ...

struct Threshold {
  std::string text;  // as given, for messages
  std::string metric;
  CompareOp op = CompareOp::kLess;
  double value = 0;

  // True when `actual` satisfies the threshold.
  bool Passes(double actual) const noexcept;
};

// The metric names a threshold may use.
const std::vector<std::string>& ThresholdMetricNames();

// Parses one threshold. Errors (InvalidArgument) quote the text: bad syntax, a missing or
// non-finite number, an unknown metric.
sim::Result<Threshold> ParseThreshold(std::string_view text);
// The same grammar for another metric namespace (`tracesim run`'s STRATEGY.metric, issue 13):
// METRIC is any non-empty text before the operator, trimmed; the caller checks the name.
sim::Result<Threshold> ParseThresholdExpression(std::string_view text);

struct ThresholdOutcome {
  Threshold threshold;
  double actual = 0;
  bool passed = false;
};

// Evaluates each threshold against `metrics` (a metric absent from the map fails the threshold,
// with actual = NaN).
std::vector<ThresholdOutcome> EvaluateThresholds(const std::vector<Threshold>& thresholds,
                                                 const std::map<std::string, double>& metrics);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_THRESHOLD_H_
