#include "sampling/lab.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "sampling/tail_size.h"

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

struct TraceIdHash {
  size_t operator()(const sim::TraceId& t) const noexcept {
    uint64_t h = t.hi * 0x9E3779B97F4A7C15ULL ^ t.lo;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

constexpr double kSecondsPerMonth = 30 * 86400.0;

}  // namespace

struct SamplingLab::Impl {
  // Connects a tail stage's output to the next stage of its strategy.
  class Forwarder final : public sim::SpanListener {
   public:
    Forwarder(Impl* lab, size_t strategy, size_t next_stage, TailSamplingProcessor* from)
        : lab_(lab), strategy_(strategy), next_(next_stage), from_(from) {}
    void OnSpanEnd(const sim::Model&, const sim::Span& span, std::span<const sim::SpanEvent> events,
                   std::span<const sim::SpanLink> links) noexcept override {
      lab_->Deliver(strategy_, next_, span, events, links, from_->now());
    }

   private:
    Impl* lab_;
    size_t strategy_, next_;
    TailSamplingProcessor* from_;
  };

  struct StageRt {
    CollectorStage::Kind kind;
    std::unique_ptr<ProbabilisticSamplerProcessor> prob;
    std::unique_ptr<TailSamplingProcessor> tail;
    std::unique_ptr<Forwarder> forward;
  };

  struct Acc {
    uint64_t spans_kept = 0, bytes_kept = 0;
    uint64_t traces = 0, traces_kept = 0, spans = 0;
    uint64_t complete_kept = 0, fragmented_kept = 0;
    uint64_t error_traces = 0, error_kept = 0;
    std::vector<uint64_t> fault_errors, fault_kept;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> root_cause;  // service -> (errors, kept)
    metrics::Histogram kept_latency;
    metrics::Histogram weighted_latency;  // kept traces, counts scaled by the adjusted count
    double adj_traces = 0, adj_root_errors = 0;
    std::unordered_set<uint64_t> shapes_kept;
  };

  struct Strategy {
    StrategyConfig cfg;
    std::vector<std::unique_ptr<Sampler>> head;  // per service; empty when no head config
    std::vector<double> head_prob;               // per service: the known head probability
    std::vector<StageRt> stages;
    double stage_prob = 1;  // product of the probabilistic stages' probabilities
    Acc acc;
  };

  struct TraceAcc {
    bool completed = false;
    int64_t deadline = 0;
    uint32_t exported = 0;
    sim::TraceTruth truth;
    std::vector<uint32_t> kept;       // per strategy: spans kept
    std::vector<uint64_t> threshold;  // per strategy: the trace's consistent-sampling th
  };

  const sim::Model& model;
  const sim::FaultPlan* plan;
  LabOptions options;
  std::vector<Strategy> strategies;
  std::unordered_map<sim::TraceId, uint32_t, TraceIdHash> index;  // trace -> pool slot
  std::vector<TraceAcc> pool;
  std::vector<uint32_t> free_slots;
  std::deque<std::pair<sim::TraceId, int64_t>> finalize_queue;  // completed traces by deadline
  int64_t max_wait_ns = 0;  // longest decision wait of any tail stage (+ one tick)
  int64_t now = 0;
  bool finished = false;
  // The truth over every trace with exported spans.
  uint64_t traces = 0, error_traces = 0, root_errors = 0;
  std::vector<uint64_t> fault_errors;
  std::map<uint32_t, uint64_t> root_cause_errors;
  metrics::Histogram latency;
  std::unordered_set<uint64_t> shapes;

  Impl(const sim::Model& m, const sim::FaultPlan* p, LabOptions o)
      : model(m), plan(p), options(o) {}

  uint32_t Slot(const sim::TraceId& id) {
    auto it = index.find(id);
    if (it != index.end()) return it->second;
    uint32_t s;
    if (!free_slots.empty()) {
      s = free_slots.back();
      free_slots.pop_back();
      TraceAcc& a = pool[s];
      a.completed = false;
      a.exported = 0;
      std::fill(a.kept.begin(), a.kept.end(), 0);
      std::fill(a.threshold.begin(), a.threshold.end(), kNoThreshold);
    } else {
      s = static_cast<uint32_t>(pool.size());
      pool.emplace_back();
      pool.back().kept.assign(strategies.size(), 0);
      pool.back().threshold.assign(strategies.size(), kNoThreshold);
    }
    index.emplace(id, s);
    return s;
  }

  uint64_t HeadBits(const sim::Span& span, const sim::Span* parent) {
    uint64_t bits = 0;
    // The trace's record exists from its first span on, so spans a stage keeps before the trace
    // completes are counted against it.
    uint32_t slot = Slot(span.trace_id);
    for (size_t k = 0; k < strategies.size(); ++k) {
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
      p.parent_sampled = parent != nullptr && (parent->head_bits & bit) != 0;
      p.random_flag = (span.flags & sim::kFlagRandomTraceId) != 0;
      p.parent_threshold = parent != nullptr ? pool[slot].threshold[k] : kNoThreshold;
      p.kind = span.kind;
      p.name = span.name;
      p.service = span.service;
      p.span = &span;
      p.time_unix_nano = span.start_unix_nano;
      SamplingResult r = s->ShouldSample(p);
      if (r.sampled()) bits |= bit;
      if (parent == nullptr) pool[slot].threshold[k] = r.threshold;
    }
    return bits;
  }
  static constexpr uint32_t kNoSlot = 0xFFFFFFFFu;

  // Span `span` reaches stage `stage` of strategy k at `arrival` (past the last stage: stored).
  void Deliver(size_t k, size_t stage, const sim::Span& span,
               std::span<const sim::SpanEvent> events, std::span<const sim::SpanLink> links,
               int64_t arrival) {
    Strategy& st = strategies[k];
    if (stage >= st.stages.size()) {
      Kept(k, span, events, links);
      return;
    }
    StageRt& rt = st.stages[stage];
    if (rt.kind == CollectorStage::Kind::kProbabilistic) {
      uint64_t th = kNoThreshold;
      auto it = index.find(span.trace_id);
      if (it != index.end()) th = pool[it->second].threshold[k];
      ProbabilisticDecision d = rt.prob->Decide(model, span, th);
      if (d.keep) Deliver(k, stage + 1, span, events, links, arrival);
      return;
    }
    rt.tail->OnSpan(span, events, links, arrival);
  }

  void Kept(size_t k, const sim::Span& span, std::span<const sim::SpanEvent> events,
            std::span<const sim::SpanLink> links) {
    Acc& a = strategies[k].acc;
    ++a.spans_kept;
    a.bytes_kept += OtlpSpanSize(model, span, events, links);
    auto it = index.find(span.trace_id);
    if (it != index.end()) ++pool[it->second].kept[k];
  }

  void AdvanceTails(int64_t t) {
    for (Strategy& st : strategies)
      for (StageRt& rt : st.stages)
        if (rt.tail) rt.tail->AdvanceTo(t);
  }

  void FinalizeDue() {
    while (!finalize_queue.empty() && (finished || finalize_queue.front().second <= now)) {
      sim::TraceId id = finalize_queue.front().first;
      finalize_queue.pop_front();
      auto it = index.find(id);
      if (it == index.end()) continue;
      uint32_t slot = it->second;
      index.erase(it);
      Score(pool[slot]);
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
    return p > 0 ? 1.0 / p : 0.0;
  }

  void Score(const TraceAcc& t) {
    if (t.exported == 0) return;  // nothing reached a backend
    const sim::TraceTruth& tr = t.truth;
    const int64_t lat = tr.latency().nanos();
    ++traces;
    latency.Record(lat);
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
      bool kept = t.kept[k] > 0;
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
      if (t.kept[k] >= t.exported) {
        ++a.complete_kept;
      } else {
        ++a.fragmented_kept;
      }
      a.kept_latency.Record(lat);
      a.shapes_kept.insert(tr.shape);
      double w = AdjustedCount(k, tr);
      a.adj_traces += w;
      if (tr.root_error) a.adj_root_errors += w;
      a.weighted_latency.Record(lat, static_cast<uint64_t>(std::llround(std::max(1.0, w * 16))));
    }
  }

  std::string Pipeline(const Strategy& st) const {
    std::string p;
    if (st.cfg.has_head) {
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
      if (s.kind == CollectorStage::Kind::kProbabilistic) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s(%g%%)", s.id.c_str(),
                      static_cast<double>(s.probabilistic.sampling_percentage));
        p += buf;
      } else {
        p += s.id + "(" + std::to_string(s.tail.policies.size()) + " policies)";
      }
    }
    return p;
  }
};

SamplingLab::SamplingLab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SamplingLab::~SamplingLab() = default;
size_t SamplingLab::strategy_count() const { return impl_->strategies.size(); }

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
      }
    }
    st.acc.fault_errors.assign(faults, 0);
    st.acc.fault_kept.assign(faults, 0);
    st.stages.resize(st.cfg.stages.size());
    for (size_t i = 0; i < st.cfg.stages.size(); ++i) {
      const CollectorStage& cs = st.cfg.stages[i];
      Impl::StageRt& rt = st.stages[i];
      rt.kind = cs.kind;
      if (cs.kind == CollectorStage::Kind::kProbabilistic) {
        sim::Status v = cs.probabilistic.Validate();
        if (!v.ok()) return v.WithContext(where + ", " + cs.id);
        rt.prob = std::make_unique<ProbabilisticSamplerProcessor>(cs.probabilistic);
        st.stage_prob *=
            std::min(1.0, static_cast<double>(cs.probabilistic.sampling_percentage) / 100.0);
      } else {
        auto tail = TailSamplingProcessor::Create(cs.tail, model);
        if (!tail.ok()) return tail.status().WithContext(where + ", " + cs.id);
        rt.tail = std::move(tail).value();
        rt.forward = std::make_unique<Impl::Forwarder>(impl.get(), k, i + 1, rt.tail.get());
        rt.tail->SetDownstream(rt.forward.get());
        int64_t wait = cs.tail.decision_wait_nanos + 2'000'000'000;  // + ticks
        impl->max_wait_ns = std::max(impl->max_wait_ns, wait);
      }
    }
  }
  return std::unique_ptr<SamplingLab>(new SamplingLab(std::move(impl)));
}

uint64_t SamplingLab::OnSpanStart(const sim::Model&, const sim::Span& span,
                                  const sim::Span* parent) noexcept {
  return impl_->HeadBits(span, parent);
}

void SamplingLab::OnSpanEnd(const sim::Model&, const sim::Span& span,
                            std::span<const sim::SpanEvent> events,
                            std::span<const sim::SpanLink> links) noexcept {
  Impl& m = *impl_;
  m.now = std::max(m.now, span.end_unix_nano);
  m.AdvanceTails(m.now);
  for (size_t k = 0; k < m.strategies.size(); ++k) {
    if (span.head_bits >> k & 1) m.Deliver(k, 0, span, events, links, m.now);
  }
  m.FinalizeDue();
}

void SamplingLab::OnTrace(const sim::TraceView& trace) noexcept {
  Impl& m = *impl_;
  if (trace.truth == nullptr || trace.spans.empty()) {
    // No span reached a backend; drop any state the head decisions made.
    auto it = m.index.find(trace.trace_id);
    if (it != m.index.end()) {
      m.free_slots.push_back(it->second);
      m.index.erase(it);
    }
    return;
  }
  uint32_t slot = m.Slot(trace.trace_id);
  Impl::TraceAcc& a = m.pool[slot];
  a.completed = true;
  a.truth = *trace.truth;
  a.exported = static_cast<uint32_t>(trace.spans.size());
  for (const sim::Span& s : trace.spans) m.now = std::max(m.now, s.end_unix_nano);
  m.finalize_queue.emplace_back(trace.trace_id, m.now + m.max_wait_ns);
  m.FinalizeDue();
}

void SamplingLab::Finish(int64_t end_unix_nano) {
  Impl& m = *impl_;
  m.now = std::max(m.now, end_unix_nano);
  for (Impl::Strategy& st : m.strategies)
    for (Impl::StageRt& rt : st.stages)
      if (rt.tail) rt.tail->Shutdown(m.now);
  m.finished = true;
  m.FinalizeDue();
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
    s.traces = a.traces;
    s.traces_kept = a.traces_kept;
    s.spans = a.spans;
    s.spans_kept = a.spans_kept;
    s.bytes_kept = a.bytes_kept;
    s.compressed_bytes_kept = static_cast<double>(a.bytes_kept) * m.options.compression_ratio;
    double per_month = duration_s > 0 ? kSecondsPerMonth / duration_s : 0;
    s.gb_per_month = s.compressed_bytes_kept * per_month / 1e9;
    s.spans_millions_per_month = static_cast<double>(a.spans_kept) * per_month / 1e6;
    const PricingOptions& pr = m.options.pricing;
    s.usd_storage_month = s.gb_per_month * pr.storage_usd_per_gb_month * pr.retention_days / 30.0;
    s.usd_ingest_month = static_cast<double>(a.bytes_kept) * per_month / 1e9 * pr.ingest_usd_per_gb;
    s.usd_per_span_month = s.spans_millions_per_month * pr.usd_per_million_spans;
    s.error_traces = a.error_traces;
    s.error_traces_kept = a.error_kept;
    s.error_recall = ratio(a.error_kept, a.error_traces);
    if (m.plan != nullptr) {
      for (size_t f = 0; f < m.plan->faults.size(); ++f) {
        StrategyScore::FaultRecall fr;
        fr.id = m.plan->faults[f].id;
        fr.error_traces = a.fault_errors[f];
        fr.kept = a.fault_kept[f];
        fr.recall = ratio(fr.kept, fr.error_traces);
        s.by_fault.push_back(fr);
      }
    }
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
    for (const Impl::StageRt& rt : st.stages) {
      if (!rt.tail) continue;
      const TailSamplingStats& ts = rt.tail->stats();
      s.has_tail = true;
      s.peak_traces_buffered += ts.peak_traces_in_memory;
      s.peak_spans_buffered += ts.peak_spans_buffered;
      s.peak_bytes_buffered += ts.peak_bytes_buffered;
      s.evicted_before_decision += ts.traces_dropped_too_early;
      s.late_spans += ts.late_spans_inherited + ts.late_spans_cached_sampled +
                      ts.late_spans_cached_not_sampled + ts.late_spans_after_eviction;
      if (ts.decisions() > 0) {
        s.decision_latency_p50_s =
            std::max(s.decision_latency_p50_s, ts.DecisionLatencyQuantileMs(0.5) / 1e3);
        s.decision_latency_p99_s =
            std::max(s.decision_latency_p99_s, ts.DecisionLatencyQuantileMs(0.99) / 1e3);
      }
    }
    s.true_error_rate = ratio(m.root_errors, m.traces);
    s.est_error_rate = a.adj_traces > 0 ? a.adj_root_errors / a.adj_traces : 0;
    s.true_p99_ms = p99 / 1e6;
    s.est_p99_ms = a.weighted_latency.Count() ? a.weighted_latency.Percentile(99) / 1e6 : 0;
    s.true_rate = duration_s > 0 ? m.traces / duration_s : 0;
    s.est_rate = duration_s > 0 ? a.adj_traces / duration_s : 0;
    out.push_back(std::move(s));
  }
  for (StrategyScore& s : out) {
    s.pareto = true;
    for (const StrategyScore& o : out) {
      if (&o == &s) continue;
      bool no_worse = o.bytes_kept <= s.bytes_kept && o.error_recall >= s.error_recall;
      bool better = o.bytes_kept < s.bytes_kept || o.error_recall > s.error_recall;
      if (no_worse && better) s.pareto = false;
    }
  }
  return out;
}

}  // namespace tracesim::sampling
