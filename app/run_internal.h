// The parts of RunScenario that sharded runs (app/shards.h) reuse: one shard of a run simulated
// with its windows, and the report filled from a (merged) outcome. Internal to app/.
#ifndef TRACESIM_APP_RUN_INTERNAL_H_
#define TRACESIM_APP_RUN_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "app/run.h"
#include "app/sinks.h"
#include "sim/base/state_io.h"
#include "sim/kernel/simulation.h"
#include "sim/model/arrivals.h"

namespace tracesim::app::internal {

// A run (or, with `shares` > 1, one of that many equal shards of it) estimated to simulate more
// than `max_spans` spans (RunOptions::max_spans; 0: no limit) is refused with kInvalidArgument,
// saying how long it would take and the ways out. The estimate is the expected arrivals times the
// mean spans per trace, measured on 2,000 traces only when the arrivals alone could reach the
// limit at 1,000 spans per trace, so ordinary runs pay nothing.
sim::Status CheckRunSize(const scenarios::Scenario& sc, const EffectiveRun& run, double max_spans,
                         uint32_t shares);

// What one shard simulates (doc/scale.md): the run's arrivals in [arrivals_from,
// arrivals_until), observed (shown to the sinks and the lab) when they arrive in [observe_from,
// observe_until). The kernel counters kept are those of the events in the observe window.
// Default: the whole run.
struct ShardWindow {
  sim::Time arrivals_from = sim::Time::FromNanos(0), arrivals_until = sim::Time::Max();
  sim::Time observe_from = sim::Time::FromNanos(0), observe_until = sim::Time::Max();
};

// A shard's outcome before the report is filled: the sinks, the lab (finished), the windowed
// kernel counters, the compression sample and the wall time.
struct ShardRun {
  RunOutcome outcome;
  std::unique_ptr<CompressionSample> compression;  // null in a shard loaded from a partial
  double compression_ratio = 0;  // when `compression` is null: the ratio measured (partials)
  double wall_s = 0;
};

// The run's arrivals in [from, until), each numbered with its position in the run's arrival
// stream (sim::Arrival::index; a source that numbers its own keeps its numbers): the ones before
// `from` are skipped (the source jumps what it can, ArrivalSource::SkipTo), so every shard sees
// the very arrivals of the unsharded run, and their traces draw the very same streams.
class WindowArrivals final : public sim::ArrivalSource {
 public:
  WindowArrivals(sim::ArrivalSource* source, sim::Time from, sim::Time until)
      : source_(source), from_(from), until_(until) {
    source_->SkipTo(from_);
  }
  bool Next(sim::Arrival* out) noexcept override {
    do {
      out->index = sim::Arrival::kCounted;
      if (!source_->Next(out)) return false;
      if (out->index == sim::Arrival::kCounted) out->index = drawn_;
      ++drawn_;
    } while (out->time < from_);
    return out->time < until_;
  }

 private:
  sim::ArrivalSource* source_;
  sim::Time from_, until_;
  uint64_t drawn_ = 0;
};

// The counters of SimulationStats (and of each ServiceStats): into += from / into -= from /
// into = from. Peaks, end_time, last_arrival and traces_unfinished are not counters: AddStats
// keeps the larger peak and `from`'s other fields, the others leave them.
void AddStats(const sim::SimulationStats& from, sim::SimulationStats* into);
void SubtractStats(const sim::SimulationStats& from, sim::SimulationStats* into);
void WindowStats(const sim::SimulationStats& at_end, sim::SimulationStats* into);
// SimulationStats as bytes and back (partial results, app/partial.h); LoadStats is false on a
// corrupt input or another number of services.
void SaveStats(const sim::SimulationStats& stats, sim::StateWriter& out);
bool LoadStats(sim::StateReader& in, size_t services, sim::SimulationStats* stats);
// The outcome's sinks and lab made as a run makes them (RunOptions without files or extra
// sinks), for partial results to be loaded into.
sim::Status WireForMerge(const scenarios::Scenario& sc, const RunOptions& options,
                         RunOutcome* outcome);
// The n + 1 edges of n shards' windows over the run's arrival window: equal expected traffic
// (workloads::Workload::EqualTrafficEdges; equal time at a constant rate).
sim::Result<std::vector<sim::Time>> ShardEdges(const scenarios::Scenario& sc,
                                               const EffectiveRun& run, uint32_t n);
// The windows of shard i between `edges` (ShardEdges) with `warmup` (doc/scale.md).
ShardWindow WindowOf(uint32_t i, const std::vector<sim::Time>& edges, sim::Duration warmup);
// Adds shard `from` into `into` (both not yet Complete()d), as RunSharded merges shards.
void MergeShard(ShardRun& from, ShardRun* into, const RunOptions& options);

// Makes RunOptions::per_shard's observers of shard `shard` (each factory called once, in order)
// and gives them to `mine`'s sinks, lab taps and on_lab. Returns them.
std::vector<ShardObservers> AddShardObservers(const RunOptions& options, uint32_t shard,
                                              RunOptions* mine);

// RunOptions::Validate() and the options applied to the scenario.
sim::Result<EffectiveRun> Effective(const scenarios::Scenario& sc, const RunOptions& options);
// Simulates one shard (the whole run with a default window).
sim::Result<ShardRun> SimulateShard(const scenarios::Scenario& sc, const RunOptions& options,
                                    const EffectiveRun& run, const ShardWindow& window);
// Fills shard->outcome.report (and the lab's scores) from the outcome's sinks and counters.
sim::Status Complete(const scenarios::Scenario& sc, const RunOptions& options, ShardRun* shard);

}  // namespace tracesim::app::internal

#endif  // TRACESIM_APP_RUN_INTERNAL_H_
