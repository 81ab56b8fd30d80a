// The figures of a strategy's tail_sampling stages as the lab scores them: cut to the
// observation window of a sharded run, merged across shards, saved in partial results, and
// added to a StrategyScore.
#ifndef TRACESIM_SAMPLING_LAB_TAIL_FIGURES_H_
#define TRACESIM_SAMPLING_LAB_TAIL_FIGURES_H_

#include <vector>

#include "sampling/collector/tail_sampling/tail_processor.h"
#include "sampling/lab/lab.h"
#include "sim/base/state_io.h"

namespace tracesim::sampling {

// into += sign * from on the counters, the policies' votes and the decision latency buckets
// (not on the peaks and the gauges of what is in memory now).
void AddTailCounters(const TailSamplingStats& from, TailSamplingStats* into, int sign);
// Adds a shard's tail-stage figures: counts add up, peaks are the larger one, the decision
// latency buckets add up.
void MergeTailStats(const TailSamplingStats& from, TailSamplingStats* into);
// Adds one tail_sampling stage's buffering and decision figures to a strategy's score.
void AddTailStats(const TailSamplingStats& ts, StrategyScore* s);
// Every counter, gauge, peak, policy vote and latency bucket; LoadTailStats reads what
// SaveTailStats wrote (a corrupt input leaves `in` not ok).
void SaveTailStats(const TailSamplingStats& t, sim::StateWriter& out);
void LoadTailStats(sim::StateReader& in, TailSamplingStats* t);

// One strategy's tail-stage figures across the observation window's edges and merged shards.
// `live` has one entry per Collector stage of the strategy: its tail_sampling figures now, or
// nullptr for a stage of another kind.
struct TailWindow {
  // Per stage: the figures merged over shards (Merge) or loaded (LoadState); empty when none.
  std::vector<TailSamplingStats> merged;
  // Per stage: the figures at the observation window's edges (WindowEdge); empty when not taken.
  std::vector<TailSamplingStats> at_begin, at_end;

  // Takes the figures at the window's start (end = false) or end.
  void Edge(bool end, const std::vector<const TailSamplingStats*>& live);
  // The merged figures when there are any, else the live ones with their counters cut to the
  // window when its edges were taken (the peaks are the whole run's).
  std::vector<TailSamplingStats> Figures(const std::vector<const TailSamplingStats*>& live) const;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_TAIL_FIGURES_H_
