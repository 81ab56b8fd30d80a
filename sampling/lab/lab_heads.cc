#include "sampling/lab/lab_heads.h"

#include "sampling/head/head_config.h"

namespace tracesim::sampling {

LabHeads::LabHeads(const sim::Model& model, size_t strategies)
    : model_(model),
      head_(strategies),
      prob_(strategies),
      all_bits_(strategies >= 64 ? ~uint64_t{0} : (uint64_t{1} << strategies) - 1) {}

sim::Status LabHeads::Build(size_t k, const StrategyConfig& cfg) {
  auto head = BuildHeadSamplers(cfg.head, model_);
  if (!head.ok()) return head.status();
  head_[k] = std::move(head).value();
  prob_[k].assign(model_.services.size(), 1.0);
  for (uint32_t s = 0; s < model_.services.size(); ++s) {
    const HeadSamplerSpec& spec = cfg.head.ForService(model_.strings.Get(model_.services[s].name));
    if (KindUsesRatio(spec.kind)) prob_[k][s] = spec.ratio;
    // No provider: a Jaeger remote SDK stays on its initial TraceIdRatioBased sampler.
    if (KindIsJaegerRemote(spec.kind)) prob_[k][s] = spec.jaeger.initial_sampling_rate;
  }
  return sim::Status::Ok();
}

void LabHeads::BuildMasks() {
  masks_built_ = true;
  no_head_mask_.assign(model_.services.size(), 0);
  follow_mask_.assign(model_.services.size(), 0);
  for (uint32_t svc = 0; svc < model_.services.size(); ++svc) {
    for (size_t k = 0; k < head_.size(); ++k) {
      const Sampler* s = At(k, svc);
      if (s == nullptr) {
        no_head_mask_[svc] |= uint64_t{1} << k;
      } else if (s->FollowsParent()) {
        follow_mask_[svc] |= uint64_t{1} << k;
      }
    }
  }
}

uint64_t LabHeads::Bits(const sim::Span& span, const sim::Span* parent, TracePool& pool,
                        uint32_t slot) {
  if (!masks_built_) BuildMasks();
  uint64_t bits = 0;
  uint64_t todo = all_bits_;
  if (span.service < no_head_mask_.size()) {
    bits = no_head_mask_[span.service];
    if (parent != nullptr) bits |= parent->observer_bits & follow_mask_[span.service];
    todo &= ~no_head_mask_[span.service];
    if (parent != nullptr) todo &= ~follow_mask_[span.service];
  }
  if (todo == 0) return bits;
  uint64_t* thresholds = pool.ThresholdOf(slot);
  for (size_t k = 0; k < head_.size(); ++k) {
    if (!(todo >> k & 1)) continue;
    const uint64_t bit = uint64_t{1} << k;
    Sampler* s = At(k, span.service);
    if (s == nullptr) {
      bits |= bit;
      continue;
    }
    SamplingParams p;
    p.model = &model_;
    p.trace_id = span.trace_id;
    p.has_parent = parent != nullptr;
    p.parent_remote = parent != nullptr && (span.kind == sim::SpanKind::kServer ||
                                            span.kind == sim::SpanKind::kConsumer);
    p.parent_sampled = parent != nullptr && (parent->observer_bits & bit) != 0;
    p.random_flag = (span.flags & sim::kFlagRandomTraceId) != 0;
    p.parent_threshold = parent != nullptr ? thresholds[k] : kNoThreshold;
    p.kind = span.kind;
    p.name = span.name;
    p.service = span.service;
    p.span = &span;
    p.time_unix_nano = span.start_unix_nano;
    SamplingResult r = s->ShouldSample(p);
    if (r.sampled()) bits |= bit;
    if (parent == nullptr) thresholds[k] = r.threshold;
  }
  return bits;
}

}  // namespace tracesim::sampling
