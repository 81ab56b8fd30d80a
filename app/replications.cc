#include "app/replications.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "app/run_thresholds.h"

namespace tracesim::app {

sim::Result<Replications> RunReplications(const scenarios::Scenario& scenario, RunOptions options,
                                          size_t n,
                                          const std::vector<sampling::StrategyScore>* first) {
  if (n < 1 || n > 1000)
    return sim::Status::InvalidArgument("--replications: must be in [1, 1000]");
  if (scenario.samplers.empty())
    return sim::Status::InvalidArgument("--replications needs a scenario with samplers:");
  Replications out;
  const uint64_t base = options.seed.value_or(scenario.seed);
  options.spans_out.clear();
  options.truth_out.clear();
  options.sinks.clear();  // the observers watch the first run only
  options.per_shard.clear();
  options.lab_taps.clear();
  options.on_lab = nullptr;
  options.progress = nullptr;
  options.keep_traces = options.keep_error_traces = 0;
  options.keep_series = false;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 && first != nullptr) {
      out.seeds.push_back(base);
      out.runs.push_back(*first);
      continue;
    }
    options.seed = base + i;
    auto run = RunScenario(scenario, options);
    if (!run.ok()) return run.status();
    out.seeds.push_back(base + i);
    out.runs.push_back(run->report.sampling);
  }
  for (size_t k = 0; k < scenario.samplers.size(); ++k) {
    ReplicatedStrategy st;
    st.name = scenario.samplers[k].name;
    for (const char* name : kReplicatedMetrics) {
      std::vector<double> v;
      for (const auto& run : out.runs) v.push_back(StrategyMetrics(run[k]).at(name));
      double mean = 0;
      for (double x : v) mean += x;
      mean /= static_cast<double>(v.size());
      const double half = sampling::THalfWidth95(v);
      // Shares stay in [0, 1] and prices >= 0: the t interval is clipped to the metric's range.
      const double top = std::string_view(name) == "usd_month" ? INFINITY : 1.0;
      st.metrics.push_back({name, mean, std::max(0.0, mean - half), std::min(top, mean + half)});
    }
    out.strategies.push_back(std::move(st));
  }
  return out;
}

}  // namespace tracesim::app
