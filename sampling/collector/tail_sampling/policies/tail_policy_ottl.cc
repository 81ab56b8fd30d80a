// The ottl_condition policy (the Collector's ottl.go): any span, or span event, matching any
// condition samples the trace. The OTTL subset itself is tail_ottl.h.
#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/config/tail_ottl.h"
#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

class OttlPolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

  sim::Status Compile() {
    const auto& c = config().ottl_condition;
    for (const std::string& text : c.span) {
      auto r = OttlCondition::Parse(text, OttlCondition::Context::kSpan);
      if (!r.ok()) return r.status().WithContext("policy \"" + config().name + "\"");
      span_conds_.push_back(std::move(r).value());
    }
    for (const std::string& text : c.spanevent) {
      auto r = OttlCondition::Parse(text, OttlCondition::Context::kSpanEvent);
      if (!r.ok()) return r.status().WithContext("policy \"" + config().name + "\"");
      event_conds_.push_back(std::move(r).value());
    }
    return sim::Status::Ok();
  }

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    const sim::Model& m = *t.model;
    for (const sim::Span& s : t.spans) {
      for (const OttlCondition& c : span_conds_)
        if (c.Evaluate(m, s, nullptr)) return TailDecision::kSampled;
      if (event_conds_.empty()) continue;
      for (uint32_t e = 0; e < s.event_count; ++e) {
        const size_t idx = static_cast<size_t>(s.first_event) + e;
        if (idx >= t.events.size()) break;
        for (const OttlCondition& c : event_conds_)
          if (c.Evaluate(m, s, &t.events[idx])) return TailDecision::kSampled;
      }
    }
    return TailDecision::kNotSampled;
  }

  std::vector<OttlCondition> span_conds_, event_conds_;
};

}  // namespace

PolicyResult MakeOttlPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options) {
  auto p = std::make_unique<OttlPolicy>(config, options);
  TRACESIM_RETURN_IF_ERROR(p->Compile());
  return std::unique_ptr<TailPolicy>(std::move(p));
}

}  // namespace tracesim::sampling::tail_policies
