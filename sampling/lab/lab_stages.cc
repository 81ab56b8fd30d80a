#include "sampling/lab/lab_stages.h"

#include <algorithm>

namespace tracesim::sampling {

// Connects a tail stage's output to the next stage of its strategy.
class LabStages::Forwarder final : public TailReleaseListener {
 public:
  Forwarder(LabStages* stages, size_t strategy, size_t next_stage, TailSamplingProcessor* from)
      : stages_(stages), strategy_(strategy), next_(next_stage), from_(from) {}
  void OnRelease(const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links, uint32_t span_size) noexcept override {
    const SizedSpan one{&span, events, links, span_size};
    stages_->Deliver(strategy_, next_, std::span<const SizedSpan>(&one, 1), nullptr, from_->now(),
                     kSlotLookup);
  }
  // A later stage, or the tap, reads the spans; storing only counts them.
  bool NeedsSpans() const noexcept override;
  void OnReleaseCounts(const sim::TraceId& trace, uint64_t, uint64_t, uint64_t observed_spans,
                       uint64_t observed_bytes) noexcept override {
    stages_->Store(strategy_, stages_->pool_.SlotOf(trace), observed_spans, observed_bytes);
  }

 private:
  LabStages* stages_;
  size_t strategy_, next_;
  TailSamplingProcessor* from_;
};

struct LabStages::StageRt {
  CollectorStage::Kind kind;
  std::unique_ptr<ProbabilisticSamplerProcessor> prob;
  std::unique_ptr<TailSamplingProcessor> tail;
  std::unique_ptr<Forwarder> forward;
  // probabilistic_sampler: the spans of a group it kept, with the th/rv it wrote (reused).
  std::vector<SizedSpan> kept;
  std::vector<ProbabilisticInput> kept_ot;
};

// Defined here: it reads StageRt, which must be complete (clang checks at the template's use).
bool LabStages::Forwarder::NeedsSpans() const noexcept {
  return stages_->tap_ != nullptr || next_ < stages_->strategies_[strategy_].stages.size();
}

LabStages::LabStages(const sim::Model& model, size_t strategies, TracePool* pool, LabTally* tally,
                     std::unique_ptr<LabAdaptive>* ext)
    : model_(model), pool_(*pool), tally_(*tally), ext_(*ext), strategies_(strategies) {}

LabStages::~LabStages() = default;

sim::Status LabStages::Build(size_t k, const StrategyConfig& cfg, const std::string& where) {
  Strategy& st = strategies_[k];
  st.stages.resize(cfg.stages.size());
  for (size_t i = 0; i < cfg.stages.size(); ++i) {
    const CollectorStage& cs = cfg.stages[i];
    StageRt& rt = st.stages[i];
    rt.kind = cs.kind();
    if (const auto* prob = std::get_if<ProbabilisticSamplerConfig>(&cs.config)) {
      sim::Status v = prob->Validate();
      if (!v.ok()) return v.WithContext(where + ", " + cs.id);
      rt.prob = std::make_unique<ProbabilisticSamplerProcessor>(*prob);
      st.probability *= std::min(1.0, static_cast<double>(prob->sampling_percentage) / 100.0);
    } else if (const auto* dyn = std::get_if<DynamicStageConfig>(&cs.config)) {
      // Spans reach it before the trace completes: nothing may buffer them on the way.
      bool after_tail = false;
      for (size_t o = 0; o < i; ++o)
        after_tail |= cfg.stages[o].kind() == CollectorStage::Kind::kTail;
      if (i + 1 != cfg.stages.size() || after_tail) {
        return sim::Status::InvalidArgument(where + ", " + cs.id +
                                            ": must be the last stage and follow no tail_sampling");
      }
      if (!ext_) ext_ = std::make_unique<LabAdaptive>(model_);
      sim::Status d = ext_->AddDynamic(k, *dyn);
      if (!d.ok()) return d.WithContext(where + ", " + cs.id);
    } else {
      const auto& tail_cfg = std::get<TailSamplingConfig>(cs.config);
      TailSamplingOptions options;
      options.start_unix_nano = start_unix_nano_;
      auto tail = TailSamplingProcessor::Create(tail_cfg, model_, options);
      if (!tail.ok()) return tail.status().WithContext(where + ", " + cs.id);
      rt.tail = std::move(tail).value();
      rt.forward = std::make_unique<Forwarder>(this, k, i + 1, rt.tail.get());
      rt.tail->SetReleaseListener(rt.forward.get());
      tails_.push_back(rt.tail.get());
      st.has_tail = true;
      int64_t wait = tail_cfg.decision_wait_nanos + 2'000'000'000;  // + ticks
      max_wait_ns_ = std::max(max_wait_ns_, wait);
    }
  }
  return sim::Status::Ok();
}

void LabStages::OnExport(size_t k, int64_t at, std::span<const SizedSpan> spans) {
  AdvanceTo(at);
  if (tap_ != nullptr) {
    for (const SizedSpan& s : spans) tap_->OnArrival(k, *s.span, s.events, s.links, at);
    tap_->OnExportEnd(k);
  }
  if (!strategies_[k].has_tail) {  // per-span stages: no grouping needed
    for (const SizedSpan& s : spans) {
      Deliver(k, 0, std::span<const SizedSpan>(&s, 1), nullptr, at, kSlotLookup);
    }
    return;
  }
  groups_.Group(spans);
  groups_.Shuffle();
  // A trace's place in a tail stage's map, and then its entry, are cache misses: start loading
  // them a few groups ahead, in two steps.
  constexpr size_t kAhead = 8;
  TailSamplingProcessor* first_tail = strategies_[k].stages[0].tail.get();
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (first_tail != nullptr) {
      if (g + 2 * kAhead < groups_.size())
        first_tail->PrefetchIndex(groups_[g + 2 * kAhead].front().span->trace_id);
      if (g + kAhead < groups_.size())
        first_tail->PrefetchEntry(groups_[g + kAhead].front().span->trace_id);
    }
    const std::span<const SizedSpan> group = groups_[g];
    Deliver(k, 0, group, nullptr, at, kSlotLookup);
  }
}

void LabStages::AdvanceTo(int64_t t) {
  if (t < next_tick_) return;
  int64_t next = INT64_MAX;
  for (TailSamplingProcessor* tail : tails_) {
    tail->AdvanceTo(t);
    next = std::min(next, tail->next_tick_unix_nano());
  }
  next_tick_ = next;
}

uint64_t LabStages::Shutdown(size_t k, int64_t now) {
  uint64_t sampled = 0;
  for (StageRt& rt : strategies_[k].stages) {
    if (!rt.tail) continue;
    const uint64_t before = rt.tail->stats().traces_sampled;
    rt.tail->Shutdown(now);
    sampled += rt.tail->stats().traces_sampled - before;
  }
  return sampled;
}

std::vector<const TailSamplingStats*> LabStages::TailFigures(size_t k) const {
  std::vector<const TailSamplingStats*> out;
  for (const StageRt& rt : strategies_[k].stages)
    out.push_back(rt.tail ? &rt.tail->stats() : nullptr);
  return out;
}

uint64_t LabStages::FixedFieldsOnly() const {
  uint64_t mask = 0;
  for (size_t k = 0; k < strategies_.size() && k < 64; ++k) {
    const std::vector<StageRt>& stages = strategies_[k].stages;
    if (stages.size() == 1 && stages[0].tail && !stages[0].tail->ReadsSpans() &&
        !stages[0].forward->NeedsSpans())
      mask |= uint64_t{1} << k;
  }
  return mask;
}

void LabStages::Deliver(size_t k, size_t stage, std::span<const SizedSpan> group,
                        const ProbabilisticInput* ot, int64_t arrival, uint32_t slot) {
  Strategy& st = strategies_[k];
  const auto resolve = [&] {
    if (slot == kSlotLookup) slot = pool_.SlotOf(group.front().span->trace_id);
  };
  if (stage >= st.stages.size()) {  // stored
    resolve();
    for (const SizedSpan& s : group) {
      if (tap_ != nullptr) tap_->OnStored(k, *s.span);
      if (s.span->observed) [[likely]]  // warm-up traffic loads the stages, not the score
        Store(k, slot, 1, s.size);
    }
    return;
  }
  StageRt& rt = st.stages[stage];
  if (rt.kind == CollectorStage::Kind::kProbabilistic) {
    resolve();
    rt.kept.clear();
    rt.kept_ot.clear();
    for (size_t i = 0; i < group.size(); ++i) {
      ProbabilisticInput in;
      if (ot != nullptr) {
        in = ot[i];
      } else if (slot != TracePool::kMissing) {
        in.threshold = pool_.ThresholdOf(slot)[k];
      }
      ProbabilisticDecision d = rt.prob->Decide(model_, *group[i].span, in);
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
      ext_->OnDynamicSpan(k, s.span->trace_id, s.size,
                          static_cast<uint32_t>(s.events.size() + s.links.size()));
    }
    return;
  }
  rt.tail->OnTraceGroup(group, arrival);
}

}  // namespace tracesim::sampling
