// TailPolicyChain: the top-level policies of one tail_sampling processor and how their votes make
// the trace's decision (upstream's makeDecision): drop policies first, then the others in config
// order; a Dropped vote ends the evaluation, and so does the first Sampled one with
// sample_on_first_match; the votes combine as CombineDecisions. Not thread-safe (stateful
// policies).
#ifndef TRACESIM_SAMPLING_TAIL_POLICY_CHAIN_H_
#define TRACESIM_SAMPLING_TAIL_POLICY_CHAIN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/policies/tail_policy.h"
#include "sim/base/status.h"
#include "sim/model/model.h"

namespace tracesim::sampling {

struct TailPolicyStats {
  std::string name;
  // Votes as count_traces_sampled records them (only policies evaluated before a break).
  uint64_t sampled = 0;      // Sampled or InvertSampled
  uint64_t not_sampled = 0;  // NotSampled or InvertNotSampled
  uint64_t dropped = 0;      // Dropped
  uint64_t errors = 0;
  uint64_t credited = 0;  // final keeps attributed to this policy (tailsampling.policy)
};

class TailPolicyChain {
 public:
  TailPolicyChain() = default;
  // Builds the evaluators of config.policies; `*stats` gets one entry per policy, config order.
  // Errors name the policy (TailPolicy::Create).
  static sim::Result<TailPolicyChain> Create(const TailSamplingConfig& config,
                                             const sim::Model& model,
                                             const TailPolicyOptions& options,
                                             std::vector<TailPolicyStats>* stats);

  // The final decision on `data` at `now_unix_nano` (Sampled, NotSampled or Dropped). Counts the
  // votes in stats[i] (the vector Create() filled) and adds each kError to `*errors`.
  TailDecision Decide(const TailTraceData& data, int64_t now_unix_nano,
                      std::vector<TailPolicyStats>& stats, uint64_t* errors) noexcept;

  const TailPolicy& policy(size_t i) const { return *policies_[i]; }
  // Whether any policy reads the spans (TailPolicy::ReadsSpans).
  bool ReadsSpans() const {
    for (const auto& p : policies_)
      if (p->ReadsSpans()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<TailPolicy>> policies_;  // config order
  std::vector<size_t> order_;                          // evaluation order: drop policies first
  bool sample_on_first_match_ = false;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_POLICY_CHAIN_H_
