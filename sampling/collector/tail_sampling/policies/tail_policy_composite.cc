// Policies over sub-policies: and, drop, not, composite (the Collector's and.go, drop.go,
// not.go, composite.go). Sub-policies are built with TailPolicy::Create.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

class CompositePolicy final : public TailPolicy {
 public:
  CompositePolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options) {
    if (config.type != TailPolicyType::kComposite) return;
    const int64_t total = config.composite.max_total_spans_per_second;
    for (const TailPolicyConfig& s : config.sub_policies) {
      int64_t alloc = 0;  // not listed: 0 (code behaviour, issue #49828)
      for (const auto& [name, percent] : config.composite.rate_allocation) {
        if (name != s.name) continue;
        if (percent > 0) {
          alloc = static_cast<int64_t>(static_cast<double>(percent) / 100.0 *
                                       static_cast<double>(total));
        } else {
          alloc = config.sub_policies.empty()
                      ? 0
                      : total / static_cast<int64_t>(config.sub_policies.size());
        }
      }
      allocation_.push_back(alloc);
    }
    sub_count_.assign(allocation_.size(), 0);
  }

  sim::Status AddSubPolicies(const TailPolicyConfig& config, const sim::Model& model,
                             const TailPolicyOptions& options) {
    for (const TailPolicyConfig& s : config.sub_policies) {
      auto sub = TailPolicy::Create(s, model, options);
      if (!sub.ok()) return sub.status();
      subs_.push_back(std::move(sub).value());
    }
    return sim::Status::Ok();
  }

  const std::vector<int64_t>& allocations() const override { return allocation_; }
  bool ReadsSpans() const override {
    for (const auto& sub : subs_)
      if (sub->ReadsSpans()) return true;
    return false;
  }

 private:
  TailDecision Decide(const TailTraceData& t, int64_t now) override {
    switch (type()) {
      case TailPolicyType::kAnd:
        return AllSampled(t, now, TailDecision::kSampled);
      case TailPolicyType::kDrop:
        return AllSampled(t, now, TailDecision::kDropped);
      case TailPolicyType::kNot: {
        if (subs_.empty()) return TailDecision::kError;
        TailDecision d = subs_[0]->Evaluate(t, now);
        if (d == TailDecision::kSampled) return TailDecision::kNotSampled;
        if (d == TailDecision::kNotSampled) return TailDecision::kSampled;
        return d;
      }
      case TailPolicyType::kComposite:
        return Composite(t, now);
      default:
        return TailDecision::kError;
    }
  }

  // and / drop: `all` unless a sub-policy errs or does not sample.
  TailDecision AllSampled(const TailTraceData& t, int64_t now, TailDecision all) {
    for (auto& sub : subs_) {
      TailDecision d = sub->Evaluate(t, now);
      if (d == TailDecision::kError) return TailDecision::kError;
      if (d == TailDecision::kNotSampled || d == TailDecision::kInvertNotSampled) {
        return TailDecision::kNotSampled;
      }
    }
    return all;
  }

  TailDecision Composite(const TailTraceData& t, int64_t now) {
    int64_t second = now >= 0 ? now / 1'000'000'000 : (now - 999'999'999) / 1'000'000'000;
    if (second != current_second_) {
      current_second_ = second;
      std::fill(sub_count_.begin(), sub_count_.end(), 0);
    }
    const int64_t spans = static_cast<int64_t>(t.span_count);
    for (size_t i = 0; i < subs_.size(); ++i) {
      TailDecision d = subs_[i]->Evaluate(t, now);
      if (d == TailDecision::kError) return TailDecision::kError;
      if (d == TailDecision::kSampled || d == TailDecision::kInvertSampled) {
        if (sub_count_[i] + spans <= allocation_[i] &&
            sub_count_[i] + spans <= config().composite.max_total_spans_per_second) {
          sub_count_[i] += spans;
          return TailDecision::kSampled;
        }
        return TailDecision::kNotSampled;  // no fall-through (issue #36959)
      }
    }
    return TailDecision::kNotSampled;
  }

  std::vector<std::unique_ptr<TailPolicy>> subs_;
  std::vector<int64_t> allocation_, sub_count_;  // composite: spans/s per sub-policy, this second
  int64_t current_second_ = INT64_MIN;
};

}  // namespace

PolicyResult MakeCompositePolicy(const TailPolicyConfig& config, const sim::Model& model,
                                 const TailPolicyOptions& options) {
  auto p = std::make_unique<CompositePolicy>(config, options);
  TRACESIM_RETURN_IF_ERROR(p->AddSubPolicies(config, model, options));
  return std::unique_ptr<TailPolicy>(std::move(p));
}

}  // namespace tracesim::sampling::tail_policies
