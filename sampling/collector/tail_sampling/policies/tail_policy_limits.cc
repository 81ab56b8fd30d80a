// Stateful limit policies on the processor clock (decision time, never span timestamps):
// rate_limiting and bytes_limiting, both token buckets as golang.org/x/time/rate, the
// Collector's rate_limiting.go and bytes_limiting.go (v0.161.0).
#include <algorithm>
#include <cstdint>

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

// golang.org/x/time/rate's Limiter (v0.14) as the policies use it: AllowN(now, n) on a bucket of
// `burst` tokens refilled at `rate` per second, full at the first call (it refills from the zero
// time). advance() adds elapsed.Seconds() * rate, capped at burst; the request passes when
// n <= burst and the tokens left, if negative, are worth a wait that truncates to 0 ns. Only a
// passing request stores the new state.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst) {}
  bool AllowN(int64_t now, double n) {
    double tokens = burst_;
    if (last_ns_ != INT64_MIN) {
      const int64_t last = std::min(last_ns_, now);
      const int64_t d = now - last;
      const double seconds =
          static_cast<double>(d / 1'000'000'000) + static_cast<double>(d % 1'000'000'000) / 1e9;
      tokens = std::min(burst_, tokens_ + seconds * rate_);
    }
    tokens -= n;
    const bool ok =
        n <= burst_ && (tokens >= 0 || static_cast<int64_t>(-tokens / rate_ * 1e9) <= 0);
    if (ok) {
      last_ns_ = now;
      tokens_ = tokens;
    }
    return ok;
  }

 private:
  double rate_, burst_;
  double tokens_ = 0;
  int64_t last_ns_ = INT64_MIN;  // never passed yet: the bucket is full
};

// rate_limiting (v0.161.0 rate_limiting.go): a token bucket of spans, rate spans_per_second,
// burst burst_capacity when > 0, else 2 x spans_per_second; a trace passes when its span count fits
// (AllowN). The old per-second counter (spans in the current wall-clock second < spans_per_second)
// is gone upstream.
class RateLimitingPolicy final : public TailPolicy {
 public:
  RateLimitingPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options),
        bucket_(static_cast<double>(config.rate_limiting.spans_per_second),
                static_cast<double>(config.rate_limiting.burst_capacity > 0
                                        ? config.rate_limiting.burst_capacity
                                        : 2 * config.rate_limiting.spans_per_second)) {}

 private:
  TailDecision Decide(const TailTraceData& t, int64_t now) override {
    return bucket_.AllowN(now, static_cast<double>(t.span_count)) ? TailDecision::kSampled
                                                                  : TailDecision::kNotSampled;
  }
  bool ReadsSpans() const override { return false; }
  TokenBucket bucket_;
};

// bytes_limiting (bytes_limiting.go): a token bucket of bytes (TracesSize of the trace's received
// batches), rate bytes_per_second, burst burst_capacity (default 2 x bytes_per_second).
class BytesLimitingPolicy final : public TailPolicy {
 public:
  BytesLimitingPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options),
        bucket_(static_cast<double>(config.bytes_limiting.bytes_per_second),
                static_cast<double>(config.bytes_limiting.burst_capacity == 0
                                        ? 2 * config.bytes_limiting.bytes_per_second
                                        : config.bytes_limiting.burst_capacity)) {}

 private:
  TailDecision Decide(const TailTraceData& t, int64_t now) override {
    return bucket_.AllowN(now, static_cast<double>(t.size_bytes)) ? TailDecision::kSampled
                                                                  : TailDecision::kNotSampled;
  }
  bool ReadsSpans() const override { return false; }
  TokenBucket bucket_;
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
