// The tail_sampling processor's counters, as both sides of the comparison with the real
// Collector report them (doc/collector.md, "Counters"): tracesim's TailSamplingStats of a
// strategy's tail stages, and the Collector's own metrics that the oracle reads at shutdown
// (peers/otelcol/oracle CounterNames), under the same names, in a counters file:
//
//   # tracesim oracle counters v1: name value
//   new_trace_id_received 12061
//   ...
#ifndef TRACESIM_PEERS_LAB_ORACLE_COUNTERS_H_
#define TRACESIM_PEERS_LAB_ORACLE_COUNTERS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "sampling/collector/tail_sampling/tail_processor.h"
#include "sim/base/status.h"

namespace tracesim::peers {

using TailCounters = std::vector<std::pair<std::string, uint64_t>>;

// The counters of `stages` (summed), in the oracle's CounterNames order.
TailCounters TailCountersOf(const std::vector<const sampling::TailSamplingStats*>& stages);

void WriteCounters(const TailCounters& counters, std::ostream& out);
// A counters file; errors name the file and line.
sim::Result<TailCounters> ReadCounters(const std::string& path);

// The names whose values differ (a name missing on one side counts as 0 there), restricted to
// `only` when it is not empty.
std::vector<std::string> CounterDifferences(const TailCounters& a, const TailCounters& b,
                                            const std::vector<std::string>& only);

}  // namespace tracesim::peers

#endif  // TRACESIM_PEERS_LAB_ORACLE_COUNTERS_H_
