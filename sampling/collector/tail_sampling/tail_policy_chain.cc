#include "sampling/collector/tail_sampling/tail_policy_chain.h"

#include <utility>

namespace tracesim::sampling {

sim::Result<TailPolicyChain> TailPolicyChain::Create(const TailSamplingConfig& config,
                                                     const sim::Model& model,
                                                     const TailPolicyOptions& options,
                                                     std::vector<TailPolicyStats>* stats) {
  TailPolicyChain chain;
  chain.sample_on_first_match_ = config.sample_on_first_match;
  for (const TailPolicyConfig& pc : config.policies) {
    auto pol = TailPolicy::Create(pc, model, options);
    if (!pol.ok()) return pol.status();
    chain.policies_.push_back(std::move(pol).value());
    TailPolicyStats ps;
    ps.name = pc.name;
    stats->push_back(std::move(ps));
  }
  // Drop policies are moved in front of all others, config order kept within each group.
  for (size_t i = 0; i < config.policies.size(); ++i)
    if (config.policies[i].type == TailPolicyType::kDrop) chain.order_.push_back(i);
  for (size_t i = 0; i < config.policies.size(); ++i)
    if (config.policies[i].type != TailPolicyType::kDrop) chain.order_.push_back(i);
  return chain;
}

TailDecision TailPolicyChain::Decide(const TailTraceData& data, int64_t now_unix_nano,
                                     std::vector<TailPolicyStats>& stats,
                                     uint64_t* errors) noexcept {
  TailDecisionMask seen = 0;
  size_t first_sampled = SIZE_MAX, first_invert_sampled = SIZE_MAX;
  for (size_t idx : order_) {
    TailDecision d = policies_[idx]->Evaluate(data, now_unix_nano);
    TailPolicyStats& ps = stats[idx];
    if (d == TailDecision::kError) {
      ++*errors;
      ++ps.errors;
      continue;
    }
    if (d == TailDecision::kSampled || d == TailDecision::kInvertSampled) {
      ++ps.sampled;
    } else if (d == TailDecision::kDropped) {
      ++ps.dropped;
    } else {
      ++ps.not_sampled;
    }
    if (d == TailDecision::kSampled && first_sampled == SIZE_MAX) first_sampled = idx;
    if (d == TailDecision::kInvertSampled && first_invert_sampled == SIZE_MAX) {
      first_invert_sampled = idx;
    }
    seen |= Bit(d);
    if (d == TailDecision::kDropped) break;
    if (sample_on_first_match_ && d == TailDecision::kSampled) break;
  }
  TailDecision final_decision = CombineDecisions(seen);
  if (final_decision == TailDecision::kSampled) {
    size_t credited = first_sampled != SIZE_MAX ? first_sampled : first_invert_sampled;
    if (credited != SIZE_MAX) ++stats[credited].credited;
  }
  return final_decision;
}

}  // namespace tracesim::sampling
