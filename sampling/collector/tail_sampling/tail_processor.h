// TailSamplingProcessor: a model of the Collector `tail_sampling` processor over a time-ordered
// span stream (spec sampling.md §1.5, trace-complete strategy).
//
// Spans arrive with an arrival time (non-decreasing); each OnSpan() is one arriving batch. Traces
// are grouped by id in a map bounded by `num_traces`. When it is full, the oldest trace still in
// memory is evicted, decided or not; with block_on_overflow, ingestion instead waits for the
// ticks that free room (a decision whose decision cache removes the trace), and later arrivals
// are processed when it resumes; if no pending trace is left to free room, the processor stalls
// for good and refuses every later new trace (TailSamplingStats::spans_refused_stalled; the
// Collector's loop would wait forever). A 1-second ticker, phased from Options::start_unix_nano
// (or the first arrival), takes the oldest of max(1, floor(decision_wait s)) id batches each tick
// and decides the pending traces in memory whose id it holds; a trace is thus decided N..N+1 s
// after its first span. As upstream, a batch is a set of ids, not of traces: a trace evicted
// and recreated by a later span is decided at its old batch's tick, and an id the tick no longer
// finds in memory is counted then as dropped too early. Kept spans go to the downstream
// observer (OnSpanEnd) as they are released (decision time, or immediately for late spans of a
// kept trace). Decision caches, late-span behaviours, decision_wait_after_root_received,
// maximum_trace_size_bytes and shutdown are modelled; span-ingest and num_shards > 1 are
// rejected by Create(). Memory: at most num_traces trace entries (id, state, counters); span data
// only for traces pending a decision, packed (SpanRecords) in buffers that decided traces return to
// a pool. Not thread-safe.
#ifndef TRACESIM_SAMPLING_TAIL_PROCESSOR_H_
#define TRACESIM_SAMPLING_TAIL_PROCESSOR_H_

#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/policies/tail_policy.h"
#include "sampling/collector/tail_sampling/tail_id_sets.h"
#include "sampling/collector/tail_sampling/tail_policy_chain.h"
#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/base/huge_pages.h"
#include "sim/base/status.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/trace_id_map.h"

namespace tracesim::sampling {

struct TailSamplingStats {
  uint64_t spans_received = 0;
  uint64_t traces_seen = 0;     // new trace ids (new_trace_id_received)
  uint64_t traces_sampled = 0;  // final decisions
  uint64_t traces_not_sampled = 0;
  uint64_t traces_dropped = 0;  // final Dropped (a drop policy matched)
  // Ids a tick (or the shutdown drain) took from its batch and no longer found in memory:
  // evicted (num_traces full) before their decision, counted at that tick as upstream does.
  uint64_t traces_dropped_too_early = 0;
  uint64_t traces_dropped_too_large = 0;  // over maximum_trace_size_bytes
  uint64_t traces_dropped_on_shutdown = 0;
  // block_on_overflow: waits for room (arrivals held until a tick freed it), and spans of new
  // traces refused once no pending trace was left to free room (the Collector stalls for good).
  uint64_t overflow_waits = 0;
  uint64_t spans_refused_stalled = 0;
  uint64_t spans_released = 0;  // forwarded downstream
  uint64_t spans_dropped = 0;   // dropped by decision, eviction, size cap, cache or shutdown
  // Late spans (arriving after their trace was decided):
  uint64_t late_spans_inherited = 0;  // trace still in memory: followed its decision
  // ... of them, those of a trace decided by a tick (not over maximum_trace_size_bytes): what
  // upstream's sampling_late_span_age histogram counts.
  uint64_t late_span_ages = 0;
  uint64_t late_spans_cached_sampled = 0;  // early_releases_from_cache_decision{sampled=true}
  uint64_t late_spans_cached_not_sampled = 0;
  // Spans of a trace id seen again after its entry left memory, buffered and decided afresh on
  // partial data (split traces). A lower bound: detection uses a bounded table of removed ids.
  uint64_t late_spans_after_eviction = 0;
  uint64_t split_traces = 0;
  uint64_t evaluation_errors = 0;
  uint64_t traces_in_memory = 0;  // current, decided or not (traces_on_memory)
  uint64_t spans_buffered = 0;
  uint64_t bytes_buffered = 0;
  uint64_t peak_traces_in_memory = 0;
  uint64_t peak_spans_buffered = 0;
  uint64_t peak_bytes_buffered = 0;  // Σ OTLP size of buffered spans (span + ScopeSpans wrapper)
  std::vector<TailPolicyStats> policies;  // top-level policies, config order
  // Decision latency (first span arrival -> decision), 1-ms buckets; the last is overflow.
  std::vector<uint64_t> decision_latency_ms;
  uint64_t decisions() const { return traces_sampled + traces_not_sampled + traces_dropped; }
  // The q-quantile (0..1) of decision latency in ms (bucket upper bound); -1 when no decisions.
  double DecisionLatencyQuantileMs(double q) const;
  // Counts one decision `nanos` after the trace's first arrival.
  void RecordLatency(int64_t nanos) noexcept;
  // Sets traces_in_memory and raises the peaks to the current figures.
  void NotePeaks(uint64_t traces_now) noexcept;
};

// Receives the spans a TailSamplingProcessor releases, with their OTLP body size (OtlpSpanSize)
// as it was known on arrival, so that nothing downstream has to size them again.
class TailReleaseListener {
 public:
  virtual ~TailReleaseListener() = default;
  virtual void OnRelease(const sim::Span& span, std::span<const sim::SpanEvent> events,
                         std::span<const sim::SpanLink> links, uint32_t span_size) noexcept = 0;
  // Whether OnRelease needs the spans' content. When false and no policy reads spans
  // (TailPolicy::ReadsSpans), the processor buffers none: a kept trace's buffered spans are
  // released as one OnReleaseCounts call, and only spans released on arrival (late spans of a
  // kept trace) reach OnRelease. Read at the first arrival. Default: true.
  virtual bool NeedsSpans() const noexcept { return true; }
  // A kept trace's buffered spans, released without their content (NeedsSpans() false): `spans`
  // spans of `bytes` OTLP body bytes in all, of which `observed_spans` of `observed_bytes` have
  // Span::observed.
  virtual void OnReleaseCounts(const sim::TraceId& /*trace*/, uint64_t /*spans*/,
                               uint64_t /*bytes*/, uint64_t /*observed_spans*/,
                               uint64_t /*observed_bytes*/) noexcept {}
};

// TailSamplingProcessor::Options.
struct TailSamplingOptions {
  // Unix nanos at which the processor starts (the ticker's phase). Default: -1 = the first
  // span's arrival.
  int64_t start_unix_nano = -1;
  TailPolicyOptions policy;
  // Slots in the table of removed trace ids used to detect split traces; 0 = 4 x num_traces
  // clamped to [4096, 1 Mi]. Default: 0.
  uint32_t removed_id_table_size = 0;
};

// Long because: one upstream component whose parts (buffering, ticks, the memory limit, caches,
// late spans, shutdown) all work on the one trace table and its insertion order; split, each
// part would reach into the others' state.
class TailSamplingProcessor final : public sim::SimulationObserver {
 public:
  // SimulationObserver: spans as they end (OnSpanEnd).
  uint32_t Interests() const override { return kSpanEnd; }
  using Options = TailSamplingOptions;

  static sim::Result<std::unique_ptr<TailSamplingProcessor>> Create(
      const TailSamplingConfig& config, const sim::Model& model, const Options& options);
  static sim::Result<std::unique_ptr<TailSamplingProcessor>> Create(
      const TailSamplingConfig& config, const sim::Model& model) {
    return Create(config, model, Options{});
  }

  // Receives kept spans as they are released; nullptr drops them. REQUIRES: outlives this.
  void SetDownstream(sim::SimulationObserver* downstream) { downstream_ = downstream; }
  // The same with the spans' sizes; when set, it is called instead of the downstream's OnSpanEnd.
  void SetReleaseListener(TailReleaseListener* listener) { release_ = listener; }

  // One span arriving at the collector. `events`/`links` are this span's own. An arrival
  // earlier than the previous one is treated as arriving at the previous time.
  void OnSpan(const sim::Span& span, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, int64_t arrival_unix_nano) noexcept;
  // The same when the caller knows the span's OTLP body size. REQUIRES: span_size ==
  // OtlpSpanSize(model, span, events, links).
  void OnSpan(const sim::Span& span, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, int64_t arrival_unix_nano,
              uint32_t span_size) noexcept {
    const SizedSpan one{&span, events, links, span_size};
    OnTraceGroup(std::span<const SizedSpan>(&one, 1), arrival_unix_nano);
  }
  // The spans of one trace that one arriving ResourceSpans holds (upstream's processTrace, one
  // call per trace of a request): the trace is created, counted and sized once for the group
  // (GroupResourceSpansSize), checked against maximum_trace_size_bytes after it, and a late
  // group counts one late-span age. OnSpan() is a group of one span. REQUIRES: `group` non-empty,
  // one trace id and one resource; each size == OtlpSpanSize of its span. A processor that keeps
  // no spans (TailReleaseListener::NeedsSpans) reads only their fixed fields: ids, times,
  // status, resource and scope, Span::observed.
  void OnTraceGroup(std::span<const SizedSpan> group, int64_t arrival_unix_nano) noexcept;
  // SimulationObserver: arrival = the span's end time (no export delay). REQUIRES: `model` is the
  // Model given to Create().
  void OnSpanEnd(const sim::Model& model, const sim::Span& span,
                 std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links) noexcept override;
  // Hints that a group of trace `id` arrives soon, in two steps, each a few groups before the
  // next: PrefetchIndex starts loading where the trace map and the table of removed ids hold it;
  // PrefetchEntry (once those are in cache) looks it up and starts loading its entry. No effect
  // on the contents. Always inlined: GCC 12 deletes calls to a function of prefetches alone.
  [[gnu::always_inline]] void PrefetchIndex(const sim::TraceId& id) const noexcept {
    map_.Prefetch(id);
    removed_ids_.Prefetch(id);
  }
  [[gnu::always_inline]] void PrefetchEntry(const sim::TraceId& id) const noexcept {
    const uint32_t slot = map_.Find(id);
    if (slot != sim::TraceIdMap::kMissing) PrefetchSlot(slot);
  }
  // Fires every tick at or before `unix_nano`.
  void AdvanceTo(int64_t unix_nano) noexcept;
  // Stops at `unix_nano`: fires due ticks, then decides every pending trace (or drops them with
  // drop_pending_traces_on_shutdown), in batch order.
  void Shutdown(int64_t unix_nano);

  const TailSamplingStats& stats() const { return stats_; }
  // Whether a policy reads the trace's spans (TailPolicy::ReadsSpans).
  bool ReadsSpans() const { return chain_.ReadsSpans(); }
  // Processor clock: time of the tick or arrival being processed (release time of spans).
  int64_t now() const { return now_; }
  int64_t next_tick_unix_nano() const { return next_tick_; }
  uint64_t num_batches() const { return batcher_.num_batches(); }
  // Composite allocations of top-level policy `i` (empty for other types).
  const std::vector<int64_t>& composite_allocations(size_t i) const {
    return chain_.policy(i).allocations();
  }

 private:
  // A pending trace's buffered spans. Decided traces hand theirs back to a pool for reuse, so
  // buffer memory follows the spans pending a decision, not num_traces.
  using Word = sim::SpanRecords::Word;  // not zeroed on resize
  struct SpanBuffers {
    std::vector<Word> records;      // packed span records (SpanRecords), in arrival order
    std::vector<uint32_t> offsets;  // per span: its record's word offset
    std::vector<uint32_t> sizes;    // per span: OtlpSpanSize
    std::vector<sim::SpanEvent> events;
    std::vector<sim::SpanLink> links;
  };
  struct TraceEntry {
    sim::TraceId id;
    bool in_use = false;
    bool recreated = false;
    bool too_large = false;  // decided NotSampled over maximum_trace_size_bytes
    uint32_t older = UINT32_MAX, newer = UINT32_MAX;  // insertion-order list (deleteTraceQueue)
    TailDecision decision = TailDecision::kPending;
    int64_t first_arrival = 0;
    TailIdBatcher::Place batch{};  // where its id was last put (batchID upstream)
    uint64_t span_count = 0;
    uint64_t bytes = 0;        // buffered span bytes (memory accounting)
    uint64_t size_bytes = 0;   // Σ ResourceSpansSize of every arrival (maximum_trace_size_bytes)
    uint64_t traces_size = 0;  // Σ its length-delimited size: TracesSize of ReceivedBatches
    SpanBuffers buf;
    uint32_t buffered = 0;     // spans buffered (in buf, when the processor keeps spans)
    TailTraceSummary summary;  // of the buffered spans
    // Of the buffered spans: Σ OTLP body sizes; those with Span::observed, and their sizes.
    uint64_t span_bytes = 0;
    uint32_t observed_spans = 0;
    uint64_t observed_bytes = 0;
    SpanRecords spans() const noexcept {
      return SpanRecords(buf.records.data(), std::span<const uint32_t>(buf.offsets));
    }
  };
  TailSamplingProcessor(const TailSamplingConfig& config, const sim::Model& model,
                        const Options& options);
  void Tick() noexcept;
  // Decides the pending traces whose ids `ids` holds (samplingPolicyOnTick); ids no longer in
  // memory count as dropped too early when `count_missing`.
  void DecideBatch(const std::vector<sim::TraceId>& ids, bool may_repeat,
                   bool count_missing) noexcept;
  // block_on_overflow: fires ticks until the map has room; false when none can free it.
  bool WaitForSpace() noexcept;
  void Decide(uint32_t slot) noexcept;
  void Finalize(uint32_t slot, TailDecision final_decision) noexcept;
  void Release(TraceEntry& e) noexcept;
  uint32_t NewTrace(const sim::TraceId& id) noexcept;
  void RemoveEntry(uint32_t slot) noexcept;
  void ClearSpans(TraceEntry& e) noexcept;
  void Append(TraceEntry& e, const SizedSpan& s) noexcept;
  // Starts loading every line of slot's entry (a hint).
  [[gnu::always_inline]] void PrefetchSlot(uint32_t slot) const noexcept {
    const char* p = reinterpret_cast<const char*>(&slots_[slot]);
    for (size_t line = 0; line < sizeof(TraceEntry); line += 64) __builtin_prefetch(p + line);
  }
  // A group reaching a trace already decided (late spans); Forward()s the spans of a kept one.
  void OnLateGroup(TraceEntry& e, std::span<const SizedSpan> group) noexcept;
  void Forward(const sim::Span& span, std::span<const sim::SpanEvent> events,
               std::span<const sim::SpanLink> links, uint32_t span_size) noexcept;

  TailSamplingConfig config_;
  const sim::Model& model_;
  Options options_;
  sim::SimulationObserver* downstream_ = nullptr;
  TailReleaseListener* release_ = nullptr;
  SpanSizer sizer_;
  // Trace sizes (TracesSize) are computed only when read: maximum_trace_size_bytes or a
  // bytes_limiting policy (at any depth).
  bool track_size_ = false;
  TailPolicyChain chain_;
  TailSamplingStats stats_;

  bool started_ = false;
  // Buffered spans are kept (packed in their trace's SpanBuffers): a policy or the release
  // listener reads them. Set at the first arrival.
  bool keep_spans_ = true;
  int64_t now_ = 0;
  int64_t next_tick_ = 0;
  int64_t last_arrival_ = INT64_MIN;
  int64_t root_batches_ = -1;  // decision_wait_after_root_received in whole batches; -1 = off

  std::vector<TraceEntry, sim::HugePageAllocator<TraceEntry>> slots_;  // large: huge pages
  std::vector<uint32_t> free_slots_;
  sim::TraceIdMap map_;
  std::vector<SpanBuffers> spare_buffers_;              // buffers of decided traces, for new ones
  uint32_t oldest_ = UINT32_MAX, newest_ = UINT32_MAX;  // insertion order of traces in memory
  TailIdBatcher batcher_;
  std::vector<sim::TraceId> tick_read_;  // the batch a tick decides (storage reused)
  sim::TraceIdMap tick_seen_;
  bool stalled_ = false;  // block_on_overflow with no way to free room
  TailDecisionCache sampled_cache_;
  TailDecisionCache non_sampled_cache_;
  RemovedTraceIds removed_ids_;
  uint64_t pending_traces_ = 0;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_PROCESSOR_H_
