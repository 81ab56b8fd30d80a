#include "sampling/lab/lab.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/model/trace_id_map.h"

namespace tracesim::sampling {

sim::Status PricingOptions::Validate() const {
  for (double v :
       {storage_usd_per_gb_month, retention_days, ingest_usd_per_gb, usd_per_million_spans}) {
    if (!(v >= 0) || !std::isfinite(v))
      return sim::Status::InvalidArgument("pricing values must be finite and >= 0");
  }
  return sim::Status::Ok();
}

sim::Status LabOptions::Validate() const {
  if (!(slow_threshold_ms > 0))
    return sim::Status::InvalidArgument("slow_threshold_ms must be > 0");
  if (!(compression_ratio > 0 && compression_ratio <= 1)) {
    return sim::Status::InvalidArgument("compression_ratio must be in (0, 1]");
  }
  return pricing.Validate();
}

namespace {

constexpr double kSecondsPerMonth = 30 * 86400.0;

}  // namespace

struct SamplingLab::Impl {
  // Connects a tail stage's output to the next stage of its strategy.
  class Forwarder final : public TailReleaseListener {
   public:
    Forwarder(Impl* lab, size_t strategy, size_t next_stage, TailSamplingProcessor* from)
        : lab_(lab), strategy_(strategy), next_(next_stage), from_(from) {}
    void OnRelease(const sim::Span& span, std::span<const sim::SpanEvent> events,
                   std::span<const sim::SpanLink> links, uint32_t span_size) noexcept override {
      const SizedSpan one{&span, events, links, span_size};
      lab_->Deliver(strategy_, next_, std::span<const SizedSpan>(&one, 1), nullptr, from_->now(),
                    lab_->SlotOf(span.trace_id));
    }

   private:
    Impl* lab_;
    size_t strategy_, next_;
    TailSamplingProcessor* from_;
  };

  // Hands each SDK export to the lab (OnExport).
  class ExportListener final : public SdkExportListener {
   public:
    explicit ExportListener(Impl* lab) : lab_(lab) {}
    void OnExport(size_t strategy, int64_t at, std::span<const SizedSpan> spans) noexcept override {
      lab_->OnExport(strategy, at, spans);
    }

   private:
    Impl* lab_;
  };

  struct StageRt {
    CollectorStage::Kind kind;
    std::unique_ptr<ProbabilisticSamplerProcessor> prob;
    std::unique_ptr<TailSamplingProcessor> tail;
    std::unique_ptr<Forwarder> forward;
    // probabilistic_sampler: the spans of a group it kept, with the th/rv it wrote (reused).
    std::vector<SizedSpan> kept;
    std::vector<ProbabilisticInput> kept_ot;
  };

  struct Acc {
    uint64_t spans_kept = 0, bytes_kept = 0;
    uint64_t traces = 0, traces_kept = 0, spans = 0;
    uint64_t complete_kept = 0, fragmented_kept = 0;
    uint64_t error_traces = 0, error_kept = 0;
    std::vector<uint64_t> fault_errors, fault_kept;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> root_cause;  // service -> (errors, kept)
    metrics::Histogram kept_latency;
    metrics::Histogram kept_whole;        // whole-trace duration of kept traces
    metrics::Histogram weighted_latency;  // kept traces, counts scaled by the adjusted count
    double adj_traces = 0, adj_root_errors = 0;
    std::unordered_set<uint64_t> shapes_kept;
  };

  struct Strategy {
    StrategyConfig cfg;
    std::vector<std::unique_ptr<Sampler>> head;  // per service; empty when no head config
    std::vector<double> head_prob;               // per service: the known head probability
    std::vector<StageRt> stages;
    double stage_prob = 1;             // product of the probabilistic stages' probabilities
    bool has_tail = false;             // a tail_sampling stage: exports reach it trace by trace
    uint64_t sampled_at_shutdown = 0;  // tail decisions made by Finish()'s Shutdown
    Acc acc;
    // Per stage: the tail stage's figures merged over shards (SamplingLab::Merge); empty when
    // this lab merged none.
    std::vector<TailSamplingStats> merged_tail;
    // Per stage: the figures at the observation window's edges (SamplingLab::WindowEdge);
    // empty when not taken.
    std::vector<TailSamplingStats> tail_at_begin, tail_at_end;
    // The notes of the lab this one was loaded from (SamplingLab::LoadState); unset otherwise.
    std::optional<std::vector<std::string>> loaded_notes;
    SdkExportStats sdk_merged;  // other shards' SDK figures (SamplingLab::Merge)
  };

  struct TraceAcc {
    bool completed = false;
    bool observed = true;  // scored (the trace is in the simulation's observation window)
    int64_t deadline = 0;
    uint32_t exported = 0;
    int64_t whole_ns = 0;  // first span start to last span end
    sim::TraceTruth truth;
  };

  const sim::Model& model;
  const sim::FaultPlan* plan;
  LabOptions options;
  std::vector<Strategy> strategies;
  std::unique_ptr<LabAdaptive> ext;  // Jaeger providers and dynamic stages; null when unused
  LabTap* tap = nullptr;             // SetTap()
  sim::TraceIdMap index;             // trace -> pool slot
  SpanSizer sizer;
  // The last SlotOf() lookup: a tail stage releases a trace's spans one after the other.
  sim::TraceId last_id;
  uint32_t last_slot = sim::TraceIdMap::kMissing;
  std::vector<TailSamplingProcessor*> tails;  // every tail stage
  std::unique_ptr<SdkBatchExport> bsp;        // null when every strategy exports at span end
  ExportListener export_listener{this};
  // OnExport's grouping by trace (GroupByTrace; reused).
  struct GroupSlot {
    sim::TraceId id;
    uint64_t gen = 0;
    uint32_t group = 0;
  };
  std::vector<GroupSlot> group_table;
  uint64_t group_gen = 0;
  std::vector<uint32_t> export_group_of;                     // per span: its group
  std::vector<std::pair<uint32_t, uint32_t>> export_groups;  // (begin, count) per trace
  std::vector<SizedSpan> export_grouped;
  uint64_t export_rng = 0x7472616365736D31ULL;  // splitmix64 state; fixed seed
  int64_t next_tail_tick = INT64_MIN;           // earliest tick of any tail stage
  std::vector<TraceAcc> pool;
  // Per pool slot, per strategy: spans kept and the trace's consistent-sampling th. Flat and
  // apart from the truth records, so the per-span updates stay in a few hot cache lines.
  std::vector<uint32_t> kept_flat;
  std::vector<uint64_t> threshold_flat;
  uint32_t* KeptOf(uint32_t slot) { return kept_flat.data() + size_t{slot} * strategies.size(); }
  uint64_t* ThresholdOf(uint32_t slot) {
    return threshold_flat.data() + size_t{slot} * strategies.size();
  }
  std::vector<uint32_t> free_slots;
  std::deque<std::pair<sim::TraceId, int64_t>> finalize_queue;  // completed traces by deadline
  int64_t max_wait_ns = 0;  // longest decision wait of any tail stage (+ one tick)
  uint64_t all_bits = 0;    // one bit per strategy
  bool head_masks_built = false;
  std::vector<uint64_t> no_head_mask, follow_mask;  // per service (BuildHeadMasks)
  int64_t now = 0;
  bool finished = false;
  sim::Time wakeup = sim::Time::FromNanos(1'000'000'000);  // NextWakeup()
  // The truth over every trace with exported spans.
  uint64_t traces = 0, error_traces = 0, root_errors = 0;
  std::vector<uint64_t> fault_errors;
  std::map<uint32_t, uint64_t> root_cause_errors;
  metrics::Histogram latency;
  metrics::Histogram whole;  // whole-trace duration
  std::unordered_set<uint64_t> shapes;

  Impl(const sim::Model& m, const sim::FaultPlan* p, LabOptions o)
      : model(m), plan(p), options(o), sizer(m) {}

  // The pool slot of a trace with a record, or kMissing.
  uint32_t SlotOf(const sim::TraceId& id) {
    if (last_slot != sim::TraceIdMap::kMissing && id == last_id) return last_slot;
    last_id = id;
    last_slot = index.Find(id);
    return last_slot;
  }
  void ForgetSlot(const sim::TraceId& id) {
    index.Erase(id);
    if (id == last_id) last_slot = sim::TraceIdMap::kMissing;
  }

  uint32_t Slot(const sim::TraceId& id) {
    const uint32_t found = SlotOf(id);
    if (found != sim::TraceIdMap::kMissing) return found;
    uint32_t s;
    if (!free_slots.empty()) {
      s = free_slots.back();
      free_slots.pop_back();
      pool[s].completed = false;
      pool[s].exported = 0;
    } else {
      s = static_cast<uint32_t>(pool.size());
      pool.emplace_back();
      kept_flat.resize(pool.size() * strategies.size());
      threshold_flat.resize(pool.size() * strategies.size());
    }
    std::fill_n(KeptOf(s), strategies.size(), 0);
    std::fill_n(ThresholdOf(s), strategies.size(), kNoThreshold);
    index.Put(id, s);
    last_id = id;
    last_slot = s;
    return s;
  }

  // Per service: strategies without an SDK sampler there (bit always set) and strategies whose
  // sampler there follows the parent (a child's bit is its parent's). Built once on first use.
  void BuildHeadMasks() {
    head_masks_built = true;
    no_head_mask.assign(model.services.size(), 0);
    follow_mask.assign(model.services.size(), 0);
    for (uint32_t svc = 0; svc < model.services.size(); ++svc) {
      for (size_t k = 0; k < strategies.size(); ++k) {
        const Strategy& st = strategies[k];
        const Sampler* s = st.head.empty() || svc >= st.head.size() ? nullptr : st.head[svc].get();
        if (s == nullptr) {
          no_head_mask[svc] |= uint64_t{1} << k;
        } else if (s->FollowsParent()) {
          follow_mask[svc] |= uint64_t{1} << k;
        }
      }
    }
  }

  uint64_t HeadBits(const sim::Span& span, const sim::Span* parent) {
    if (!head_masks_built) BuildHeadMasks();
    uint64_t bits = 0;
    uint64_t todo = all_bits;
    if (span.service < no_head_mask.size()) {
      bits = no_head_mask[span.service];
      if (parent != nullptr) bits |= parent->observer_bits & follow_mask[span.service];
      todo &= ~no_head_mask[span.service];
      if (parent != nullptr) todo &= ~follow_mask[span.service];
    }
    // The trace's record exists from its first span on, so spans a stage keeps before the trace
    // completes are counted against it.
    if (parent == nullptr) pool[Slot(span.trace_id)].observed = span.observed;
    if (todo == 0) return bits;
    uint32_t slot = Slot(span.trace_id);
    for (size_t k = 0; k < strategies.size(); ++k) {
      if (!(todo >> k & 1)) continue;
      Strategy& st = strategies[k];
      const uint64_t bit = uint64_t{1} << k;
      Sampler* s =
          st.head.empty() || span.service >= st.head.size() ? nullptr : st.head[span.service].get();
      if (s == nullptr) {
        bits |= bit;
        continue;
      }
      SamplingParams p;
      p.model = &model;
      p.trace_id = span.trace_id;
      p.has_parent = parent != nullptr;
      p.parent_remote = parent != nullptr && (span.kind == sim::SpanKind::kServer ||
                                              span.kind == sim::SpanKind::kConsumer);
      p.parent_sampled = parent != nullptr && (parent->observer_bits & bit) != 0;
      p.random_flag = (span.flags & sim::kFlagRandomTraceId) != 0;
      p.parent_threshold = parent != nullptr ? ThresholdOf(slot)[k] : kNoThreshold;
      p.kind = span.kind;
      p.name = span.name;
      p.service = span.service;
      p.span = &span;
      p.time_unix_nano = span.start_unix_nano;
      SamplingResult r = s->ShouldSample(p);
      if (r.sampled()) bits |= bit;
      if (parent == nullptr) ThresholdOf(slot)[k] = r.threshold;
    }
    return bits;
  }

  // The spans of `group`, one trace's (its pool slot `slot`, or kMissing) of one export, reach
  // stage `stage` of strategy k at `arrival` (past the last stage: stored). `ot`: per span, its
  // consistent-sampling th/rv as the previous probabilistic_sampler stage rewrote them (upstream a
  // stage writes them into the span's tracestate, which the next stage reads); nullptr: as the
  // SDK sent them (the head sampler's th, no rv). A tail_sampling stage in between does not carry
  // them (lab.h), and passes kept spans on one at a time.
  void Deliver(size_t k, size_t stage, std::span<const SizedSpan> group,
               const ProbabilisticInput* ot, int64_t arrival, uint32_t slot) {
    Strategy& st = strategies[k];
    if (stage >= st.stages.size()) {
      for (const SizedSpan& s : group) {
        if (tap != nullptr) tap->OnStored(k, *s.span);
        if (s.span->observed) [[likely]]  // warm-up traffic loads the stages, not the score
          Kept(k, s.size, slot);
      }
      return;
    }
    StageRt& rt = st.stages[stage];
    if (rt.kind == CollectorStage::Kind::kProbabilistic) {
      rt.kept.clear();
      rt.kept_ot.clear();
      for (size_t i = 0; i < group.size(); ++i) {
        ProbabilisticInput in;
        if (ot != nullptr) {
          in = ot[i];
        } else if (slot != sim::TraceIdMap::kMissing) {
          in.threshold = ThresholdOf(slot)[k];
        }
        ProbabilisticDecision d = rt.prob->Decide(model, *group[i].span, in);
        if (!d.keep) continue;
        ProbabilisticInput& out = rt.kept_ot.emplace_back();
        out.threshold = d.threshold;
        if (d.has_randomness) out.randomness = d.randomness;
        rt.kept.push_back(group[i]);
      }
      if (!rt.kept.empty()) Deliver(k, stage + 1, rt.kept, rt.kept_ot.data(), arrival, slot);
      return;
    }
    if (rt.kind == CollectorStage::Kind::kDynamic) {  // counted; decided in OnTrace
      for (const SizedSpan& s : group) {
        ext->OnDynamicSpan(k, s.span->trace_id, s.size,
                           static_cast<uint32_t>(s.events.size() + s.links.size()));
      }
      return;
    }
    rt.tail->OnTraceGroup(group, arrival);
  }

  // One SDK export of strategy k reaches the Collector at `at`: the tap sees the request, the
  // stages its spans trace by trace, as upstream's tail_sampling groups a request's
  // ResourceSpans (groupSpansByTraceKey) and takes the traces in Go map order, random per
  // request: the lab shuffles them with its own fixed-seed generator (export_rng), so which
  // traces a full num_traces evicts is as random as upstream and the run stays deterministic.
  void OnExport(size_t k, int64_t at, std::span<const SizedSpan> spans) {
    AdvanceTails(at);
    if (tap != nullptr) {
      for (const SizedSpan& s : spans) tap->OnArrival(k, *s.span, s.events, s.links, at);
      tap->OnExportEnd(k);
    }
    if (!strategies[k].has_tail) {  // per-span stages: no grouping needed
      for (const SizedSpan& s : spans) {
        Deliver(k, 0, std::span<const SizedSpan>(&s, 1), nullptr, at, SlotOf(s.span->trace_id));
      }
      return;
    }
    GroupByTrace(spans);
    for (size_t g = export_groups.size(); g > 1; --g) {  // Fisher-Yates over the groups
      export_rng += 0x9E3779B97F4A7C15ULL;
      uint64_t z = export_rng;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      std::swap(export_groups[g - 1], export_groups[z % g]);
    }
    for (const auto& [begin, count] : export_groups) {
      const std::span<const SizedSpan> group(export_grouped.data() + begin, count);
      Deliver(k, 0, group, nullptr, at, SlotOf(group.front().span->trace_id));
    }
  }

  // Fills export_grouped with `spans` grouped by trace (each trace's spans in their order, the
  // traces in order of first appearance) and export_groups with (begin, count) per trace. O(n):
  // an open-addressing table of the batch's trace ids, cleared by generation.
  void GroupByTrace(std::span<const SizedSpan> spans) {
    size_t cap = 16;
    while (cap < spans.size() * 2) cap *= 2;
    if (group_table.size() < cap) {
      group_table.assign(cap, GroupSlot{});
      group_gen = 0;
    }
    ++group_gen;
    const size_t mask = group_table.size() - 1;
    export_group_of.clear();
    export_groups.clear();
    for (const SizedSpan& s : spans) {
      const sim::TraceId& id = s.span->trace_id;
      size_t h = sim::TraceIdHash{}(id)&mask;
      while (group_table[h].gen == group_gen && !(group_table[h].id == id)) h = (h + 1) & mask;
      GroupSlot& slot = group_table[h];
      if (slot.gen != group_gen) {
        slot = GroupSlot{id, group_gen, static_cast<uint32_t>(export_groups.size())};
        export_groups.emplace_back(0, 0);
      }
      ++export_groups[slot.group].second;
      export_group_of.push_back(slot.group);
    }
    uint32_t begin = 0;
    for (auto& [b, count] : export_groups) {
      b = begin;
      begin += count;
      count = 0;
    }
    export_grouped.resize(spans.size());
    for (size_t j = 0; j < spans.size(); ++j) {
      auto& [b, count] = export_groups[export_group_of[j]];
      export_grouped[b + count++] = spans[j];
    }
  }

  // The SDKs' BatchSpanProcessors of the strategies that export through one (not at span end,
  // no dynamic stage); their delay is added to the scoring wait.
  sim::Status BuildExport() {
    std::vector<std::optional<BspOptions>> per(strategies.size());
    bool any = false;
    for (size_t k = 0; k < strategies.size(); ++k) {
      const StrategyConfig& c = strategies[k].cfg;
      bool dynamic = false;
      for (const CollectorStage& cs : c.stages)
        dynamic |= cs.kind() == CollectorStage::Kind::kDynamic;
      if (c.export_at_span_end || dynamic) continue;
      sim::Status v = c.bsp.Validate();
      if (!v.ok()) return v.WithContext("strategy '" + c.name + "', export");
      per[k] = c.bsp;
      any = true;
    }
    if (!any) return sim::Status::Ok();
    bsp = std::make_unique<SdkBatchExport>(model, per, &export_listener);
    // Strategies deciding span by span (no tail stage) whose exports cannot time out: their
    // BSPs only count, and spans reach their stages when they end (the same decisions).
    uint64_t count_only = 0;
    for (size_t k = 0; k < strategies.size(); ++k) {
      if (!per[k] || strategies[k].has_tail) continue;
      const BspOptions& o = *per[k];
      if (o.export_timeout_ms == 0 || o.export_duration_ms < o.export_timeout_ms)
        count_only |= uint64_t{1} << k;
    }
    bsp->SetCountOnly(count_only);
    max_wait_ns += bsp->max_delay_ns();
    return sim::Status::Ok();
  }

  // Strategy k's SDK export figures (this lab's and the shards it merged) into its score.
  void AddSdkStats(size_t k, StrategyScore* s) const {
    if (!bsp || !(bsp->mask() >> k & 1)) return;
    const SdkExportStats& e = bsp->stats(k);
    const SdkExportStats& merged = strategies[k].sdk_merged;
    s->sdk_batching = true;
    s->sdk_spans_dropped = e.spans_dropped + merged.spans_dropped;
    s->sdk_spans_lost_timeout = e.spans_lost_timeout + merged.spans_lost_timeout;
    s->sdk_exports = e.exports + merged.exports;
  }

  void Kept(size_t k, uint32_t size, uint32_t slot) {
    Acc& a = strategies[k].acc;
    ++a.spans_kept;
    a.bytes_kept += size;
    if (slot != sim::TraceIdMap::kMissing) ++KeptOf(slot)[k];
  }

  // Fires the tail stages' ticks due at `t` (their decisions release spans downstream).
  void AdvanceTails(int64_t t) {
    if (t < next_tail_tick) return;
    int64_t next = INT64_MAX;
    for (TailSamplingProcessor* tail : tails) {
      tail->AdvanceTo(t);
      next = std::min(next, tail->next_tick_unix_nano());
    }
    next_tail_tick = next;
  }

  void FinalizeDue() {
    while (!finalize_queue.empty() && (finished || finalize_queue.front().second <= now)) {
      sim::TraceId id = finalize_queue.front().first;
      finalize_queue.pop_front();
      const uint32_t slot = SlotOf(id);
      if (slot == sim::TraceIdMap::kMissing) continue;
      ForgetSlot(id);
      Score(slot);
      if (tap != nullptr) tap->OnScored(id, {KeptOf(slot), strategies.size()});
      free_slots.push_back(slot);
    }
  }

  double AdjustedCount(size_t k, const sim::TraceTruth& t) const {
    const Strategy& st = strategies[k];
    double p = st.stage_prob;
    if (t.entry_operation != sim::kNone && !st.head_prob.empty()) {
      uint32_t s = model.operations[t.entry_operation].service;
      if (s < st.head_prob.size()) p *= st.head_prob[s];
    }
    // Jaeger remote SDKs: the probability their root decision applied (1 when rate-limited).
    if (ext) p *= ext->HeadProbability(k, t.sequence);
    return p > 0 ? 1.0 / p : 0.0;
  }

  void Score(uint32_t slot) {
    const TraceAcc& t = pool[slot];
    const uint32_t* kept_spans = KeptOf(slot);
    if (t.exported == 0) return;  // nothing reached a backend
    const sim::TraceTruth& tr = t.truth;
    if (!t.observed) {  // outside the observation window: simulated, never scored
      if (ext) ext->ForgetTrace(tr.sequence);
      return;
    }
    const int64_t lat = tr.latency().nanos();
    ++traces;
    latency.Record(lat);
    whole.Record(t.whole_ns);
    shapes.insert(tr.shape);
    if (tr.error) {
      ++error_traces;
      for (size_t f = 0; f < fault_errors.size(); ++f)
        if (tr.fault_mask >> f & 1) ++fault_errors[f];
      if (tr.root_cause_service != sim::kNone) ++root_cause_errors[tr.root_cause_service];
    }
    if (tr.root_error) ++root_errors;
    for (size_t k = 0; k < strategies.size(); ++k) {
      Acc& a = strategies[k].acc;
      ++a.traces;
      a.spans += t.exported;
      bool kept = kept_spans[k] > 0;
      if (tr.error) {
        ++a.error_traces;
        if (kept) ++a.error_kept;
        for (size_t f = 0; f < a.fault_errors.size(); ++f) {
          if (!(tr.fault_mask >> f & 1)) continue;
          ++a.fault_errors[f];
          if (kept) ++a.fault_kept[f];
        }
        if (tr.root_cause_service != sim::kNone) {
          auto& rc = a.root_cause[tr.root_cause_service];
          ++rc.first;
          if (kept) ++rc.second;
        }
      }
      if (!kept) continue;
      ++a.traces_kept;
      if (kept_spans[k] >= t.exported) {
        ++a.complete_kept;
      } else {
        ++a.fragmented_kept;
      }
      a.kept_latency.Record(lat);
      a.kept_whole.Record(t.whole_ns);
      a.shapes_kept.insert(tr.shape);
      double w = AdjustedCount(k, tr);
      a.adj_traces += w;
      if (tr.root_error) a.adj_root_errors += w;
      a.weighted_latency.Record(lat, static_cast<uint64_t>(std::llround(std::max(1.0, w * 16))));
    }
    if (ext) ext->ForgetTrace(tr.sequence);
  }

  std::string Pipeline(const Strategy& st) const {
    std::string p;
    if (st.cfg.jaeger.mode != JaegerProviderConfig::Mode::kNone) {
      p = JaegerPipelineLabel(st.cfg.jaeger);
    } else if (st.cfg.has_head) {
      const HeadSamplerSpec& h = st.cfg.head.sampler;
      p = "SDK " + std::string(HeadSamplerKindName(h.kind));
      if (KindUsesRatio(h.kind)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "(%g)", h.ratio);
        p += buf;
      }
      if (!st.cfg.head.services.empty())
        p += " +" + std::to_string(st.cfg.head.services.size()) + " overrides";
    } else {
      p = "SDK always_on";
    }
    for (const CollectorStage& s : st.cfg.stages) {
      p += " -> ";
      if (const auto* prob = std::get_if<ProbabilisticSamplerConfig>(&s.config)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s(%g%%)", s.id.c_str(),
                      static_cast<double>(prob->sampling_percentage));
        p += buf;
      } else if (const auto* dyn = std::get_if<DynamicStageConfig>(&s.config)) {
        p += DynamicStageLabel(*dyn);
      } else {
        const auto& tail = std::get<TailSamplingConfig>(s.config);
        p += s.id + "(" + std::to_string(tail.policies.size()) + " policies)";
      }
    }
    return p;
  }
};

SamplingLab::SamplingLab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SamplingLab::~SamplingLab() = default;
size_t SamplingLab::strategy_count() const { return impl_->strategies.size(); }
std::vector<const TailSamplingStats*> SamplingLab::TailStats(size_t k) const {
  std::vector<const TailSamplingStats*> out;
  for (const Impl::StageRt& rt : impl_->strategies[k].stages)
    if (rt.tail) out.push_back(&rt.tail->stats());
  return out;
}
const StrategyConfig& SamplingLab::strategy(size_t k) const { return impl_->strategies[k].cfg; }
void SamplingLab::SetTap(LabTap* tap) {
  impl_->tap = tap;
  // The tap sees every export request as sent: every BSP holds its spans.
  if (tap != nullptr && impl_->bsp) impl_->bsp->SetCountOnly(0);
}

SamplingLab::TailMemory SamplingLab::TailMemoryNow(size_t k) const {
  TailMemory m;
  for (const Impl::StageRt& rt : impl_->strategies[k].stages) {
    if (!rt.tail) continue;
    const TailSamplingStats& ts = rt.tail->stats();
    m.traces += ts.traces_in_memory;
    m.spans += ts.spans_buffered;
    m.bytes += ts.bytes_buffered;
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
  auto impl = std::make_unique<Impl>(model, plan, options);
  const size_t faults = plan ? plan->faults.size() : 0;
  impl->fault_errors.assign(faults, 0);
  impl->strategies.resize(strategies.size());
  impl->all_bits = strategies.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << strategies.size()) - 1;
  for (size_t k = 0; k < strategies.size(); ++k) {
    Impl::Strategy& st = impl->strategies[k];
    st.cfg = std::move(strategies[k]);
    const std::string where = "strategy '" + st.cfg.name + "'";
    if (st.cfg.has_head) {
      auto head = BuildHeadSamplers(st.cfg.head, model);
      if (!head.ok()) return head.status().WithContext(where);
      st.head = std::move(head).value();
      st.head_prob.assign(model.services.size(), 1.0);
      for (uint32_t s = 0; s < model.services.size(); ++s) {
        const HeadSamplerSpec& spec =
            st.cfg.head.ForService(model.strings.Get(model.services[s].name));
        if (KindUsesRatio(spec.kind)) st.head_prob[s] = spec.ratio;
        // No provider: a Jaeger remote SDK stays on its initial TraceIdRatioBased sampler.
        if (KindIsJaegerRemote(spec.kind)) st.head_prob[s] = spec.jaeger.initial_sampling_rate;
      }
    }
    if (st.cfg.jaeger.mode != JaegerProviderConfig::Mode::kNone) {
      if (!impl->ext) impl->ext = std::make_unique<LabAdaptive>(model);
      sim::Status j = impl->ext->AddJaeger(k, st.cfg.jaeger, st.cfg.sdk, &st.head);
      if (!j.ok()) return j.WithContext(where + ", jaeger");
    }
    st.acc.fault_errors.assign(faults, 0);
    st.acc.fault_kept.assign(faults, 0);
    st.stages.resize(st.cfg.stages.size());
    for (size_t i = 0; i < st.cfg.stages.size(); ++i) {
      const CollectorStage& cs = st.cfg.stages[i];
      Impl::StageRt& rt = st.stages[i];
      rt.kind = cs.kind();
      if (const auto* prob = std::get_if<ProbabilisticSamplerConfig>(&cs.config)) {
        sim::Status v = prob->Validate();
        if (!v.ok()) return v.WithContext(where + ", " + cs.id);
        rt.prob = std::make_unique<ProbabilisticSamplerProcessor>(*prob);
        st.stage_prob *= std::min(1.0, static_cast<double>(prob->sampling_percentage) / 100.0);
      } else if (const auto* dyn = std::get_if<DynamicStageConfig>(&cs.config)) {
        // Spans reach it before the trace completes: nothing may buffer them on the way.
        bool after_tail = false;
        for (size_t o = 0; o < i; ++o)
          after_tail |= st.cfg.stages[o].kind() == CollectorStage::Kind::kTail;
        if (i + 1 != st.cfg.stages.size() || after_tail) {
          return sim::Status::InvalidArgument(
              where + ", " + cs.id + ": must be the last stage and follow no tail_sampling");
        }
        if (!impl->ext) impl->ext = std::make_unique<LabAdaptive>(model);
        sim::Status d = impl->ext->AddDynamic(k, *dyn);
        if (!d.ok()) return d.WithContext(where + ", " + cs.id);
      } else {
        const auto& tail_cfg = std::get<TailSamplingConfig>(cs.config);
        auto tail = TailSamplingProcessor::Create(tail_cfg, model);
        if (!tail.ok()) return tail.status().WithContext(where + ", " + cs.id);
        rt.tail = std::move(tail).value();
        rt.forward = std::make_unique<Impl::Forwarder>(impl.get(), k, i + 1, rt.tail.get());
        rt.tail->SetReleaseListener(rt.forward.get());
        impl->tails.push_back(rt.tail.get());
        st.has_tail = true;
        int64_t wait = tail_cfg.decision_wait_nanos + 2'000'000'000;  // + ticks
        impl->max_wait_ns = std::max(impl->max_wait_ns, wait);
      }
    }
  }
  TRACESIM_RETURN_IF_ERROR(impl->BuildExport());
  return std::unique_ptr<SamplingLab>(new SamplingLab(std::move(impl)));
}

uint64_t SamplingLab::OnSpanStart(const sim::Model&, const sim::Span& span,
                                  const sim::Span* parent) noexcept {
  Impl& m = *impl_;
  if (m.ext) m.ext->BeforeSpanStart(span.start_unix_nano);  // Jaeger polls due
  const uint64_t bits = m.HeadBits(span, parent);
  if (m.ext && parent == nullptr) m.ext->AfterRootStart(span, bits);
  return bits;
}

void SamplingLab::OnSpanEnd(const sim::Model&, const sim::Span& span,
                            std::span<const sim::SpanEvent> events,
                            std::span<const sim::SpanLink> links) noexcept {
  Impl& m = *impl_;
  m.now = std::max(m.now, span.end_unix_nano);
  if (m.bsp) m.bsp->AdvanceTo(m.now);  // exports due: their arrivals come before this span's
  m.AdvanceTails(m.now);
  if (m.ext) m.ext->OnSpanEnd(span);
  const uint64_t bits = span.observer_bits & m.all_bits;
  if (bits != 0) {
    const uint32_t size = m.sizer.SpanSize(span, events, links);
    const uint64_t batched = m.bsp ? bits & m.bsp->mask() : 0;
    uint64_t direct = bits & ~batched;
    // Count-only BSPs (SetCountOnly) hand back the strategies that took the span: delivered now.
    if (batched != 0) direct |= m.bsp->OnSpanEnd(span, events, links, size, batched, m.now);
    if (direct != 0) {
      const uint32_t slot = m.SlotOf(span.trace_id);
      const SizedSpan one{&span, events, links, size};
      for (size_t k = 0; k < m.strategies.size(); ++k) {
        if (!(direct >> k & 1)) continue;
        if (m.tap != nullptr) {
          m.tap->OnArrival(k, span, events, links, m.now);
          m.tap->OnExportEnd(k);
        }
        m.Deliver(k, 0, std::span<const SizedSpan>(&one, 1), nullptr, m.now, slot);
      }
    }
  }
  m.FinalizeDue();
}

uint32_t SamplingLab::Interests() const {
  const bool ticks =
      (!impl_->tails.empty() || impl_->bsp) && impl_->options.start_unix_nanos != INT64_MIN;
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
  m.AdvanceTails(m.now);               // the ticks due, as upstream's ticker fires them
  m.FinalizeDue();
  constexpr int64_t kSecond = 1'000'000'000;
  // Tails that have not started report tick 0: look again in a second.
  int64_t next_unix = m.next_tail_tick > m.now ? m.next_tail_tick : INT64_MAX;
  if (m.bsp && m.bsp->next_due() > m.now) next_unix = std::min(next_unix, m.bsp->next_due());
  const int64_t next = next_unix != INT64_MAX ? next_unix - start : now.nanos() + kSecond;
  m.wakeup = sim::Time::FromNanos(std::max(next, now.nanos() + 1));
}

void SamplingLab::OnTrace(const sim::TraceView& trace) noexcept {
  Impl& m = *impl_;
  if (m.ext) m.ext->OnTrace(trace);  // decides the dynamic stages
  if (trace.truth == nullptr || trace.spans.empty()) {
    // No span reached a backend; drop any state the head decisions made.
    const uint32_t slot = m.SlotOf(trace.trace_id);
    if (slot != sim::TraceIdMap::kMissing) {
      m.free_slots.push_back(slot);
      m.ForgetSlot(trace.trace_id);
    }
    return;
  }
  uint32_t slot = m.Slot(trace.trace_id);
  Impl::TraceAcc& a = m.pool[slot];
  a.completed = true;
  a.observed = trace.observed;
  a.truth = *trace.truth;
  a.exported = static_cast<uint32_t>(trace.spans.size());
  if (m.ext && trace.observed) {
    for (const LabAdaptive::Kept& d : m.ext->kept()) {
      m.strategies[d.strategy].acc.spans_kept += d.spans;
      m.strategies[d.strategy].acc.bytes_kept += d.bytes;
      m.KeptOf(slot)[d.strategy] += d.spans;
    }
  }
  int64_t first_start = INT64_MAX, last_end = INT64_MIN;
  for (const sim::Span& s : trace.spans) {
    last_end = std::max(last_end, s.end_unix_nano);
    first_start = std::min(first_start, s.start_unix_nano);
  }
  m.now = std::max(m.now, last_end);
  a.whole_ns = last_end - first_start;
  m.finalize_queue.emplace_back(trace.trace_id, m.now + m.max_wait_ns);
  m.FinalizeDue();
}

void SamplingLab::Finish(int64_t end_unix_nano) {
  Impl& m = *impl_;
  m.now = std::max(m.now, end_unix_nano);
  if (m.bsp) m.bsp->Shutdown(m.now);  // the SDKs flush first, then the Collector shuts down
  for (Impl::Strategy& st : m.strategies) {
    for (Impl::StageRt& rt : st.stages) {
      if (!rt.tail) continue;
      const uint64_t before = rt.tail->stats().traces_sampled;
      rt.tail->Shutdown(m.now);
      st.sampled_at_shutdown += rt.tail->stats().traces_sampled - before;
    }
  }
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

namespace {

// into += sign * from on the counters, the policies' votes and the decision latency buckets
// (not on the peaks and the gauges of what is in memory now).
void AddTailCounters(const TailSamplingStats& from, TailSamplingStats* into, int sign) {
  uint64_t TailSamplingStats::*counts[] = {&TailSamplingStats::spans_received,
                                           &TailSamplingStats::traces_seen,
                                           &TailSamplingStats::traces_sampled,
                                           &TailSamplingStats::traces_not_sampled,
                                           &TailSamplingStats::traces_dropped,
                                           &TailSamplingStats::traces_dropped_too_early,
                                           &TailSamplingStats::traces_dropped_too_large,
                                           &TailSamplingStats::traces_dropped_on_shutdown,
                                           &TailSamplingStats::spans_released,
                                           &TailSamplingStats::spans_dropped,
                                           &TailSamplingStats::late_spans_inherited,
                                           &TailSamplingStats::late_spans_cached_sampled,
                                           &TailSamplingStats::late_spans_cached_not_sampled,
                                           &TailSamplingStats::late_spans_after_eviction,
                                           &TailSamplingStats::split_traces,
                                           &TailSamplingStats::evaluation_errors};
  auto add = [sign](uint64_t& x, uint64_t y) { x = sign > 0 ? x + y : x - y; };
  for (auto field : counts) add(into->*field, from.*field);
  for (size_t i = 0; i < into->policies.size() && i < from.policies.size(); ++i) {
    TailPolicyStats& p = into->policies[i];
    const TailPolicyStats& q = from.policies[i];
    add(p.sampled, q.sampled);
    add(p.not_sampled, q.not_sampled);
    add(p.dropped, q.dropped);
    add(p.errors, q.errors);
    add(p.credited, q.credited);
  }
  if (into->decision_latency_ms.size() < from.decision_latency_ms.size())
    into->decision_latency_ms.resize(from.decision_latency_ms.size());
  for (size_t i = 0; i < from.decision_latency_ms.size(); ++i)
    add(into->decision_latency_ms[i], from.decision_latency_ms[i]);
}

// Adds a shard's tail-stage figures: counts add up, peaks are the larger one, the decision
// latency buckets add up.
void MergeTailStats(const TailSamplingStats& from, TailSamplingStats* into) {
  AddTailCounters(from, into, +1);
  into->peak_traces_in_memory = std::max(into->peak_traces_in_memory, from.peak_traces_in_memory);
  into->peak_spans_buffered = std::max(into->peak_spans_buffered, from.peak_spans_buffered);
  into->peak_bytes_buffered = std::max(into->peak_bytes_buffered, from.peak_bytes_buffered);
}

// A strategy's tail-stage figures: the merged ones when the lab merged shards, else the stages'
// with their counters cut to the observation window when its edges were taken (the peaks are
// the whole run's).
std::vector<TailSamplingStats> TailStatsOf(const auto& st) {
  if (!st.merged_tail.empty()) return st.merged_tail;
  std::vector<TailSamplingStats> out(st.stages.size());
  for (size_t i = 0; i < st.stages.size(); ++i) {
    if (!st.stages[i].tail) continue;
    out[i] = st.stages[i].tail->stats();
    if (!st.tail_at_end.empty()) {
      TailSamplingStats peaks = out[i];
      out[i] = st.tail_at_end[i];
      out[i].peak_traces_in_memory = peaks.peak_traces_in_memory;
      out[i].peak_spans_buffered = peaks.peak_spans_buffered;
      out[i].peak_bytes_buffered = peaks.peak_bytes_buffered;
    }
    if (!st.tail_at_begin.empty()) AddTailCounters(st.tail_at_begin[i], &out[i], -1);
  }
  return out;
}

// Adds one tail_sampling stage's buffering and decision figures to a strategy's score.
void AddTailStats(const TailSamplingStats& ts, StrategyScore* s) {
  s->has_tail = true;
  s->peak_traces_buffered += ts.peak_traces_in_memory;
  s->peak_spans_buffered += ts.peak_spans_buffered;
  s->peak_bytes_buffered += ts.peak_bytes_buffered;
  s->evicted_before_decision += ts.traces_dropped_too_early;
  s->late_spans += ts.late_spans_inherited + ts.late_spans_cached_sampled +
                   ts.late_spans_cached_not_sampled + ts.late_spans_after_eviction;
  if (ts.decisions() > 0) {
    s->decision_latency_p50_s =
        std::max(s->decision_latency_p50_s, ts.DecisionLatencyQuantileMs(0.5) / 1e3);
    s->decision_latency_p99_s =
        std::max(s->decision_latency_p99_s, ts.DecisionLatencyQuantileMs(0.99) / 1e3);
  }
}

// Whether no other strategy beats `s` on both bytes kept and `recall`.
bool OnFront(const std::vector<StrategyScore>& scores, const StrategyScore& s,
             double (*recall)(const StrategyScore&)) {
  for (const StrategyScore& o : scores) {
    if (&o == &s) continue;
    bool no_worse = o.bytes_kept <= s.bytes_kept && recall(o) >= recall(s);
    bool better = o.bytes_kept < s.bytes_kept || recall(o) > recall(s);
    if (no_worse && better) return false;
  }
  return true;
}

// The slow recall at (basis, at), 0 when absent.
double SlowAt(const StrategyScore& s, std::string_view basis, std::string_view at) {
  for (const StrategyScore::SlowRecall& r : s.slow)
    if (r.basis == basis && r.at == at) return r.recall;
  return 0;
}

// Marks the strategies on each named front (kParetoFronts); `pareto` is the cost/error one.
void MarkPareto(std::vector<StrategyScore>* scores) {
  using Recall = double (*)(const StrategyScore&);
  static constexpr Recall kRecalls[] = {
      [](const StrategyScore& s) { return s.error_recall; },
      [](const StrategyScore& s) { return SlowAt(s, "root", "p99"); },
      [](const StrategyScore& s) { return SlowAt(s, "trace", "p99"); },
      [](const StrategyScore& s) { return s.rare_path_recall; },
  };
  for (StrategyScore& s : *scores) {
    for (size_t f = 0; f < std::size(kRecalls); ++f)
      if (OnFront(*scores, s, kRecalls[f])) s.fronts.push_back(kParetoFronts[f]);
    s.pareto = !s.fronts.empty() && s.fronts.front() == kParetoFronts[0];
  }
}

// Slow recall of kept traces `kept` against all traces `all` above each percentile and above
// `threshold_ns`.
void AddSlow(std::string_view basis, const metrics::Histogram& all, const metrics::Histogram& kept,
             int64_t threshold_ns, StrategyScore* s) {
  struct At {
    const char* name;
    double pct;
  };
  static constexpr At kAt[] = {{"p90", 90}, {"p95", 95}, {"p99", 99}, {"threshold", -1}};
  for (const At& at : kAt) {
    const int64_t t = at.pct < 0 ? threshold_ns : all.Percentile(at.pct);
    StrategyScore::SlowRecall r;
    r.basis = std::string(basis);
    r.at = at.name;
    r.threshold_ms = static_cast<double>(t) / 1e6;
    r.traces = all.Count() - all.CountAtOrBelow(t);
    r.kept = kept.Count() - kept.CountAtOrBelow(t);
    r.recall = r.traces ? static_cast<double>(r.kept) / static_cast<double>(r.traces) : 0;
    r.ci = Wilson(std::min(r.kept, r.traces), r.traces);
    s->slow.push_back(std::move(r));
  }
}

// The storage and ingest costs of what `s` kept (s->bytes_kept, s->spans_kept), per month at the
// rate of a `duration_s` run, with the options' compression ratio and prices.
void AddCosts(const LabOptions& options, double duration_s, StrategyScore* s) {
  s->compressed_bytes_kept = static_cast<double>(s->bytes_kept) * options.compression_ratio;
  double per_month = duration_s > 0 ? kSecondsPerMonth / duration_s : 0;
  s->gb_per_month = s->compressed_bytes_kept * per_month / 1e9;
  s->spans_millions_per_month = static_cast<double>(s->spans_kept) * per_month / 1e6;
  const PricingOptions& pr = options.pricing;
  s->usd_storage_month = s->gb_per_month * pr.storage_usd_per_gb_month * pr.retention_days / 30.0;
  s->usd_ingest_month = static_cast<double>(s->bytes_kept) * per_month / 1e9 * pr.ingest_usd_per_gb;
  s->usd_per_span_month = s->spans_millions_per_month * pr.usd_per_million_spans;
}

// Recall per fault of the plan: errors[f] error traces fault f touched, kept[f] of them kept.
void AddFaultRecalls(const sim::FaultPlan& plan, const std::vector<uint64_t>& errors,
                     const std::vector<uint64_t>& kept, StrategyScore* s) {
  for (size_t f = 0; f < plan.faults.size(); ++f) {
    StrategyScore::FaultRecall fr;
    fr.id = plan.faults[f].id;
    fr.error_traces = errors[f];
    fr.kept = kept[f];
    fr.recall =
        fr.error_traces ? static_cast<double>(fr.kept) / static_cast<double>(fr.error_traces) : 0.0;
    s->by_fault.push_back(fr);
  }
}

}  // namespace

void SamplingLab::WindowEdge(bool end) {
  for (Impl::Strategy& st : impl_->strategies) {
    std::vector<TailSamplingStats>& at = end ? st.tail_at_end : st.tail_at_begin;
    at.assign(st.stages.size(), TailSamplingStats{});
    for (size_t i = 0; i < st.stages.size(); ++i)
      if (st.stages[i].tail) at[i] = st.stages[i].tail->stats();
  }
}

void SamplingLab::Merge(const SamplingLab& other) {
  Impl& m = *impl_;
  const Impl& o = *other.impl_;
  m.traces += o.traces;
  m.error_traces += o.error_traces;
  m.root_errors += o.root_errors;
  for (size_t f = 0; f < m.fault_errors.size() && f < o.fault_errors.size(); ++f)
    m.fault_errors[f] += o.fault_errors[f];
  for (const auto& [svc, n] : o.root_cause_errors) m.root_cause_errors[svc] += n;
  m.latency.Merge(o.latency);
  m.whole.Merge(o.whole);
  m.shapes.insert(o.shapes.begin(), o.shapes.end());
  for (size_t k = 0; k < m.strategies.size() && k < o.strategies.size(); ++k) {
    Impl::Strategy& st = m.strategies[k];
    const Impl::Strategy& os = o.strategies[k];
    Impl::Acc& a = st.acc;
    const Impl::Acc& b = os.acc;
    a.spans_kept += b.spans_kept;
    a.bytes_kept += b.bytes_kept;
    a.traces += b.traces;
    a.traces_kept += b.traces_kept;
    a.spans += b.spans;
    a.complete_kept += b.complete_kept;
    a.fragmented_kept += b.fragmented_kept;
    a.error_traces += b.error_traces;
    a.error_kept += b.error_kept;
    for (size_t f = 0; f < a.fault_errors.size() && f < b.fault_errors.size(); ++f) {
      a.fault_errors[f] += b.fault_errors[f];
      a.fault_kept[f] += b.fault_kept[f];
    }
    for (const auto& [svc, rc] : b.root_cause) {
      a.root_cause[svc].first += rc.first;
      a.root_cause[svc].second += rc.second;
    }
    a.kept_latency.Merge(b.kept_latency);
    a.kept_whole.Merge(b.kept_whole);
    a.weighted_latency.Merge(b.weighted_latency);
    // The run's shutdown flush is the last shard's (shards merge in order): earlier shards'
    // flushes decide traces of their trailing warm-up, which later shards score on their ticker.
    st.sampled_at_shutdown = os.sampled_at_shutdown;
    if (!st.loaded_notes && os.loaded_notes) st.loaded_notes = os.loaded_notes;
    a.adj_traces += b.adj_traces;
    a.adj_root_errors += b.adj_root_errors;
    a.shapes_kept.insert(b.shapes_kept.begin(), b.shapes_kept.end());
    std::vector<TailSamplingStats> mine = TailStatsOf(st);
    const std::vector<TailSamplingStats> theirs = TailStatsOf(os);
    for (size_t i = 0; i < mine.size() && i < theirs.size(); ++i)
      MergeTailStats(theirs[i], &mine[i]);
    st.merged_tail = std::move(mine);
    if (o.bsp && (o.bsp->mask() >> k & 1)) {
      const SdkExportStats& e = o.bsp->stats(k);
      st.sdk_merged.spans_enqueued += e.spans_enqueued + os.sdk_merged.spans_enqueued;
      st.sdk_merged.spans_dropped += e.spans_dropped + os.sdk_merged.spans_dropped;
      st.sdk_merged.spans_lost_timeout += e.spans_lost_timeout + os.sdk_merged.spans_lost_timeout;
      st.sdk_merged.spans_exported += e.spans_exported + os.sdk_merged.spans_exported;
      st.sdk_merged.exports += e.exports + os.sdk_merged.exports;
    }
  }
}

std::vector<StrategyScore> SamplingLab::Scores(double duration_s) const {
  const Impl& m = *impl_;
  std::vector<StrategyScore> out;
  const double p99 = static_cast<double>(m.latency.Percentile(99));
  const int64_t slow_ns = static_cast<int64_t>(m.options.slow_threshold_ms * 1e6);
  const uint64_t slow_p99_all = m.traces - m.latency.CountAtOrBelow(static_cast<int64_t>(p99));
  const uint64_t slow_thr_all = m.traces - m.latency.CountAtOrBelow(slow_ns);
  auto ratio = [](uint64_t a, uint64_t b) {
    return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  for (const Impl::Strategy& st : m.strategies) {
    const Impl::Acc& a = st.acc;
    StrategyScore s;
    s.name = st.cfg.name;
    s.description = st.cfg.description;
    s.pipeline = m.Pipeline(st);
    if (st.loaded_notes)
      s.notes = *st.loaded_notes;
    else if (m.ext)
      s.notes = m.ext->Notes(static_cast<size_t>(&st - m.strategies.data()));
    s.traces = a.traces;
    s.traces_kept = a.traces_kept;
    s.spans = a.spans;
    s.spans_kept = a.spans_kept;
    s.bytes_kept = a.bytes_kept;
    AddCosts(m.options, duration_s, &s);
    s.error_traces = a.error_traces;
    s.error_traces_kept = a.error_kept;
    s.error_recall = ratio(a.error_kept, a.error_traces);
    if (m.plan != nullptr) AddFaultRecalls(*m.plan, a.fault_errors, a.fault_kept, &s);
    for (const auto& [svc, rc] : a.root_cause) {
      StrategyScore::ServiceRecall sr;
      sr.service = std::string(m.model.strings.Get(m.model.services[svc].name));
      sr.error_traces = rc.first;
      sr.kept = rc.second;
      sr.recall = ratio(rc.second, rc.first);
      s.by_root_cause.push_back(sr);
    }
    s.slow_p99_ms = p99 / 1e6;
    s.slow_p99_traces = slow_p99_all;
    s.slow_p99_kept = a.traces_kept - a.kept_latency.CountAtOrBelow(static_cast<int64_t>(p99));
    s.slow_recall_p99 = ratio(s.slow_p99_kept, slow_p99_all);
    s.slow_threshold_traces = slow_thr_all;
    s.slow_threshold_kept = a.traces_kept - a.kept_latency.CountAtOrBelow(slow_ns);
    s.slow_recall_threshold = ratio(s.slow_threshold_kept, slow_thr_all);
    s.shapes = m.shapes.size();
    s.shapes_kept = a.shapes_kept.size();
    s.rare_path_recall = ratio(s.shapes_kept, s.shapes);
    s.complete_kept = a.complete_kept;
    s.fragmented_kept = a.fragmented_kept;
    s.completeness = ratio(a.complete_kept, a.traces_kept);
    const std::vector<TailSamplingStats> tail_stats = TailStatsOf(st);
    for (size_t i = 0; i < st.stages.size(); ++i) {
      if (st.stages[i].tail) AddTailStats(tail_stats[i], &s);
    }
    s.kept_at_shutdown = st.sampled_at_shutdown;
    m.AddSdkStats(static_cast<size_t>(&st - m.strategies.data()), &s);
    s.true_error_rate = ratio(m.root_errors, m.traces);
    s.est_error_rate = a.adj_traces > 0 ? a.adj_root_errors / a.adj_traces : 0;
    s.true_p99_ms = p99 / 1e6;
    s.est_p99_ms = a.weighted_latency.Count() ? a.weighted_latency.Percentile(99) / 1e6 : 0;
    s.true_rate = duration_s > 0 ? m.traces / duration_s : 0;
    s.est_rate = duration_s > 0 ? a.adj_traces / duration_s : 0;
    s.kept_ci = Wilson(a.traces_kept, a.traces);
    s.error_recall_ci = Wilson(a.error_kept, a.error_traces);
    s.true_p95_ms = static_cast<double>(m.latency.Percentile(95)) / 1e6;
    for (const CollectorStage& cs : st.cfg.stages)
      s.red_biased |= cs.kind() != CollectorStage::Kind::kProbabilistic;
    s.error_rate_bias = s.est_error_rate - s.true_error_rate;
    s.rate_bias = s.true_rate > 0 ? s.est_rate / s.true_rate - 1 : 0;
    s.p99_bias = s.true_p99_ms > 0 && s.est_p99_ms > 0 ? s.est_p99_ms / s.true_p99_ms - 1 : 0;
    AddSlow("root", m.latency, a.kept_latency, slow_ns, &s);
    AddSlow("trace", m.whole, a.kept_whole, slow_ns, &s);
    out.push_back(std::move(s));
  }
  MarkPareto(&out);
  return out;
}

// ---- partial results (SaveState / LoadState) ----------------------------------------------

namespace {

using TailCount = uint64_t TailSamplingStats::*;
constexpr TailCount kTailFields[] = {&TailSamplingStats::spans_received,
                                     &TailSamplingStats::traces_seen,
                                     &TailSamplingStats::traces_sampled,
                                     &TailSamplingStats::traces_not_sampled,
                                     &TailSamplingStats::traces_dropped,
                                     &TailSamplingStats::traces_dropped_too_early,
                                     &TailSamplingStats::traces_dropped_too_large,
                                     &TailSamplingStats::traces_dropped_on_shutdown,
                                     &TailSamplingStats::overflow_waits,
                                     &TailSamplingStats::spans_refused_stalled,
                                     &TailSamplingStats::spans_released,
                                     &TailSamplingStats::spans_dropped,
                                     &TailSamplingStats::late_spans_inherited,
                                     &TailSamplingStats::late_span_ages,
                                     &TailSamplingStats::late_spans_cached_sampled,
                                     &TailSamplingStats::late_spans_cached_not_sampled,
                                     &TailSamplingStats::late_spans_after_eviction,
                                     &TailSamplingStats::split_traces,
                                     &TailSamplingStats::evaluation_errors,
                                     &TailSamplingStats::traces_in_memory,
                                     &TailSamplingStats::spans_buffered,
                                     &TailSamplingStats::bytes_buffered,
                                     &TailSamplingStats::peak_traces_in_memory,
                                     &TailSamplingStats::peak_spans_buffered,
                                     &TailSamplingStats::peak_bytes_buffered};

void SaveTail(const TailSamplingStats& t, sim::StateWriter& out) {
  for (TailCount f : kTailFields) out.U64(t.*f);
  out.U64(t.policies.size());
  for (const TailPolicyStats& p : t.policies) {
    out.Str(p.name);
    for (uint64_t n : {p.sampled, p.not_sampled, p.dropped, p.errors, p.credited}) out.U64(n);
  }
  out.U64(t.decision_latency_ms.size());
  for (uint64_t n : t.decision_latency_ms) out.U64(n);
}

void LoadTail(sim::StateReader& in, TailSamplingStats* t) {
  for (TailCount f : kTailFields) t->*f = in.U64();
  t->policies.resize(in.Count(48));
  for (TailPolicyStats& p : t->policies) {
    p.name = in.Str();
    for (uint64_t* n : {&p.sampled, &p.not_sampled, &p.dropped, &p.errors, &p.credited})
      *n = in.U64();
  }
  t->decision_latency_ms.resize(in.Count());
  for (uint64_t& n : t->decision_latency_ms) n = in.U64();
}

// A set of 64-bit hashes, sorted so that equal sets give equal bytes.
void SaveSet(const std::unordered_set<uint64_t>& set, sim::StateWriter& out) {
  std::vector<uint64_t> v(set.begin(), set.end());
  std::sort(v.begin(), v.end());
  out.U64(v.size());
  for (uint64_t x : v) out.U64(x);
}

void LoadSet(sim::StateReader& in, std::unordered_set<uint64_t>* set) {
  set->clear();
  const uint64_t n = in.Count();
  for (uint64_t i = 0; i < n; ++i) set->insert(in.U64());
}

}  // namespace

void SamplingLab::SaveState(sim::StateWriter& out) const {
  const Impl& m = *impl_;
  for (uint64_t n : {m.traces, m.error_traces, m.root_errors}) out.U64(n);
  out.U64(m.fault_errors.size());
  for (uint64_t n : m.fault_errors) out.U64(n);
  out.U64(m.root_cause_errors.size());
  for (const auto& [svc, n] : m.root_cause_errors) {
    out.U64(svc);
    out.U64(n);
  }
  m.latency.Save(out);
  m.whole.Save(out);
  SaveSet(m.shapes, out);
  out.U64(m.strategies.size());
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    const Impl::Strategy& st = m.strategies[k];
    const Impl::Acc& a = st.acc;
    for (uint64_t n : {a.spans_kept, a.bytes_kept, a.traces, a.traces_kept, a.spans,
                       a.complete_kept, a.fragmented_kept, a.error_traces, a.error_kept})
      out.U64(n);
    out.U64(a.fault_errors.size());
    for (size_t f = 0; f < a.fault_errors.size(); ++f) {
      out.U64(a.fault_errors[f]);
      out.U64(f < a.fault_kept.size() ? a.fault_kept[f] : 0);
    }
    out.U64(a.root_cause.size());
    for (const auto& [svc, rc] : a.root_cause) {
      out.U64(svc);
      out.U64(rc.first);
      out.U64(rc.second);
    }
    a.kept_latency.Save(out);
    a.kept_whole.Save(out);
    a.weighted_latency.Save(out);
    out.F64(a.adj_traces);
    out.F64(a.adj_root_errors);
    SaveSet(a.shapes_kept, out);
    out.U64(st.sampled_at_shutdown);
    const std::vector<TailSamplingStats> tails = TailStatsOf(st);
    out.U64(tails.size());
    for (const TailSamplingStats& t : tails) SaveTail(t, out);
    const std::vector<std::string> notes =
        st.loaded_notes ? *st.loaded_notes : (m.ext ? m.ext->Notes(k) : std::vector<std::string>{});
    out.U64(notes.size());
    for (const std::string& n : notes) out.Str(n);
  }
}

bool SamplingLab::LoadState(sim::StateReader& in) {
  Impl& m = *impl_;
  for (uint64_t* n : {&m.traces, &m.error_traces, &m.root_errors}) *n = in.U64();
  if (in.U64() != m.fault_errors.size()) return false;
  for (uint64_t& n : m.fault_errors) n = in.U64();
  m.root_cause_errors.clear();
  const uint64_t causes = in.Count(16);
  for (uint64_t i = 0; i < causes; ++i) {
    const uint64_t svc = in.U64();
    m.root_cause_errors[static_cast<uint32_t>(svc)] = in.U64();
  }
  if (!m.latency.Load(in) || !m.whole.Load(in)) return false;
  LoadSet(in, &m.shapes);
  if (in.U64() != m.strategies.size()) return false;
  for (Impl::Strategy& st : m.strategies) {
    Impl::Acc& a = st.acc;
    for (uint64_t* n : {&a.spans_kept, &a.bytes_kept, &a.traces, &a.traces_kept, &a.spans,
                        &a.complete_kept, &a.fragmented_kept, &a.error_traces, &a.error_kept})
      *n = in.U64();
    if (in.U64() != a.fault_errors.size()) return false;
    for (size_t f = 0; f < a.fault_errors.size(); ++f) {
      a.fault_errors[f] = in.U64();
      a.fault_kept[f] = in.U64();
    }
    a.root_cause.clear();
    const uint64_t rcs = in.Count(24);
    for (uint64_t i = 0; i < rcs; ++i) {
      const uint64_t svc = in.U64();
      auto& rc = a.root_cause[static_cast<uint32_t>(svc)];
      rc.first = in.U64();
      rc.second = in.U64();
    }
    if (!a.kept_latency.Load(in) || !a.kept_whole.Load(in) || !a.weighted_latency.Load(in))
      return false;
    a.adj_traces = in.F64();
    a.adj_root_errors = in.F64();
    LoadSet(in, &a.shapes_kept);
    st.sampled_at_shutdown = in.U64();
    if (in.U64() != st.stages.size()) return false;
    st.merged_tail.assign(st.stages.size(), TailSamplingStats{});
    for (TailSamplingStats& t : st.merged_tail) LoadTail(in, &t);
    std::vector<std::string> notes(in.Count());
    for (std::string& n : notes) n = in.Str();
    st.loaded_notes = std::move(notes);
  }
  m.finished = true;
  return in.ok();
}

}  // namespace tracesim::sampling
