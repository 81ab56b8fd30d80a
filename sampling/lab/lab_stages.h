// LabStages: every strategy's Collector stages (probabilistic_sampler, tail_sampling, a dynamic
// sampler last), fed the spans that reach them, in pipeline order.
//
// Spans arrive per export request (OnExport: an SDK BatchSpanProcessor's export, or one span
// exported when it ended). A strategy with a tail_sampling stage takes a request trace by trace
// in upstream's random order (ExportGroups); the others span by span. A probabilistic_sampler
// stage passes the th/rv it wrote on to the next probabilistic_sampler stage, as the span's
// tracestate does upstream; a tail_sampling stage in between does not carry them, and passes
// kept spans on one at a time when it decides (on its ticker: AdvanceTo). A span past the last
// stage is stored: counted in the LabTally and against its trace in the TracePool. A dynamic
// stage only counts spans; the LabAdaptive decides it when the trace completes.
// Not thread-safe: simulation thread only.
#ifndef TRACESIM_SAMPLING_LAB_LAB_STAGES_H_
#define TRACESIM_SAMPLING_LAB_LAB_STAGES_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/tail_processor.h"
#include "sampling/lab/adaptive/lab_adaptive.h"
#include "sampling/lab/lab.h"
#include "sampling/lab/lab_tally.h"
#include "sampling/lab/tables/export_groups.h"
#include "sampling/lab/tables/trace_pool.h"

namespace tracesim::sampling {

class LabStages {
 public:
  // For `strategies` strategies; stored spans are counted in `pool` and `tally`; dynamic stages
  // live in `*ext` (made on first use). Every argument outlives this object.
  LabStages(const sim::Model& model, size_t strategies, TracePool* pool, LabTally* tally,
            std::unique_ptr<LabAdaptive>* ext);
  ~LabStages();

  // The Collector's start, the phase of every tail_sampling stage's 1-second ticker: the run's
  // start (Unix ns), so that every shard of a sharded run ticks at the instants the whole run
  // does; -1: each stage starts at its first arrival. REQUIRES: before Build. Default: -1.
  void SetStart(int64_t unix_nano) { start_unix_nano_ = unix_nano; }
  // Builds strategy k's stages from `cfg.stages`; errors start with `where` and the stage id.
  sim::Status Build(size_t k, const StrategyConfig& cfg, const std::string& where);
  // Observes arrivals (at OnExport) and stored spans; nullptr observes nothing. REQUIRES: before
  // the first span (a tail stage that is last keeps spans for the tap only if it is set then).
  void SetTap(LabTap* tap) { tap_ = tap; }

  // One export request of strategy k reaches its first stage at `at`. Fires the tail ticks due
  // before it.
  void OnExport(size_t k, int64_t at, std::span<const SizedSpan> spans);
  // A span exported alone when it ended reaches strategy k's first stage at `at` (`slot`: its
  // trace's pool slot or TracePool::kMissing). The caller fires the tail ticks due.
  void OnSpan(size_t k, const SizedSpan& span, int64_t at, uint32_t slot) {
    if (tap_ != nullptr) {
      tap_->OnArrival(k, *span.span, span.events, span.links, at);
      tap_->OnExportEnd(k);
    }
    if (!strategies_[k].stages.empty()) {
      Deliver(k, 0, std::span<const SizedSpan>(&span, 1), nullptr, at, slot);
      return;
    }
    if (tap_ != nullptr) tap_->OnStored(k, *span.span);  // no stage: stored at once
    if (span.span->observed) [[likely]]
      Store(k, slot, 1, span.size);
  }
  // The strategies whose stages read only the fixed fields of an arriving span: a tail_sampling
  // stage alone, whose policies read no spans (TailPolicy::ReadsSpans), with no tap set. Their
  // tail stage keeps no spans (its release listener needs none).
  uint64_t FixedFieldsOnly() const;
  // Fires the tail stages' ticks due at `t` (their decisions release spans downstream).
  void AdvanceTo(int64_t t);
  // The earliest next tick of any tail stage (INT64_MIN before any was asked; 0 while a tail
  // has not started).
  int64_t next_tick() const { return next_tick_; }
  // Shuts strategy k's tail stages down at `now` (they decide what they hold); returns how many
  // traces those final decisions sampled.
  uint64_t Shutdown(size_t k, int64_t now);

  // Strategy k's facts: the product of its probabilistic stages' probabilities; whether it has
  // a tail_sampling stage; per stage, its tail_sampling figures now (nullptr for another kind).
  double probability(size_t k) const { return strategies_[k].probability; }
  bool has_tail(size_t k) const { return strategies_[k].has_tail; }
  std::vector<const TailSamplingStats*> TailFigures(size_t k) const;
  // Whether any strategy has a tail_sampling stage; the longest decision wait of any (+ ticks).
  bool any_tail() const { return !tails_.empty(); }
  int64_t max_wait_ns() const { return max_wait_ns_; }

 private:
  class Forwarder;
  struct StageRt;
  struct Strategy {
    std::vector<StageRt> stages;
    double probability = 1;
    bool has_tail = false;
  };

  // Counts `spans` observed spans of `bytes` in all of a trace (pool slot `slot` or kMissing) as
  // stored by strategy k.
  void Store(size_t k, uint32_t slot, uint64_t spans, uint64_t bytes) {
    if (spans == 0) return;
    tally_.AddStored(k, spans, bytes);
    if (slot != TracePool::kMissing) {
      pool_.KeptOf(slot)[k] += static_cast<uint32_t>(spans);
      pool_.KeptBytesOf(slot)[k] += bytes;
    }
  }
  // Deliver()'s `slot` when the caller has not looked it up: Deliver does, if a stage needs it.
  static constexpr uint32_t kSlotLookup = TracePool::kMissing - 1;
  // The spans of `group`, one trace's (pool slot `slot`, kMissing, or kSlotLookup) of one
  // request, reach stage `stage` of strategy k at `arrival` (past the last stage: stored). `ot`:
  // per span, its th/rv as the previous probabilistic_sampler stage rewrote them; nullptr: as the
  // SDK sent them (the head sampler's th, no rv).
  void Deliver(size_t k, size_t stage, std::span<const SizedSpan> group,
               const ProbabilisticInput* ot, int64_t arrival, uint32_t slot);

  const sim::Model& model_;
  TracePool& pool_;
  LabTally& tally_;
  std::unique_ptr<LabAdaptive>& ext_;
  LabTap* tap_ = nullptr;
  std::vector<Strategy> strategies_;
  std::vector<TailSamplingProcessor*> tails_;  // every tail stage
  int64_t next_tick_ = INT64_MIN;              // earliest tick of any tail stage
  int64_t max_wait_ns_ = 0;
  int64_t start_unix_nano_ = -1;  // SetStart
  ExportGroups groups_;           // OnExport's grouping by trace (reused)
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_LAB_STAGES_H_
