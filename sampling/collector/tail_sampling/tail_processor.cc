#include "sampling/collector/tail_sampling/tail_processor.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "sampling/collector/tail_sampling/tail_size.h"

namespace tracesim::sampling {
namespace {
constexpr int64_t kSecond = 1'000'000'000;

bool UsesTraceSize(const std::vector<TailPolicyConfig>& policies) {
  for (const TailPolicyConfig& p : policies) {
    if (p.type == TailPolicyType::kBytesLimiting || UsesTraceSize(p.sub_policies)) return true;
  }
  return false;
}

// What Create() refuses: the parts of the Collector's config the processor does not model.
sim::Status CheckModelled(const TailSamplingConfig& config, const std::string& where) {
  if (config.sampling_strategy != "trace-complete") {
    return sim::Status::Unsupported(where + "sampling_strategy \"" + config.sampling_strategy +
                                    "\" is not modelled; only trace-complete is");
  }
  if (config.num_shards != 1) {
    return sim::Status::Unsupported(where + "num_shards > 1 is not modelled");
  }
  if (config.num_traces > (uint64_t{1} << 31)) {
    return sim::Status::Unsupported(where + "num_traces above 2^31 is not modelled");
  }
  return sim::Status::Ok();
}
}  // namespace

// --- stats ------------------------------------------------------------------------------------

double TailSamplingStats::DecisionLatencyQuantileMs(double q) const {
  uint64_t total = 0;
  for (uint64_t c : decision_latency_ms) total += c;
  if (total == 0) return -1;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total));
  if (rank >= total) rank = total - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < decision_latency_ms.size(); ++i) {
    seen += decision_latency_ms[i];
    if (seen > rank) return static_cast<double>(i + 1);
  }
  return static_cast<double>(decision_latency_ms.size());
}

// --- processor --------------------------------------------------------------------------------

TailSamplingProcessor::TailSamplingProcessor(const TailSamplingConfig& config,
                                             const sim::Model& model, const Options& options)
    : config_(config),
      model_(model),
      options_(options),
      sizer_(model),
      sampled_cache_(static_cast<size_t>(std::max<int64_t>(0, config.sampled_cache_size))),
      non_sampled_cache_(static_cast<size_t>(std::max<int64_t>(0, config.non_sampled_cache_size))) {
}

sim::Result<std::unique_ptr<TailSamplingProcessor>> TailSamplingProcessor::Create(
    const TailSamplingConfig& config, const sim::Model& model, const Options& options) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  const std::string where = config.source + ": " + config.id + ": ";
  TRACESIM_RETURN_IF_ERROR(CheckModelled(config, where));
  std::unique_ptr<TailSamplingProcessor> p(new TailSamplingProcessor(config, model, options));
  auto chain = TailPolicyChain::Create(config, model, options.policy, &p->stats_.policies);
  if (!chain.ok()) return chain.status().WithContext(where.substr(0, where.size() - 2));
  p->chain_ = std::move(chain).value();

  p->track_size_ = config.maximum_trace_size_bytes > 0 || UsesTraceSize(config.policies);
  p->batcher_ = TailIdBatcher(
      std::max<uint64_t>(1, static_cast<uint64_t>(config.decision_wait_nanos / kSecond)));
  // MoveToEarlierBatch(id, batch, uint64(wait.Seconds())): whole seconds, may be 0 (next tick).
  p->root_batches_ = config.decision_wait_after_root_received_nanos > 0
                         ? config.decision_wait_after_root_received_nanos / kSecond
                         : -1;
  // Tables grow with the traces actually in memory (a sparse table sized for num_traces would
  // turn every lookup into a cache miss).
  p->slots_.reserve(std::min<uint64_t>(config.num_traces, 1024));
  uint64_t table = options.removed_id_table_size;
  if (table == 0) table = std::clamp<uint64_t>(4 * config.num_traces, 4096, 1u << 20);
  p->removed_ids_ = RemovedTraceIds(std::max<uint64_t>(table, 1));
  const uint64_t buckets = static_cast<uint64_t>(config.decision_wait_nanos / 1'000'000) + 3000;
  p->stats_.decision_latency_ms.assign(std::min<uint64_t>(buckets, 1u << 22), 0);
  if (options.start_unix_nano >= 0) {
    p->started_ = true;
    p->now_ = options.start_unix_nano;
    p->next_tick_ = options.start_unix_nano + kSecond;
  }
  return p;
}

void TailSamplingStats::RecordLatency(int64_t nanos) noexcept {
  auto& h = decision_latency_ms;
  if (h.empty()) return;
  uint64_t ms = nanos <= 0 ? 0 : static_cast<uint64_t>(nanos / 1'000'000);
  ++h[std::min<uint64_t>(ms, h.size() - 1)];
}

void TailSamplingStats::NotePeaks(uint64_t traces_now) noexcept {
  traces_in_memory = traces_now;
  peak_traces_in_memory = std::max(peak_traces_in_memory, traces_in_memory);
  peak_spans_buffered = std::max(peak_spans_buffered, spans_buffered);
  peak_bytes_buffered = std::max(peak_bytes_buffered, bytes_buffered);
}

void TailSamplingProcessor::Forward(const sim::Span& span, std::span<const sim::SpanEvent> events,
                                    std::span<const sim::SpanLink> links,
                                    uint32_t span_size) noexcept {
  ++stats_.spans_released;
  if (release_ != nullptr) {
    release_->OnRelease(span, events, links, span_size);
  } else if (downstream_ != nullptr) {
    downstream_->OnSpanEnd(model_, span, events, links);
  }
}

void TailSamplingProcessor::Append(TraceEntry& e, const SizedSpan& s) noexcept {
  ++e.buffered;
  e.summary.Add(*s.span);
  e.span_bytes += s.size;
  if (s.span->observed) {
    ++e.observed_spans;
    e.observed_bytes += s.size;
  }
  const uint64_t bytes = LengthDelimitedSize(s.size);  // + the ScopeSpans.spans wrapper
  e.bytes += bytes;
  ++e.span_count;
  ++stats_.spans_buffered;
  stats_.bytes_buffered += bytes;
  if (!keep_spans_) return;
  SpanBuffers& b = e.buf;
  static_assert(std::is_trivially_copyable_v<sim::Span>);
  static_assert(offsetof(sim::Span, dynamic_attrs) + sizeof(sim::Span::dynamic_attrs) <=
                sizeof(sim::Span));
  if (b.records.capacity() == 0) {
    b.records.reserve(1024);  // 8 KiB: ~30 spans of the bundled topologies
    b.offsets.reserve(32);
  }
  sim::Span& copy = *SpanRecords::Pack(b.records, b.offsets, *s.span);
  copy.first_event = static_cast<uint32_t>(b.events.size());
  copy.event_count = static_cast<uint32_t>(s.events.size());
  copy.first_link = static_cast<uint32_t>(b.links.size());
  copy.link_count = static_cast<uint32_t>(s.links.size());
  if (!s.events.empty()) b.events.insert(b.events.end(), s.events.begin(), s.events.end());
  if (!s.links.empty()) b.links.insert(b.links.end(), s.links.begin(), s.links.end());
  b.sizes.push_back(s.size);
}

void TailSamplingProcessor::ClearSpans(TraceEntry& e) noexcept {
  stats_.spans_buffered -= e.buffered;
  stats_.bytes_buffered -= e.bytes;
  e.bytes = 0;
  e.buffered = 0;
  e.summary = TailTraceSummary();
  e.span_bytes = 0;
  e.observed_spans = 0;
  e.observed_bytes = 0;
  if (!keep_spans_) return;  // its buffers were never used (nor their lines touched)
  SpanBuffers& b = e.buf;
  b.records.clear();
  b.offsets.clear();
  b.sizes.clear();
  b.events.clear();
  b.links.clear();
  // Hand the capacity to the pool: a decided trace in memory keeps no buffers.
  if (b.records.capacity() != 0) spare_buffers_.push_back(std::move(b));
  b = SpanBuffers();
}

void TailSamplingProcessor::RemoveEntry(uint32_t slot) noexcept {
  TraceEntry& e = slots_[slot];
  ClearSpans(e);
  if (e.decision == TailDecision::kPending) --pending_traces_;
  map_.Erase(e.id);
  removed_ids_.Remember(e.id);
  // Unlink from the insertion-order list.
  if (e.older != UINT32_MAX) slots_[e.older].newer = e.newer;
  if (e.newer != UINT32_MAX) slots_[e.newer].older = e.older;
  if (oldest_ == slot) oldest_ = e.newer;
  if (newest_ == slot) newest_ = e.older;
  e.older = e.newer = UINT32_MAX;
  e.in_use = false;
  free_slots_.push_back(slot);
  stats_.traces_in_memory = map_.size();
}

uint32_t TailSamplingProcessor::NewTrace(const sim::TraceId& id) noexcept {
  const bool recreated =
      removed_ids_.WasRemoved(id);  // before an eviction below overwrites the table
  if (map_.size() >= config_.num_traces && oldest_ != UINT32_MAX && !config_.block_on_overflow) {
    // waitForSpace without block_on_overflow: drop the oldest trace in memory, decided or not.
    // Its id stays in its batch: that tick counts it as dropped too early, or decides the trace
    // if a later span recreated it.
    TraceEntry& old = slots_[oldest_];
    // The next evictions take the traces after it, untouched for seconds: its successor's entry
    // is in cache (loaded at the previous eviction), so start loading that one's map and
    // removed-id places, and the entry after it.
    if (old.newer != UINT32_MAX) {
      const TraceEntry& next = slots_[old.newer];
      map_.Prefetch(next.id);
      removed_ids_.Prefetch(next.id);
      if (next.newer != UINT32_MAX) PrefetchSlot(next.newer);
    }
    if (old.decision == TailDecision::kPending) stats_.spans_dropped += old.buffered;
    RemoveEntry(oldest_);
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  TraceEntry& e = slots_[slot];
  if (!spare_buffers_.empty()) {
    e.buf = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  e.id = id;
  e.in_use = true;
  e.decision = TailDecision::kPending;
  e.first_arrival = now_;
  e.span_count = 0;
  e.size_bytes = 0;
  e.traces_size = 0;
  e.recreated = recreated;
  e.too_large = false;
  if (e.recreated) ++stats_.split_traces;
  e.older = newest_;
  e.newer = UINT32_MAX;
  if (newest_ != UINT32_MAX) slots_[newest_].newer = slot;
  newest_ = slot;
  if (oldest_ == UINT32_MAX) oldest_ = slot;
  map_.Put(id, slot);
  ++pending_traces_;
  ++stats_.traces_seen;
  // Processed at tick taken() + N; its old incarnation's id may be in this batch when recreated.
  e.batch = batcher_.AddToCurrent(id, recreated);
  return slot;
}

void TailSamplingProcessor::OnSpan(const sim::Span& span, std::span<const sim::SpanEvent> events,
                                   std::span<const sim::SpanLink> links,
                                   int64_t arrival_unix_nano) noexcept {
  OnSpan(span, events, links, arrival_unix_nano, sizer_.SizeOf(span, events, links));
}

void TailSamplingProcessor::OnLateGroup(TraceEntry& e, std::span<const SizedSpan> group) noexcept {
  stats_.late_spans_inherited += group.size();
  if (!e.too_large) ++stats_.late_span_ages;  // one sampling_late_span_age record per group
  e.span_count += group.size();
  if (track_size_) e.size_bytes += sizer_.GroupResourceSpansSize(group);
  for (const SizedSpan& s : group) {
    if (e.decision == TailDecision::kSampled) {
      Forward(*s.span, s.events, s.links, s.size);
    } else {
      ++stats_.spans_dropped;  // NotSampled, or Dropped ("unexpected decision", not forwarded)
    }
  }
}

// Long because: upstream's processTrace in one piece (caches, late groups, overflow, new trace,
// size cap, the root's earlier batch), in its order.
void TailSamplingProcessor::OnTraceGroup(std::span<const SizedSpan> group,
                                         int64_t arrival_unix_nano) noexcept {
  if (stalled_) {  // block_on_overflow with no room left: the Collector's loop never resumes
    stats_.spans_refused_stalled += group.size();
    return;
  }
  int64_t arrival = std::max(arrival_unix_nano, last_arrival_);
  if (!started_) {
    started_ = true;
    next_tick_ = arrival + kSecond;
  }
  if (last_arrival_ == INT64_MIN) {  // the first arrival
    keep_spans_ = chain_.ReadsSpans() ||
                  (release_ != nullptr ? release_->NeedsSpans() : downstream_ != nullptr);
  }
  last_arrival_ = arrival;
  AdvanceTo(arrival);
  now_ = std::max(now_, arrival);
  stats_.spans_received += group.size();
  const sim::TraceId& id = group.front().span->trace_id;
  if (sampled_cache_.Contains(id)) {
    stats_.late_spans_cached_sampled += group.size();
    for (const SizedSpan& s : group) Forward(*s.span, s.events, s.links, s.size);
    return;
  }
  if (non_sampled_cache_.Contains(id)) {
    stats_.late_spans_cached_not_sampled += group.size();
    stats_.spans_dropped += group.size();
    return;
  }
  uint32_t slot = map_.Find(id);
  if (slot != sim::TraceIdMap::kMissing) {
    if (slots_[slot].decision != TailDecision::kPending) {
      OnLateGroup(slots_[slot], group);
      return;
    }
  } else {
    if (config_.block_on_overflow && map_.size() >= config_.num_traces) {
      if (!WaitForSpace()) {
        stalled_ = true;
        stats_.spans_received -= group.size();
        stats_.spans_refused_stalled += group.size();
        return;
      }
      last_arrival_ = now_;  // this and the arrivals held behind it are processed now
    }
    slot = NewTrace(id);
  }
  TraceEntry& e = slots_[slot];
  bool has_root = false;
  for (const SizedSpan& s : group) {
    if (e.recreated) ++stats_.late_spans_after_eviction;
    Append(e, s);
    has_root |= s.span->parent_span_id == 0;
  }
  if (track_size_) {  // this arrival's ResourceSpans, when a size cap or bytes_limiting reads it
    const uint32_t rs = sizer_.GroupResourceSpansSize(group);
    e.size_bytes += rs;
    e.traces_size += LengthDelimitedSize(rs);
  }
  if (has_root && root_batches_ >= 0) {
    e.batch = batcher_.MoveEarlier(id, e.batch, static_cast<uint64_t>(root_batches_), e.recreated);
  }
  if (config_.maximum_trace_size_bytes > 0 && e.size_bytes > config_.maximum_trace_size_bytes) {
    stats_.NotePeaks(map_.size());
    ++stats_.traces_dropped_too_large;
    e.too_large = true;
    batcher_.Remove(e.id, e.batch);
    Finalize(slot, TailDecision::kNotSampled);
    return;
  }
  stats_.NotePeaks(map_.size());
}

void TailSamplingProcessor::OnSpanEnd(const sim::Model& /*model*/, const sim::Span& span,
                                      std::span<const sim::SpanEvent> events,
                                      std::span<const sim::SpanLink> links) noexcept {
  OnSpan(span, events, links, span.end_unix_nano);
}

void TailSamplingProcessor::AdvanceTo(int64_t unix_nano) noexcept {
  if (!started_) return;
  while (next_tick_ <= unix_nano) {
    now_ = next_tick_;
    Tick();
    next_tick_ += kSecond;
  }
  now_ = std::max(now_, unix_nano);
}

bool TailSamplingProcessor::WaitForSpace() noexcept {
  ++stats_.overflow_waits;
  // Every pending trace is in a batch at most num_batches() ticks away, so this ends: room, or
  // nothing pending left to decide (decided traces leave memory only through a decision cache).
  while (map_.size() >= config_.num_traces) {
    if (pending_traces_ == 0) return false;
    now_ = next_tick_;
    Tick();
    next_tick_ += kSecond;
  }
  return true;
}

void TailSamplingProcessor::DecideBatch(const std::vector<sim::TraceId>& ids, bool may_repeat,
                                        bool count_missing) noexcept {
  if (may_repeat) tick_seen_.Clear();
  // A tick walks a second's ids at random places of the map and the entries: load both ahead,
  // in two steps (map places kAhead ids before the entries).
  constexpr size_t kAhead = 8;
  const size_t n = ids.size();
  for (size_t i = 0; i < n && i < 2 * kAhead; ++i) map_.Prefetch(ids[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + 2 * kAhead < n) map_.Prefetch(ids[i + 2 * kAhead]);
    if (i + kAhead < n) PrefetchEntry(ids[i + kAhead]);
    const sim::TraceId& id = ids[i];
    if (!id.valid()) continue;  // removed from the batch (moved, or too large)
    if (may_repeat) {
      if (tick_seen_.Contains(id)) continue;  // a set upstream: once per batch
      tick_seen_.Put(id, 0);
    }
    const uint32_t slot = map_.Find(id);
    if (slot == sim::TraceIdMap::kMissing) {  // idNotFoundOnMapCount
      if (count_missing) ++stats_.traces_dropped_too_early;
      continue;
    }
    if (slots_[slot].decision != TailDecision::kPending) continue;
    Decide(slot);
  }
}

void TailSamplingProcessor::Tick() noexcept {
  bool may_repeat = false;
  batcher_.CloseCurrentAndTakeFirst(&tick_read_, &may_repeat);
  DecideBatch(tick_read_, may_repeat, /*count_missing=*/true);
}

void TailSamplingProcessor::Decide(uint32_t slot) noexcept {
  TraceEntry& e = slots_[slot];
  TailTraceData data;
  data.model = &model_;
  data.trace_id = e.id;
  data.summary = e.summary;
  if (keep_spans_) {  // else no policy reads them, and the buffers are empty
    data.spans = e.spans();
    data.events = e.buf.events;
    data.links = e.buf.links;
  }
  data.span_count = e.span_count;
  // TracesSize of ReceivedBatches: one ResourceSpans per arrival.
  data.size_bytes = track_size_ ? e.traces_size : 0;
  const TailDecision final_decision =
      chain_.Decide(data, now_, stats_.policies, &stats_.evaluation_errors);
  Finalize(slot, final_decision);
}

void TailSamplingProcessor::Release(TraceEntry& e) noexcept {
  if (!keep_spans_) {
    stats_.spans_released += e.buffered;
    if (release_ != nullptr && e.buffered != 0)
      release_->OnReleaseCounts(e.id, e.buffered, e.span_bytes, e.observed_spans, e.observed_bytes);
    return;
  }
  const SpanBuffers& b = e.buf;
  size_t i = 0;
  for (const sim::Span& s : e.spans()) {
    Forward(s, std::span<const sim::SpanEvent>(b.events.data() + s.first_event, s.event_count),
            std::span<const sim::SpanLink>(b.links.data() + s.first_link, s.link_count),
            b.sizes[i++]);
  }
}

void TailSamplingProcessor::Finalize(uint32_t slot, TailDecision final_decision) noexcept {
  TraceEntry& e = slots_[slot];
  e.decision = final_decision;
  --pending_traces_;
  stats_.RecordLatency(now_ - e.first_arrival);
  switch (final_decision) {
    case TailDecision::kSampled:
      ++stats_.traces_sampled;
      Release(e);
      break;
    case TailDecision::kDropped:
      ++stats_.traces_dropped;
      stats_.spans_dropped += e.buffered;
      break;
    default:
      ++stats_.traces_not_sampled;
      stats_.spans_dropped += e.buffered;
      break;
  }
  ClearSpans(e);
  // With a decision cache the trace leaves the map right after release (PR #37189).
  if (final_decision == TailDecision::kSampled) {
    if (sampled_cache_.enabled()) {
      sampled_cache_.Put(e.id);
      RemoveEntry(slot);
    }
  } else if (non_sampled_cache_.enabled()) {
    non_sampled_cache_.Put(e.id);
    RemoveEntry(slot);
  }
}

void TailSamplingProcessor::Shutdown(int64_t unix_nano) {
  if (started_) AdvanceTo(unix_nano);
  now_ = std::max(now_, unix_nano);
  // Stop(): the remaining pipeline batches, in order, then the current batch.
  // drop_pending_traces_on_shutdown: no tick runs, the pending traces are dropped.
  auto drop = [&](const std::vector<sim::TraceId>& batch) {
    for (const sim::TraceId& id : batch) {
      const uint32_t slot = id.valid() ? map_.Find(id) : sim::TraceIdMap::kMissing;
      if (slot == sim::TraceIdMap::kMissing) continue;
      TraceEntry& e = slots_[slot];
      if (e.decision != TailDecision::kPending) continue;
      ++stats_.traces_dropped_on_shutdown;
      stats_.spans_dropped += e.buffered;
      ClearSpans(e);
      e.decision = TailDecision::kNotSampled;
      --pending_traces_;
    }
  };
  for (uint64_t k = 0; k <= batcher_.num_batches(); ++k) {  // the ring, then the current batch
    bool may_repeat = false;
    const std::vector<sim::TraceId>& batch = batcher_.Remaining(k, &may_repeat);
    if (config_.drop_pending_traces_on_shutdown) {
      drop(batch);
    } else {
      DecideBatch(batch, may_repeat, /*count_missing=*/true);
    }
  }
  batcher_.Clear();
  stats_.NotePeaks(map_.size());
}

}  // namespace tracesim::sampling
