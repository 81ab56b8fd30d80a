#include "sampling/lab/lab.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "sampling/lab/lab_heads.h"
#include "sampling/lab/lab_stages.h"
#include "sampling/lab/lab_tally.h"
#include "sampling/lab/strategy_config.h"
#include "sampling/lab/tables/trace_pool.h"
#include "sampling/lab/tail_figures.h"

namespace tracesim::sampling {

sim::Status LabOptions::Validate() const {
  if (!(slow_threshold_ms > 0))
    return sim::Status::InvalidArgument("slow_threshold_ms must be > 0");
  if (!(compression_ratio > 0 && compression_ratio <= 1)) {
    return sim::Status::InvalidArgument("compression_ratio must be in (0, 1]");
  }
  return pricing.Validate();
}

// The lab wires its parts: SDK head samplers (LabHeads) decide as spans start; spans that end
// reach the SDKs' BatchSpanProcessors (SdkBatchExport) or go straight to the Collector stages
// (LabStages); a completed trace waits in the TracePool for the longest decision wait, then
// LabTally scores it. Jaeger providers and dynamic stages live in LabAdaptive.
struct SamplingLab::Impl {
  // Hands each SDK export to the stages.
  class ExportListener final : public SdkExportListener {
   public:
    explicit ExportListener(LabStages* stages) : stages_(stages) {}
    void OnExport(size_t strategy, int64_t at, std::span<const SizedSpan> spans) noexcept override {
      stages_->OnExport(strategy, at, spans);
    }

   private:
    LabStages* stages_;
  };

  // What the lab keeps per strategy beyond its parts' state.
  struct Strategy {
    StrategyConfig cfg;
    uint64_t sampled_at_shutdown = 0;  // tail decisions made by Finish()'s Shutdown
    TailWindow tail;                   // window edges and merged shards (tail_figures.h)
    // The notes of the lab this one was loaded from (SamplingLab::LoadState); unset otherwise.
    std::optional<std::vector<std::string>> loaded_notes;
    SdkExportStats sdk_merged;  // other shards' SDK figures (SamplingLab::Merge, LoadState)
    // The SDK figures at the observation window's edges (WindowEdge); unset when not taken.
    std::optional<SdkExportStats> sdk_at_begin, sdk_at_end;
  };

  const sim::Model& model;
  const sim::FaultPlan* plan;
  LabOptions options;
  std::vector<Strategy> strategies;
  std::unique_ptr<LabAdaptive> ext;  // Jaeger providers and dynamic stages; null when unused
  LabTap* tap = nullptr;             // SetTap()
  SpanSizer sizer;
  TracePool pool;
  LabTally tally;
  LabHeads heads;
  LabStages stages;
  std::unique_ptr<SdkBatchExport> bsp;  // null when every strategy exports at span end
  ExportListener export_listener{&stages};
  // A completed trace waiting to be scored: its id, its pool slot when it completed (a
  // prefetch hint only: FinalizeDue looks the id up) and when it is due.
  struct Due {
    sim::TraceId id;
    int64_t deadline;
    uint32_t slot;
  };
  std::deque<Due> finalize_queue;  // completed traces by deadline
  int64_t max_wait_ns = 0;  // longest decision wait of any tail stage (+ one tick) and SDK delay
  uint64_t all_bits = 0;    // one bit per strategy
  // With at most 32 strategies the observer word (Span::observer_bits) carries the trace's pool
  // slot + 1 in its upper half, beside the decision bits: a span's slot is then known without a
  // lookup in the pool's index, a cache miss per span in a long run.
  bool slot_in_word = false;
  int64_t now = 0;
  bool finished = false;
  sim::Time wakeup = sim::Time::FromNanos(1'000'000'000);  // NextWakeup()

  Impl(const sim::Model& m, const sim::FaultPlan* p, LabOptions o, size_t n)
      : model(m),
        plan(p),
        options(o),
        strategies(n),
        sizer(m),
        tally(n, p ? p->faults.size() : 0, m.services.size(), o.run_window_ns),
        heads(m, n),
        stages(m, n, &pool, &tally, &ext),
        all_bits(n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1),
        slot_in_word(n <= 32) {
    pool.SetStrategies(n);
  }

  // The observer word of a span of the trace in `slot` with decision bits `bits`.
  uint64_t Word(uint64_t bits, uint32_t slot) const {
    return slot_in_word ? bits | (uint64_t{slot} + 1) << 32 : bits;
  }
  // The pool slot of a span's trace, from its word when it carries one (the span started while
  // the lab observed: its trace has that slot until it is scored), else looked up: made when
  // absent if `make`, else TracePool::kMissing.
  uint32_t SlotOfSpan(const sim::Span& span, bool make) {
    const uint64_t tag = span.observer_bits >> 32;
    if (slot_in_word && tag != 0 && tag != 0xFFFFFFFFu) return static_cast<uint32_t>(tag - 1);
    return make ? pool.Slot(span.trace_id) : pool.SlotOf(span.trace_id);
  }

  // Strategy k's samplers, Jaeger provider and stages; errors name the strategy.
  sim::Status BuildStrategy(size_t k) {
    const StrategyConfig& cfg = strategies[k].cfg;
    const std::string where = "strategy '" + cfg.name + "'";
    if (cfg.has_head) {
      sim::Status h = heads.Build(k, cfg);
      if (!h.ok()) return h.WithContext(where);
    }
    if (cfg.jaeger.mode != JaegerProviderConfig::Mode::kNone) {
      if (!ext) ext = std::make_unique<LabAdaptive>(model);
      sim::Status j = ext->AddJaeger(k, cfg.jaeger, cfg.sdk, heads.samplers(k));
      if (!j.ok()) return j.WithContext(where + ", jaeger");
    }
    return stages.Build(k, cfg, where);
  }

  // The SDKs' BatchSpanProcessors of the strategies that export through one (not at span end,
  // no dynamic stage); their delay is added to the scoring wait.
  sim::Status BuildExport() {
    std::vector<std::optional<BspOptions>> per(strategies.size());
    bool any = false;
    for (size_t k = 0; k < strategies.size(); ++k) {
      const StrategyConfig& c = strategies[k].cfg;
      if (!c.ExportsThroughBsp()) continue;
      sim::Status v = c.bsp.Validate();
      if (!v.ok()) return v.WithContext("strategy '" + c.name + "', export");
      per[k] = c.bsp;
      any = true;
    }
    if (!any) return sim::Status::Ok();
    bsp = std::make_unique<SdkBatchExport>(model, per, &export_listener);
    // The SDKs start with the run, in every shard alike (doc/scale.md).
    if (options.start_unix_nanos != INT64_MIN) bsp->SetOrigin(options.start_unix_nanos);
    // Strategies deciding span by span (no tail stage) whose exports cannot time out: their
    // BSPs only count, and spans reach their stages when they end (the same decisions).
    uint64_t count_only = 0;
    for (size_t k = 0; k < strategies.size(); ++k) {
      if (!per[k] || stages.has_tail(k)) continue;
      const BspOptions& o = *per[k];
      if (o.export_timeout_ms == 0 || o.export_duration_ms < o.export_timeout_ms)
        count_only |= uint64_t{1} << k;
    }
    bsp->SetCountOnly(count_only);
    bsp->SetFixedFieldsOnly(stages.FixedFieldsOnly());
    max_wait_ns += bsp->max_delay_ns();
    return sim::Status::Ok();
  }

  // Strategy k's SDK export figures: this lab's over its observation window (the counters at
  // the window's end minus those at its start: events by time, as the kernel's counters are
  // windowed), plus the shards it merged or loaded. Zero when k exports at span end.
  SdkExportStats SdkFigures(size_t k) const {
    const Strategy& st = strategies[k];
    SdkExportStats e = st.sdk_merged;
    if (!bsp || !(bsp->mask() >> k & 1)) return e;
    e.Add(st.sdk_at_end ? *st.sdk_at_end : bsp->stats(k), 1);
    if (st.sdk_at_begin) e.Add(*st.sdk_at_begin, -1);
    return e;
  }

  // Strategy k's SDK export figures into its score.
  void AddSdkStats(size_t k, StrategyScore* s) const {
    if (!bsp || !(bsp->mask() >> k & 1)) return;
    const SdkExportStats e = SdkFigures(k);
    s->sdk_batching = true;
    s->sdk_spans_dropped = e.spans_dropped;
    s->sdk_spans_lost_timeout = e.spans_lost_timeout;
    s->sdk_exports = e.exports;
  }

  void FinalizeDue() {
    // The traces are scored in queue order, long after they were last touched: each one's
    // index entry and record are cache misses. Start loading those of the trace kAhead places
    // back while this one is scored.
    constexpr size_t kAhead = 24;
    while (!finalize_queue.empty() && (finished || finalize_queue.front().deadline <= now)) {
      if (finalize_queue.size() > kAhead) {
        const Due& ahead = finalize_queue[kAhead];
        pool.Prefetch(ahead.id, ahead.slot);
      }
      sim::TraceId id = finalize_queue.front().id;
      finalize_queue.pop_front();
      const uint32_t slot = pool.SlotOf(id);
      if (slot == TracePool::kMissing) continue;
      pool.Forget(id);
      Score(slot);
      if (tap != nullptr) tap->OnScored(id, {pool.KeptOf(slot), strategies.size()});
      pool.Release(slot);
    }
  }

  double AdjustedCount(size_t k, const sim::TraceTruth& t) const {
    double p = stages.probability(k);
    if (t.entry_operation != sim::kNone && strategies[k].cfg.has_head)
      p *= heads.Probability(k, model.operations[t.entry_operation].service);
    // Jaeger remote SDKs: the probability their root decision applied (1 when rate-limited).
    if (ext) p *= ext->HeadProbability(k, t.sequence);
    return p > 0 ? 1.0 / p : 0.0;
  }

  void Score(uint32_t slot) {
    const TracePool::Record& t = pool.record(slot);
    if (t.exported == 0) return;  // nothing reached a backend
    const sim::TraceTruth& tr = t.truth;
    if (t.observed) {  // outside the observation window: simulated, never scored
      tally.Record(tr, t.whole_ns, t.exported, t.requests, pool.KeptOf(slot),
                   pool.KeptBytesOf(slot), [&](size_t k) { return AdjustedCount(k, tr); });
    }
    if (ext) ext->ForgetTrace(tr.sequence);
  }

  // Strategy k's notes: those it was loaded with, or what its Jaeger provider or dynamic stage
  // has to say.
  std::vector<std::string> Notes(size_t k) const {
    if (strategies[k].loaded_notes) return *strategies[k].loaded_notes;
    return ext ? ext->Notes(k) : std::vector<std::string>{};
  }
};

SamplingLab::SamplingLab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SamplingLab::~SamplingLab() = default;
size_t SamplingLab::strategy_count() const { return impl_->strategies.size(); }
std::vector<const TailSamplingStats*> SamplingLab::TailStats(size_t k) const {
  std::vector<const TailSamplingStats*> out = impl_->stages.TailFigures(k);
  std::erase(out, nullptr);
  return out;
}
const StrategyConfig& SamplingLab::strategy(size_t k) const { return impl_->strategies[k].cfg; }
void SamplingLab::SetTap(LabTap* tap) {
  impl_->tap = tap;
  const bool spans = tap != nullptr && tap->WantsSpans();
  impl_->stages.SetTap(spans ? tap : nullptr);
  // The tap sees every export request as sent: every BSP holds its spans.
  if (spans && impl_->bsp) impl_->bsp->SetCountOnly(0);
  if (impl_->bsp) impl_->bsp->SetFixedFieldsOnly(impl_->stages.FixedFieldsOnly());
}

SamplingLab::TailMemory SamplingLab::TailMemoryNow(size_t k) const {
  TailMemory m;
  for (const TailSamplingStats* ts : impl_->stages.TailFigures(k)) {
    if (ts == nullptr) continue;
    m.traces += ts->traces_in_memory;
    m.spans += ts->spans_buffered;
    m.bytes += ts->bytes_buffered;
  }
  return m;
}

sim::Result<std::unique_ptr<SamplingLab>> SamplingLab::Create(
    const sim::Model& model, const sim::FaultPlan* plan, std::vector<StrategyConfig> strategies,
    LabOptions options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  if (strategies.empty()) return sim::Status::InvalidArgument("no sampling strategy to compare");
  if (strategies.size() > kMaxStrategies) {
    return sim::Status::InvalidArgument("at most " + std::to_string(kMaxStrategies) +
                                        " strategies, got " + std::to_string(strategies.size()));
  }
  auto impl = std::make_unique<Impl>(model, plan, options, strategies.size());
  // The Collector starts with the run (its tickers' phase), in every shard alike.
  if (options.start_unix_nanos != INT64_MIN) impl->stages.SetStart(options.start_unix_nanos);
  for (size_t k = 0; k < strategies.size(); ++k) {
    impl->strategies[k].cfg = std::move(strategies[k]);
    TRACESIM_RETURN_IF_ERROR(impl->BuildStrategy(k));
  }
  impl->max_wait_ns = impl->stages.max_wait_ns();
  TRACESIM_RETURN_IF_ERROR(impl->BuildExport());
  return std::unique_ptr<SamplingLab>(new SamplingLab(std::move(impl)));
}

uint64_t SamplingLab::OnSpanStart(const sim::Model&, const sim::Span& span,
                                  const sim::Span* parent) noexcept {
  Impl& m = *impl_;
  if (m.ext) m.ext->BeforeSpanStart(span.start_unix_nano);  // Jaeger polls due
  // The trace's record exists from its first span on, so spans a stage keeps before the trace
  // completes are counted against it.
  uint32_t slot;
  if (parent == nullptr) {
    slot = m.pool.Slot(span.trace_id);
    m.pool.record(slot).observed = span.observed;
  } else {
    slot = m.SlotOfSpan(*parent, /*make=*/true);
  }
  const uint64_t bits = m.heads.Bits(span, parent, m.pool, slot);
  if (m.ext && parent == nullptr) m.ext->AfterRootStart(span, bits);
  return m.Word(bits, slot);
}

void SamplingLab::OnSpanEnd(const sim::Model&, const sim::Span& span,
                            std::span<const sim::SpanEvent> events,
                            std::span<const sim::SpanLink> links) noexcept {
  Impl& m = *impl_;
  m.now = std::max(m.now, span.end_unix_nano);
  if (m.bsp) m.bsp->AdvanceTo(m.now);  // exports due: their arrivals come before this span's
  m.stages.AdvanceTo(m.now);
  if (m.ext) m.ext->OnSpanEnd(span);
  const uint64_t bits = span.observer_bits & m.all_bits;
  if (bits != 0) {
    const uint32_t size = m.sizer.SizeOf(span, events, links);
    const uint64_t batched = m.bsp ? bits & m.bsp->mask() : 0;
    uint64_t direct = bits & ~batched;
    // Count-only BSPs (SetCountOnly) hand back the strategies that took the span: delivered now.
    if (batched != 0) direct |= m.bsp->OnSpanEnd(span, events, links, size, batched, m.now);
    if (direct != 0) {
      const uint32_t slot = m.SlotOfSpan(span, /*make=*/false);
      const SizedSpan one{&span, events, links, size};
      for (size_t k = 0; k < m.strategies.size(); ++k)
        if (direct >> k & 1) m.stages.OnSpan(k, one, m.now, slot);
    }
  }
  m.FinalizeDue();
}

uint32_t SamplingLab::Interests() const {
  const bool ticks =
      (impl_->stages.any_tail() || impl_->bsp) && impl_->options.start_unix_nanos != INT64_MIN;
  // Every trace, also outside the observation window of a sharded run: the warm-up loads the
  // stages (memory, decisions, adaptive loops) and only the window's traces are scored.
  return kSpanStart | kSpanEnd | kTraceComplete | kAllTraces | (ticks ? kTimeAdvance : 0u);
}

sim::Time SamplingLab::NextWakeup() const noexcept { return impl_->wakeup; }

void SamplingLab::OnTimeAdvance(sim::Time now) noexcept {
  Impl& m = *impl_;
  const int64_t start = m.options.start_unix_nanos;
  const int64_t unix_now = start + now.nanos();
  m.now = std::max(m.now, unix_now);
  if (m.bsp) m.bsp->AdvanceTo(m.now);  // the SDKs' timers due
  m.stages.AdvanceTo(m.now);           // the ticks due, as upstream's ticker fires them
  m.FinalizeDue();
  constexpr int64_t kSecond = 1'000'000'000;
  // Tails that have not started report tick 0: look again in a second.
  const int64_t tick = m.stages.next_tick();
  int64_t next_unix = tick > m.now ? tick : INT64_MAX;
  if (m.bsp && m.bsp->next_due() > m.now) next_unix = std::min(next_unix, m.bsp->next_due());
  const int64_t next = next_unix != INT64_MAX ? next_unix - start : now.nanos() + kSecond;
  m.wakeup = sim::Time::FromNanos(std::max(next, now.nanos() + 1));
}

void SamplingLab::OnTrace(const sim::TraceView& trace) noexcept {
  Impl& m = *impl_;
  if (m.ext) m.ext->OnTrace(trace);  // decides the dynamic stages
  if (trace.truth == nullptr || trace.spans.empty()) {
    // No span reached a backend; drop any state the head decisions made.
    const uint32_t slot = m.pool.SlotOf(trace.trace_id);
    if (slot != TracePool::kMissing) {
      m.pool.Release(slot);
      m.pool.Forget(trace.trace_id);
    }
    return;
  }
  const uint32_t slot = m.SlotOfSpan(trace.spans.front(), /*make=*/true);
  TracePool::Record& a = m.pool.record(slot);
  a.completed = true;
  a.observed = trace.observed;
  a.truth = *trace.truth;
  a.exported = static_cast<uint32_t>(trace.spans.size());
  if (m.ext && trace.observed) {
    for (const LabAdaptive::Kept& d : m.ext->kept()) {
      m.tally.AddStored(d.strategy, d.spans, d.bytes);
      m.pool.KeptOf(slot)[d.strategy] += d.spans;
      m.pool.KeptBytesOf(slot)[d.strategy] += d.bytes;
    }
  }
  int64_t first_start = INT64_MAX, last_end = INT64_MIN;
  a.requests.clear();
  for (const sim::Span& s : trace.spans) {
    last_end = std::max(last_end, s.end_unix_nano);
    first_start = std::min(first_start, s.start_unix_nano);
    if (s.kind == sim::SpanKind::kServer || s.kind == sim::SpanKind::kConsumer) {
      a.requests.push_back(
          {s.service, s.end_unix_nano - s.start_unix_nano, s.status == sim::StatusCode::kError});
    }
  }
  m.now = std::max(m.now, last_end);
  a.whole_ns = last_end - first_start;
  m.finalize_queue.push_back({trace.trace_id, m.now + m.max_wait_ns, slot});
  m.FinalizeDue();
}

void SamplingLab::Finish(int64_t end_unix_nano) {
  Impl& m = *impl_;
  m.now = std::max(m.now, end_unix_nano);
  if (m.bsp) m.bsp->Shutdown(m.now);  // the SDKs flush first, then the Collector shuts down
  for (size_t k = 0; k < m.strategies.size(); ++k)
    m.strategies[k].sampled_at_shutdown += m.stages.Shutdown(k, m.now);
  if (m.ext) m.ext->Finish(m.now);
  m.finished = true;
  m.FinalizeDue();
}

sim::Status SamplingLab::WriteOutputs() const {
  if (!impl_->ext) return sim::Status::Ok();
  std::vector<std::string> names;
  for (const Impl::Strategy& st : impl_->strategies) names.push_back(st.cfg.name);
  return impl_->ext->WriteOutputs(names);
}

const LabAdaptive* SamplingLab::adaptive() const { return impl_->ext.get(); }

void SamplingLab::WindowEdge(bool end) {
  Impl& m = *impl_;
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    Impl::Strategy& st = m.strategies[k];
    st.tail.Edge(end, m.stages.TailFigures(k));
    if (m.bsp) (end ? st.sdk_at_end : st.sdk_at_begin) = m.bsp->stats(k);
  }
}

void SamplingLab::Merge(const SamplingLab& other) {
  Impl& m = *impl_;
  const Impl& o = *other.impl_;
  m.tally.Merge(o.tally);
  for (size_t k = 0; k < m.strategies.size() && k < o.strategies.size(); ++k) {
    Impl::Strategy& st = m.strategies[k];
    const Impl::Strategy& os = o.strategies[k];
    // The run's shutdown flush is the last shard's (shards merge in order): earlier shards'
    // flushes decide traces of their trailing warm-up, which later shards score on their ticker.
    st.sampled_at_shutdown = os.sampled_at_shutdown;
    if (!st.loaded_notes && os.loaded_notes) st.loaded_notes = os.loaded_notes;
    std::vector<TailSamplingStats> mine = st.tail.Figures(m.stages.TailFigures(k));
    const std::vector<TailSamplingStats> theirs = os.tail.Figures(o.stages.TailFigures(k));
    for (size_t i = 0; i < mine.size() && i < theirs.size(); ++i)
      MergeTailStats(theirs[i], &mine[i]);
    st.tail.merged = std::move(mine);
    st.sdk_merged.Add(o.SdkFigures(k), 1);
  }
}

std::vector<StrategyScore> SamplingLab::Scores(double duration_s) const {
  const Impl& m = *impl_;
  std::vector<StrategyScore> out;
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    const Impl::Strategy& st = m.strategies[k];
    StrategyScore s;
    s.name = st.cfg.name;
    s.description = st.cfg.description;
    s.pipeline = PipelineLabel(st.cfg);
    s.notes = m.Notes(k);
    m.tally.Fill(k, m.model, m.plan, m.options, duration_s, &s);
    const std::vector<const TailSamplingStats*> live = m.stages.TailFigures(k);
    const std::vector<TailSamplingStats> tail_stats = st.tail.Figures(live);
    for (size_t i = 0; i < live.size(); ++i)
      if (live[i] != nullptr) AddTailStats(tail_stats[i], &s);
    s.kept_at_shutdown = st.sampled_at_shutdown;
    m.AddSdkStats(k, &s);
    for (const CollectorStage& cs : st.cfg.stages)
      s.red_biased |= cs.kind() != CollectorStage::Kind::kProbabilistic;
    out.push_back(std::move(s));
  }
  MarkPareto(&out);
  return out;
}

// ---- partial results (SaveState / LoadState) ----------------------------------------------

void SamplingLab::SaveState(sim::StateWriter& out) const {
  const Impl& m = *impl_;
  m.tally.SaveTruth(out);
  out.U64(m.strategies.size());
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    const Impl::Strategy& st = m.strategies[k];
    m.tally.SaveStrategy(k, out);
    out.U64(st.sampled_at_shutdown);
    const std::vector<TailSamplingStats> tails = st.tail.Figures(m.stages.TailFigures(k));
    out.U64(tails.size());
    for (const TailSamplingStats& t : tails) SaveTailStats(t, out);
    const SdkExportStats e = m.SdkFigures(k);
    for (uint64_t v :
         {e.spans_enqueued, e.spans_dropped, e.spans_lost_timeout, e.spans_exported, e.exports})
      out.U64(v);
    const std::vector<std::string> notes = m.Notes(k);
    out.U64(notes.size());
    for (const std::string& n : notes) out.Str(n);
  }
}

bool SamplingLab::LoadState(sim::StateReader& in) {
  Impl& m = *impl_;
  if (!m.tally.LoadTruth(in)) return false;
  if (in.U64() != m.strategies.size()) return false;
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    Impl::Strategy& st = m.strategies[k];
    if (!m.tally.LoadStrategy(k, in)) return false;
    st.sampled_at_shutdown = in.U64();
    const size_t stages = m.stages.TailFigures(k).size();
    if (in.U64() != stages) return false;
    st.tail.merged.assign(stages, TailSamplingStats{});
    for (TailSamplingStats& t : st.tail.merged) LoadTailStats(in, &t);
    SdkExportStats& e = st.sdk_merged;
    for (uint64_t* v : {&e.spans_enqueued, &e.spans_dropped, &e.spans_lost_timeout,
                        &e.spans_exported, &e.exports})
      *v = in.U64();
    std::vector<std::string> notes(in.Count());
    for (std::string& n : notes) n = in.Str();
    st.loaded_notes = std::move(notes);
  }
  m.finished = true;
  return in.ok();
}

}  // namespace tracesim::sampling
