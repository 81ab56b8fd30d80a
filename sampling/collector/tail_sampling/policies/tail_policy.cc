#include "sampling/collector/tail_sampling/policies/tail_policy.h"

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling {

std::string_view TailDecisionName(TailDecision d) {
  switch (d) {
    case TailDecision::kUnspecified:
      return "Unspecified";
    case TailDecision::kPending:
      return "Pending";
    case TailDecision::kSampled:
      return "Sampled";
    case TailDecision::kNotSampled:
      return "NotSampled";
    case TailDecision::kDropped:
      return "Dropped";
    case TailDecision::kError:
      return "Error";
    case TailDecision::kInvertSampled:
      return "InvertSampled";
    case TailDecision::kInvertNotSampled:
      return "InvertNotSampled";
  }
  return "?";
}

TailDecision CombineDecisions(TailDecisionMask seen) noexcept {
  if (seen & Bit(TailDecision::kDropped)) return TailDecision::kDropped;
  if (seen & Bit(TailDecision::kInvertNotSampled)) return TailDecision::kNotSampled;
  if (seen & Bit(TailDecision::kSampled)) return TailDecision::kSampled;
  if ((seen & Bit(TailDecision::kInvertSampled)) && !(seen & Bit(TailDecision::kNotSampled))) {
    return TailDecision::kSampled;
  }
  return TailDecision::kNotSampled;
}

TailPolicy::TailPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
    : config_(config), options_(options) {
  config_.sub_policies.clear();
}

TailPolicy::~TailPolicy() = default;

const std::vector<int64_t>& TailPolicy::allocations() const {
  static const std::vector<int64_t> kNone;
  return kNone;
}

sim::Result<std::unique_ptr<TailPolicy>> TailPolicy::Create(const TailPolicyConfig& config,
                                                            const sim::Model& model,
                                                            const TailPolicyOptions& options) {
  switch (config.type) {
    case TailPolicyType::kAlwaysSample:
    case TailPolicyType::kLatency:
    case TailPolicyType::kStatusCode:
    case TailPolicyType::kSpanCount:
    case TailPolicyType::kTraceState:
    case TailPolicyType::kTraceFlags:
      return tail_policies::MakeTracePolicy(config, options);
    case TailPolicyType::kNumericAttribute:
    case TailPolicyType::kStringAttribute:
    case TailPolicyType::kBooleanAttribute:
      return tail_policies::MakeAttributePolicy(config, model, options);
    case TailPolicyType::kProbabilistic:
      return tail_policies::MakeProbabilisticPolicy(config, options);
    case TailPolicyType::kRateLimiting:
    case TailPolicyType::kBytesLimiting:
      return tail_policies::MakeLimitPolicy(config, options);
    case TailPolicyType::kOttlCondition:
      return tail_policies::MakeOttlPolicy(config, options);
    case TailPolicyType::kAnd:
    case TailPolicyType::kDrop:
    case TailPolicyType::kNot:
    case TailPolicyType::kComposite:
      return tail_policies::MakeCompositePolicy(config, model, options);
  }
  return sim::Status::Internal("unhandled tail policy type");
}

}  // namespace tracesim::sampling
