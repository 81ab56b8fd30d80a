// Stateful limit policies on the processor clock (decision time, never span timestamps):
// rate_limiting (spans per wall-clock second) and bytes_limiting (a token bucket as
// golang.org/x/time/rate), the Collector's rate_limiting.go and bytes_limiting.go.
#include <algorithm>
#include <cstdint>

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

class RateLimitingPolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData& t, int64_t now) override {
    int64_t second = now >= 0 ? now / 1'000'000'000 : (now - 999'999'999) / 1'000'000'000;
    if (second != current_second_) {
      current_second_ = second;
      spans_in_second_ = 0;
    }
    int64_t if_sampled = spans_in_second_ + static_cast<int64_t>(t.span_count);
    if (if_sampled < config().rate_limiting.spans_per_second) {
      spans_in_second_ = if_sampled;
      return TailDecision::kSampled;
    }
    return TailDecision::kNotSampled;
  }
  int64_t current_second_ = INT64_MIN;
  int64_t spans_in_second_ = 0;
};

class BytesLimitingPolicy final : public TailPolicy {
 public:
  BytesLimitingPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options),
        rate_(static_cast<double>(config.bytes_limiting.bytes_per_second)),
        burst_(static_cast<double>(config.bytes_limiting.burst_capacity == 0
                                       ? 2 * config.bytes_limiting.bytes_per_second
                                       : config.bytes_limiting.burst_capacity)) {}

 private:
  TailDecision Decide(const TailTraceData& t, int64_t now) override {
    if (last_ns_ == INT64_MIN) {
      tokens_ = burst_;  // x/time/rate: the first call refills from the zero time
    } else if (now > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_ns_) * 1e-9 * rate_);
    }
    if (now > last_ns_) last_ns_ = now;
    const double n = static_cast<double>(t.size_bytes);
    if (n > burst_ || tokens_ < n) return TailDecision::kNotSampled;
    tokens_ -= n;
    return TailDecision::kSampled;
  }
  double rate_, burst_;  // bytes per second; burst_capacity, default 2 x bytes_per_second
  double tokens_ = 0;
  int64_t last_ns_ = INT64_MIN;
};

}  // namespace

PolicyResult MakeLimitPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options) {
  switch (config.type) {
    case TailPolicyType::kRateLimiting:
      return std::unique_ptr<TailPolicy>(new RateLimitingPolicy(config, options));
    case TailPolicyType::kBytesLimiting:
      return std::unique_ptr<TailPolicy>(new BytesLimitingPolicy(config, options));
    default:
      return sim::Status::Internal("not a limit policy");
  }
}

}  // namespace tracesim::sampling::tail_policies
