// The tail-sampling policy families, one file each; TailPolicy::Create (tail_policy.cc) calls
// these factories. Internal to sampling/collector/tail_sampling.
#ifndef TRACESIM_SAMPLING_TAIL_POLICY_FAMILIES_H_
#define TRACESIM_SAMPLING_TAIL_POLICY_FAMILIES_H_

#include <memory>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/policies/tail_policy.h"
#include "sim/base/status.h"
#include "sim/model/model.h"

namespace tracesim::sampling::tail_policies {

using PolicyResult = sim::Result<std::unique_ptr<TailPolicy>>;

// tail_policy_trace.cc: always_sample, latency, status_code, span_count, trace_state,
// trace_flags (properties of the trace's spans).
PolicyResult MakeTracePolicy(const TailPolicyConfig& config, const TailPolicyOptions& options);
// tail_policy_attribute.cc: numeric_attribute, string_attribute, boolean_attribute.
PolicyResult MakeAttributePolicy(const TailPolicyConfig& config, const sim::Model& model,
                                 const TailPolicyOptions& options);
// tail_policy_probabilistic.cc: probabilistic.
PolicyResult MakeProbabilisticPolicy(const TailPolicyConfig& config,
                                     const TailPolicyOptions& options);
// tail_policy_limits.cc: rate_limiting, bytes_limiting (stateful, on the processor clock).
PolicyResult MakeLimitPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options);
// tail_policy_ottl.cc: ottl_condition.
PolicyResult MakeOttlPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options);
// tail_policy_composite.cc: and, drop, not, composite (sub-policies built with
// TailPolicy::Create).
PolicyResult MakeCompositePolicy(const TailPolicyConfig& config, const sim::Model& model,
                                 const TailPolicyOptions& options);

}  // namespace tracesim::sampling::tail_policies

#endif  // TRACESIM_SAMPLING_TAIL_POLICY_FAMILIES_H_
