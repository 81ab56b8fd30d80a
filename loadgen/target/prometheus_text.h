// A parser of the Prometheus text exposition format 0.0.4 (what a Collector's
// service::telemetry Prometheus reader, `tracesim receive` and `tracesim load --metrics-addr`
// serve), for `tracesim load --target-metrics` (loadgen/target/target_monitor.h).
//
// Grammar, one sample per line (lines end at '\n'; a '\r' before it is ignored):
//   NAME [ '{' LABEL '="' VALUE '"' { ',' LABEL '="' VALUE '"' } [','] '}' ] VALUE [ TIMESTAMP ]
// NAME [a-zA-Z_:][a-zA-Z0-9_:]*, LABEL [a-zA-Z_][a-zA-Z0-9_]*; label values escape only `\\`,
// `\"` and `\n`; VALUE is a decimal float, `NaN`, `+Inf`, `-Inf` or `Inf`; TIMESTAMP an integer
// (milliseconds, ignored). Spaces or tabs separate the tokens. Lines starting with '#' (HELP,
// TYPE, other comments) and blank lines are skipped; an OpenMetrics exemplar (`# {...} v`) after
// the value is ignored, as is a final `# EOF`. Anything else is an error naming the line and
// column: the whole exposition is rejected (a scrape is all or nothing).
//
// Pure functions; no allocation beyond the result.
#ifndef TRACESIM_LOADGEN_PROMETHEUS_TEXT_H_
#define TRACESIM_LOADGEN_PROMETHEUS_TEXT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::loadgen {

struct PromSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written, unescaped
  double value = 0;

  // The label's value, or nullptr when the sample has no such label.
  const std::string* Label(std::string_view key) const;
};

// Parses a whole exposition. Errors (InvalidArgument): "line N, column C: WHAT".
sim::Result<std::vector<PromSample>> ParsePrometheusText(std::string_view text);

// The sum of the samples named `name` or `name`_total (a Collector's exporter may add the suffix
// to counters) whose labels include every (key, value) of `match`; `*found` (nullable) tells
// whether any sample matched.
double SumSamples(const std::vector<PromSample>& samples, std::string_view name,
                  const std::vector<std::pair<std::string, std::string>>& match = {},
                  bool* found = nullptr);

// The largest such sample (for gauges summed per target, e.g. RSS), or 0; `*found` as above.
double MaxSample(const std::vector<PromSample>& samples, std::string_view name, bool* found);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_PROMETHEUS_TEXT_H_
