// The `samplers:` section of a scenario: the sampling strategies to compare (doc/sampling-lab.md).
//
//   samplers:
//     - name: head-10%
//       head: {sampler: parentbased_traceidratio, ratio: 0.1}        # doc/sampling-head.md
//     - name: from-env
//       env: {OTEL_TRACES_SAMPLER: parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG: "0.25"}
//     - name: my-collector
//       collector: otelcol.yaml              # a Collector config file (relative to the scenario)
//       processors: [probabilistic_sampler, tail_sampling/errors]   # optional: which, in order
//     - name: inline
//       probabilistic_sampler: {sampling_percentage: 50}
//       tail_sampling: {decision_wait: 10s, policies: [...]}        # doc/sampling-tail.md
//     - name: jaeger
//       jaeger_adaptive: {target_samples_per_second: 1}   # or jaeger: {strategies: FILE}
//       dynamic: {sampler: ema_dynamic, goal_sample_rate: 10, field_list: [status_code]}
//
// A strategy has at most one of head/env/jaeger/jaeger_adaptive, then Collector stages: from
// `collector` (every probabilistic_sampler and tail_sampling processor of the file, in file
// order, or those named in `processors`, in that order), then an inline probabilistic_sampler,
// then an inline tail_sampling, then a dynamic sampler (not after a tail_sampling stage). Jaeger
// strategies and config files are read here, so scenario validation checks them.
#ifndef TRACESIM_SAMPLING_STRATEGY_CONFIG_H_
#define TRACESIM_SAMPLING_STRATEGY_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/reader.h"
#include "sampling/lab/lab.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

// Parses the list at `list` (its key path and position, "samplers"), reporting every problem of
// every strategy into `diag` ("FILE:LINE:COL: samplers[2].head.ratio: ..."); problems inside a
// referenced Collector or Jaeger file name that file. Relative `collector` paths resolve against
// `base_dir` (empty: the working directory). Strategies with a problem are left out.
std::vector<StrategyConfig> ParseStrategies(const config::Node& list, const std::string& base_dir,
                                            config::Diagnostics& diag);
// The same at the edge: `source` names the file, the list sits at key "samplers".
sim::Result<std::vector<StrategyConfig>> ParseStrategies(const YAML::Node& list,
                                                         std::string_view source,
                                                         const std::string& base_dir);

// The strategy's pipeline as reports name it: "SDK parentbased_traceidratio(0.1) ->
// probabilistic_sampler(50%) -> tail_sampling(3 policies)".
std::string PipelineLabel(const StrategyConfig& strategy);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_STRATEGY_CONFIG_H_
